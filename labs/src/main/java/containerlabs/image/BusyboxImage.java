package containerlabs.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The default image: Debian's static busybox, its applets as links, and the few files of
 * /etc a program expects. Static, so the image needs no libraries from the host.
 */
public final class BusyboxImage {
  public static final Path BINARY = Path.of("/bin/busybox");

  private BusyboxImage() {}

  public static ImageStore.Image create(ImageStore store, String name) throws IOException {
    if (!Files.isExecutable(BINARY) || isDynamic(BINARY)) {
      throw new ImageException(BINARY + " is missing or not static: apt-get install busybox-static");
    }
    String version = version();
    return store.create(name, "busybox-static " + version, layers -> {
      Path root = layers.resolve("0");
      for (String dir : List.of("bin", "sbin", "usr/bin", "usr/sbin", "etc", "dev", "proc", "sys",
          "run", "mnt", "home", "var", "root", "tmp")) {
        Files.createDirectories(root.resolve(dir));
      }
      containerlabs.kernel.Kernel.chmod(root.resolve("tmp").toString(), 01777);
      Files.setPosixFilePermissions(root.resolve("root"), PosixFilePermissions.fromString("rwx------"));
      Files.copy(BINARY, root.resolve("bin/busybox"));
      for (String applet : applets()) {
        Path link = root.resolve(applet);
        if (!Files.exists(link)) {
          Files.createDirectories(link.getParent());
          Files.createSymbolicLink(link, Path.of("/bin/busybox"));
        }
      }
      write(root, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
          + "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
      write(root, "etc/group", "root:x:0:\nnogroup:x:65534:\n");
      write(root, "etc/hostname", name + "\n");
      write(root, "etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
      Path resolv = Path.of("/etc/resolv.conf"); // the host's resolvers, never one of our choosing
      write(root, "etc/resolv.conf", Files.isReadable(resolv) ? Files.readString(resolv) : "");
      write(root, "etc/os-release", "NAME=\"BusyBox\"\nID=busybox\nVERSION_ID=\"" + version + "\"\n"
          + "PRETTY_NAME=\"Container Labs " + name + " image (BusyBox " + version + ")\"\n");
      // How the image means to be run, as docker's busybox image says it: a shell.
      Files.writeString(layers.resolveSibling(ImageStore.CONFIG), "{\"architecture\":\""
          + containerlabs.kernel.Architecture.current().imageName + "\",\"os\":\"linux\",\"config\":{"
          + "\"Env\":[\"PATH=" + ImageConfig.DEFAULT_PATH + "\"],\"Cmd\":[\"sh\"]}}\n");
      return 1;
    });
  }

  private static void write(Path root, String file, String content) throws IOException {
    Files.writeString(root.resolve(file), content);
  }

  private static List<String> applets() throws IOException {
    return run(BINARY.toString(), "--list-full").lines().filter(l -> !l.isBlank()).toList();
  }

  /** "BusyBox v1.35.0 (Debian …) multi-call binary." → "1.35.0". */
  private static String version() throws IOException {
    String first = run(BINARY.toString()).lines().findFirst().orElse("");
    String[] words = first.split(" ");
    return words.length > 1 && words[1].startsWith("v") ? words[1].substring(1) : "unknown";
  }

  private static boolean isDynamic(Path binary) throws IOException {
    try (InputStream in = Files.newInputStream(binary)) {
      String head = new String(in.readNBytes(4096), StandardCharsets.ISO_8859_1);
      return head.contains("ld-linux"); // a dynamic ELF names its loader near the start
    }
  }

  private static String run(String... command) throws IOException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return out;
  }
}
