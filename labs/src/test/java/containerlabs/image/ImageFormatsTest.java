package containerlabs.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Library;
import com.sun.jna.Native;
import containerlabs.kernel.Architecture;
import containerlabs.testing.Imports;
import containerlabs.testing.LabRunner.Result;
import containerlabs.testing.LabTest;
import containerlabs.testing.TarBuilder;
import containerlabs.testing.ToolImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Importing images that umoci and skopeo made (see {@link ToolImages}): which image of an
 * archive, which platform, every format, digests checked. What was imported is read from the
 * image's layer folders; lab04's ToolImagesTest runs containers from such images.
 */
@LabTest
@DisplayName("image import: the formats other tools write")
class ImageFormatsTest {
  private static final Path STORE = Path.of("/var/lib/container-labs/images");
  @RegisterExtension
  static final ToolImages tools = new ToolImages();
  @RegisterExtension
  final Imports imports = new Imports(Images.class);

  /** ./lab images import NAME ARGS..., which must succeed with this many layers; NAME. */
  private String imported(int layers, String... args) {
    Imports.Imported imported = imports.imported(args);
    assertTrue(imported.result().out().contains(layers + " layer(s)"), imported.result()::toString);
    return imported.name();
  }

  /** ./lab images import NAME ARGS..., which must be refused in one line saying {@code reason}. */
  private void refused(String reason, String... args) {
    String name = imports.unusedName();
    Result run = imports.run(name, args);
    assertEquals(125, run.exitStatus(), run::toString);
    assertEquals(1, run.stderr().strip().lines().count(), run::toString);
    assertTrue(run.stderr().contains(reason), "expected '" + reason + "': " + run);
    assertFalse(Files.exists(STORE.resolve(name)), "a refused import left an image");
  }

  private static Path layer(String image, int n) {
    return STORE.resolve(image).resolve("layers").resolve(Integer.toString(n));
  }

  /** Tag a: the whiteout umoci made, the opaque folder, the upper file; and its config kept. */
  private static void assertTagA(String image) throws IOException {
    assertTrue(isWhiteout(layer(image, 1).resolve("data/gone")), "no whiteout for data/gone");
    assertEquals("upper\n", Files.readString(layer(image, 1).resolve("data/kept")));
    assertEquals("y", opaque(layer(image, 2).resolve("data/dir")), "data/dir is not opaque");
    assertEquals("z\n", Files.readString(layer(image, 2).resolve("data/dir/z")));
  }

  @Test
  @DisplayName("an OCI layout with two tags: no tag is refused with the tags listed; --tag and SOURCE:TAG choose")
  void layoutTags() throws IOException {
    refused("choose one with --tag TAG", tools.layout.toString());
    refused("tags a, b", tools.layout.toString());
    assertTagA(imported(3, "--tag", "a", tools.layout.toString()));
    String b = imported(1, tools.layout + ":b");
    assertEquals("lower\n", Files.readString(layer(b, 0).resolve("data/gone")));
    refused("no tag 'c' in " + tools.layout + ": its tags are a, b", "--tag", "c", tools.layout.toString());
  }

  @Test
  @DisplayName("skopeo's oci-archive, docker-archive and dir: (as a folder and tarred) import alike, each config kept verbatim")
  void skopeoFormats() throws IOException {
    Path dir = tools.dir.resolve("skopeo-dir");
    tools.skopeo("a", "dir:" + dir);
    byte[] config = Files.readAllBytes(dir.resolve(configDigest(dir).substring("sha256:".length())));
    Path ociArchive = tools.dir.resolve("a.oci.tar");
    tools.skopeo("a", "oci-archive:" + ociArchive);
    Path dockerArchive = tools.dir.resolve("a.docker.tar");
    tools.skopeo("a", "docker-archive:" + dockerArchive + ":labs/tool:one");
    for (String source : List.of(ociArchive.toString(), dir.toString(), tools.tar(dir).toString())) {
      String image = imported(3, source);
      assertTagA(image);
      assertArrayEquals(config, Files.readAllBytes(STORE.resolve(image).resolve("config.json")), source);
    }
    String image = imported(3, "--tag", "labs/tool:one", dockerArchive.toString());
    assertTagA(image);
    assertArrayEquals(config, Files.readAllBytes(STORE.resolve(image).resolve("config.json")));
    refused("its tags are docker.io/labs/tool:one", "--tag", "two", dockerArchive.toString());
  }

  @Test
  @DisplayName("zstd-compressed layers (skopeo --dest-compress-format zstd) import")
  void zstd() throws IOException {
    Path layout = tools.dir.resolve("zstd-layout");
    tools.skopeo("a", "oci:" + layout + ":a", "--dest-compress-format", "zstd");
    String manifest = Files.readString(layout.resolve("blobs/sha256").resolve(
        manifestDigest(layout).substring("sha256:".length())));
    assertTrue(manifest.contains("tar+zstd"), "skopeo wrote no zstd layer: " + manifest);
    assertTagA(imported(3, layout.toString()));
  }

  @Test
  @DisplayName("a blob with one byte changed is refused, naming the blob: a layer, a manifest, a config, a docker save layer")
  void tampered() throws IOException {
    Path manifest = tools.copy(tools.layout, "tampered-manifest");
    String digest = tags(manifest).get("a");
    ToolImages.flip(blob(manifest, digest));
    refused("refused: manifest should hash to " + digest + " but hashes to", "--tag", "a", manifest.toString());
    Path dir = tools.dir.resolve("tampered-dir");
    tools.skopeo("a", "dir:" + dir);
    ToolImages.flip(dir.resolve(configDigest(dir).substring("sha256:".length())));
    refused("refused: the image config should hash to " + configDigest(dir), dir.toString());

    Path layout = tools.copy(tools.layout, "tampered-layout");
    Path blob = ToolImages.tamperLargest(layout);
    refused("refused: layer 1 of 3 should hash to sha256:" + blob.getFileName() + " but hashes to sha256:",
        "--tag", "a", layout.toString());
    Path save = tools.dir.resolve("tampered-save");
    tools.skopeo("a", "docker-archive:" + tools.dir.resolve("save.tar") + ":labs/tool:one");
    Files.createDirectory(save);
    ToolImages.run("tar", "-C", save.toString(), "-xf", tools.dir.resolve("save.tar").toString());
    Path layer = ToolImages.tamperLargest(save);
    refused("refused: layer 1 of 3 should hash to sha256:" + layer.getFileName().toString().replace(".tar", ""),
        save.toString());
  }

  @Test
  @DisplayName("an image index, nested in another: this machine's platform is chosen; none there is refused, naming those there are")
  void platforms() throws IOException {
    Path layout = tools.copy(tools.layout, "multi-platform");
    String host = Architecture.current().imageName;
    String other = host.equals("amd64") ? "arm64" : "amd64";
    Map<String, String> tags = tags(layout);
    String inner = index(layout, entry(tags.get("b"), other, "v8"), entry(tags.get("a"), host, null),
        entry(tags.get("b"), "unknown", null));
    String outer = index(layout, "{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\""
        + inner + "\",\"size\":" + Files.size(blob(layout, inner)) + "}");
    top(layout, outer);
    assertTagA(imported(3, layout.toString()));

    top(layout, index(layout, entry(tags.get("a"), other, null), entry(tags.get("b"), "s390x", null)));
    refused("no image for linux/" + host + " in " + layout + ", only for linux/" + other + ", linux/s390x",
        layout.toString());
  }

  @Test
  @DisplayName("a debootstrap-style root filesystem with device nodes: refused naming --allow-devices, imported with it")
  void devices() throws IOException {
    Path rootfs = new TarBuilder().dir("bin").file("bin/sh", "#!/bin/true\n".getBytes(StandardCharsets.UTF_8), 0755).dir("dev")
        .charDevice("dev/null", 1, 3).charDevice("dev/console", 5, 1).dir("etc").file("etc/debian_version", "12.8\n")
        .writeTo(tools.dir.resolve("debootstrap.tar"));
    refused("import again with --allow-devices", rootfs.toString());
    String image = imported(1, "--allow-devices", rootfs.toString());
    Path nul = layer(image, 0).resolve("dev/null");
    assertEquals(((1 << 8) | 3), ((Number) Files.getAttribute(nul, "unix:rdev", java.nio.file.LinkOption.NOFOLLOW_LINKS)).intValue());
  }

  @Test
  @DisplayName("a folder that is no image, or a tag for a format without tags, is refused in one line")
  void notImages() throws IOException {
    Path empty = Files.createDirectory(tools.dir.resolve("not-an-image"));
    refused("is a folder but not an image", empty.toString());
    Path dir = tools.dir.resolve("one-image");
    tools.skopeo("b", "dir:" + dir);
    refused("import it without --tag", "--tag", "b", dir.toString());
  }

  // The layout's JSON, read with the import's own parser only to find digests, never to check results.

  private static Map<String, String> tags(Path layout) throws IOException {
    Map<String, String> tags = new java.util.HashMap<>();
    for (Object entry : Json.array(Json.object(Json.parse(Files.readString(layout.resolve("index.json"))), "")
        .get("manifests"), "")) {
      Map<String, Object> e = Json.object(entry, "");
      tags.put((String) Json.object(e.get("annotations"), "").get("org.opencontainers.image.ref.name"),
          (String) e.get("digest"));
    }
    return tags;
  }

  private static String manifestDigest(Path layout) throws IOException {
    return tags(layout).get("a");
  }

  private static String configDigest(Path skopeoDir) throws IOException {
    Map<String, Object> manifest = Json.object(Json.parse(Files.readString(skopeoDir.resolve("manifest.json"))), "");
    return (String) Json.object(manifest.get("config"), "").get("digest");
  }

  private static Path blob(Path layout, String digest) {
    return layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
  }

  /** index.json: one entry, an index. */
  private static void top(Path layout, String index) throws IOException {
    Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
        + "\"application/vnd.oci.image.index.v1+json\",\"digest\":\"" + index + "\",\"size\":"
        + Files.size(blob(layout, index)) + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"multi\"}}]}");
  }

  private static String entry(String digest, String architecture, String variant) {
    return "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + digest
        + "\",\"platform\":{\"architecture\":\"" + architecture + "\",\"os\":\""
        + (architecture.equals("unknown") ? "unknown" : "linux") + "\""
        + (variant != null ? ",\"variant\":\"" + variant + "\"" : "") + "}}";
  }

  /** Writes an index of these entries as a blob of the layout; its digest. */
  private static String index(Path layout, String... entries) throws IOException {
    byte[] index = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
        + "\"manifests\":[" + String.join(",", entries) + "]}").getBytes(StandardCharsets.UTF_8);
    String digest = "sha256:" + sha256(index);
    Files.write(blob(layout, digest), index);
    return digest;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static boolean isWhiteout(Path path) throws IOException {
    int mode = (Integer) Files.getAttribute(path, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
    long rdev = ((Number) Files.getAttribute(path, "unix:rdev", java.nio.file.LinkOption.NOFOLLOW_LINKS)).longValue();
    return (mode & 0170000) == 0020000 && rdev == 0; // overlayfs: a 0/0 character device
  }

  /** getxattr(2) of a trusted.* attribute, which Java's attribute views cannot read. */
  private interface LibC extends Library {
    LibC C = Native.load("c", LibC.class);

    long getxattr(String path, String name, byte[] value, long size);
  }

  private static String opaque(Path dir) {
    byte[] value = new byte[16];
    long n = LibC.C.getxattr(dir.toString(), "trusted.overlay.opaque", value, value.length);
    return n < 0 ? null : new String(value, 0, (int) n, StandardCharsets.UTF_8);
  }
}
