package containerlabs.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Images made by the tools people use, not by us: umoci builds an OCI layout from the busybox
 * image, skopeo converts it to the other formats. The layout has two tags:
 * <ul>
 * <li>{@code b}: one layer, busybox and /data/gone, /data/kept ("lower"), /data/dir/{x,y};
 * <li>{@code a}: b's layer, then a layer umoci made from a change (/data/gone deleted: a
 *     whiteout; /data/kept now "upper"), then one that makes /data/dir opaque and adds z.
 * </ul>
 * A test class registers it: {@code @RegisterExtension static final ToolImages tools = new ToolImages();}
 */
public final class ToolImages implements BeforeAllCallback, AfterAllCallback {
  private static final Path BUSYBOX = Path.of("/var/lib/container-labs/images/busybox/layers/0");

  /** A temporary folder for the images and their copies, made before a test class, removed after. */
  public Path dir;
  /** The OCI layout, tags a and b. */
  public Path layout;

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    dir = Files.createTempDirectory("container-labs-tool-images");
    layout = dir.resolve("layout");
    make();
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    if (dir != null) {
      run("rm", "-rf", dir.toString());
    }
  }

  private void make() throws IOException {
    String a = layout + ":a";
    run("umoci", "init", "--layout", layout.toString());
    run("umoci", "new", "--image", a);
    Path rootfs = unpack(a);
    run("cp", "-a", BUSYBOX + "/.", rootfs.toString());
    Files.createDirectories(rootfs.resolve("data/dir"));
    write(rootfs.resolve("data/gone"), "lower\n");
    write(rootfs.resolve("data/kept"), "lower\n");
    write(rootfs.resolve("data/dir/x"), "x\n");
    write(rootfs.resolve("data/dir/y"), "y\n");
    repack(a);
    run("umoci", "tag", "--image", a, "b");
    rootfs = unpack(a);
    Files.delete(rootfs.resolve("data/gone")); // umoci writes the whiteout data/.wh.gone
    write(rootfs.resolve("data/kept"), "upper\n");
    repack(a);
    Path opaque = new TarBuilder().dir("data").dir("data/dir").file("data/dir/.wh..wh..opq", "")
        .file("data/dir/z", "z\n").writeTo(dir.resolve("opaque.tar"));
    run("umoci", "raw", "add-layer", "--image", a, opaque.toString());
  }

  /** {@code skopeo copy [OPTIONS] oci:LAYOUT:TAG DESTINATION}. */
  public void skopeo(String tag, String destination, String... options) throws IOException {
    List<String> command = new ArrayList<>(List.of("skopeo", "copy", "-q"));
    command.addAll(List.of(options));
    command.add("oci:" + layout + ":" + tag);
    command.add(destination);
    run(command.toArray(String[]::new));
  }

  /** A folder tarred as the tools' -archive forms are: its contents at the top. */
  public Path tar(Path folder) throws IOException {
    Path tarball = dir.resolve(folder.getFileName() + ".tar");
    run("tar", "-C", folder.toString(), "-cf", tarball.toString(), ".");
    return tarball;
  }

  /** A copy of a folder, to spoil. */
  public Path copy(Path folder, String name) throws IOException {
    Path copy = dir.resolve(name);
    run("cp", "-a", folder.toString(), copy.toString());
    return copy;
  }

  /** Flips one byte in the middle of the largest file of a folder (the busybox layer). */
  public static Path tamperLargest(Path folder) throws IOException {
    Path largest;
    try (Stream<Path> files = Files.walk(folder)) {
      largest = files.filter(f -> Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)).max(Comparator.comparingLong(ToolImages::size)).orElseThrow();
    }
    return flip(largest);
  }

  /** Flips one bit of a file's middle byte; the file. */
  public static Path flip(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 1;
    Files.write(file, bytes);
    return file;
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private Path unpack(String image) throws IOException {
    Path bundle = dir.resolve("bundle");
    run("umoci", "unpack", "--image", image, bundle.toString());
    return bundle.resolve("rootfs");
  }

  private void repack(String image) throws IOException {
    Path bundle = dir.resolve("bundle");
    run("umoci", "repack", "--image", image, bundle.toString());
    run("rm", "-rf", bundle.toString());
  }

  private static void write(Path file, String content) throws IOException {
    Files.writeString(file, content, StandardCharsets.UTF_8);
  }

  public static String run(String... command) throws IOException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (process.waitFor() != 0) {
        throw new IOException(String.join(" ", command) + " failed: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    return out;
  }
}
