package containerlabs.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerlabs.image.Images;
import containerlabs.testing.Guide;
import containerlabs.testing.LabRunner;
import containerlabs.testing.LabRunner.Result;
import containerlabs.testing.LabTest;
import containerlabs.testing.Points;
import containerlabs.testing.TarBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@LabTest
@Guide("The images")
@DisplayName("lab04-rootfs images")
class ImagesTest {
  private static final Path BUSYBOX = Path.of("/var/lib/container-labs/images/busybox/layers/0/bin/busybox");
  private final LabRunner images = LabRunner.of(Images.class);
  private final LabRunner lab = LabRunner.of(Lab04.class);
  private final String name = "test-" + ThreadLocalRandom.current().nextInt(1_000_000);
  private Path work;

  @BeforeEach
  void workDir() throws Exception {
    work = Files.createTempDirectory("container-labs-images");
  }

  @AfterEach
  void cleanUp() throws Exception {
    images.run("rm", name);
    try (var paths = Files.walk(work)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** A root filesystem with busybox as /bin/sh and the given extra entries. */
  private static TarBuilder rootfs() throws Exception {
    return new TarBuilder().dir("bin").file("bin/sh", Files.readAllBytes(BUSYBOX), 0755)
        .dir("etc").file("etc/os-release", "ID=test\n");
  }

  @Test
  @Points(1)
  @DisplayName("a docker export tarball imports as one layer, and a container runs in it")
  void dockerExport() throws Exception {
    Path tarball = rootfs().dir("data").file("data/hello", "hi\n").writeTo(work.resolve("export.tar"));
    Result imported = images.run("import", name, tarball.toString());
    assertEquals(0, imported.exitStatus(), imported::toString);
    assertTrue(imported.out().contains("1 layer(s)"), imported::toString);
    assertTrue(images.run("list").stdout().contains(name));
    Result run = lab.run("--image", name, "--", "/bin/sh", "-c", "read x < /data/hello; echo $x");
    assertEquals("hi", run.out(), run::toString);
  }

  @Test
  @Points(1)
  @DisplayName("a docker save archive: layers stack in order, and a whiteout hides the lower file")
  void dockerSaveWhiteout() throws Exception {
    byte[] lower = rootfs().dir("data").file("data/gone", "lower\n").file("data/kept", "lower\n").bytes();
    byte[] upper = new TarBuilder().dir("data").file("data/.wh.gone", "").file("data/kept", "upper\n").bytes();
    Path tarball = new TarBuilder()
        .file("manifest.json", "[{\"Config\":\"c.json\",\"RepoTags\":[\"t:1\"],\"Layers\":[\"l0/layer.tar\",\"l1/layer.tar\"]}]")
        .file("c.json", "{}")
        .dir("l0").file("l0/layer.tar", lower, 0644)
        .dir("l1").file("l1/layer.tar", upper, 0644)
        .writeTo(work.resolve("save.tar"));
    Result imported = images.run("import", name, tarball.toString());
    assertTrue(imported.out().contains("2 layer(s)"), imported::toString);
    Result run = lab.run("--image", name, "--", "/bin/sh", "-c",
        "echo /data/*; read x < /data/kept; echo $x");
    assertEquals(List.of("/data/kept", "upper"), run.lines(), run::toString);
  }

  @Test
  @Points(1)
  @DisplayName("an OCI layout with gzipped layers: an opaque folder hides everything below it")
  void ociOpaque() throws Exception {
    byte[] lower = rootfs().dir("data").file("data/a", "a").file("data/b", "b").gzipped();
    byte[] upper = new TarBuilder().dir("data").file("data/.wh..wh..opq", "").file("data/c", "c").gzipped();
    String layers = "[" + descriptor(lower, "tar+gzip") + "," + descriptor(upper, "tar+gzip") + "]";
    byte[] manifest = ("{\"schemaVersion\":2,\"config\":" + descriptor("{}".getBytes(), "config")
        + ",\"layers\":" + layers + "}").getBytes(StandardCharsets.UTF_8);
    TarBuilder oci = new TarBuilder().file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}")
        .file("index.json", "{\"schemaVersion\":2,\"manifests\":[" + descriptor(manifest, "manifest") + "]}")
        .dir("blobs").dir("blobs/sha256");
    for (byte[] blob : List.of(lower, upper, manifest, "{}".getBytes())) {
      oci.file("blobs/sha256/" + sha256(blob), blob, 0644);
    }
    Path tarball = oci.writeTo(work.resolve("oci.tar"));
    Result imported = images.run("import", name, tarball.toString());
    assertTrue(imported.out().contains("2 layer(s)"), imported::toString);
    Result run = lab.run("--image", name, "--", "/bin/sh", "-c", "echo /data/*");
    assertEquals("/data/c", run.out(), run::toString);
  }

  @Test
  @DisplayName("images rm removes an image; running it afterwards is a clear error")
  void remove() throws Exception {
    images.run("import", name, rootfs().writeTo(work.resolve("r.tar")).toString());
    assertEquals(0, images.run("rm", name).exitStatus());
    assertFalse(images.run("list").stdout().contains(name));
    assertEquals(125, lab.run("--image", name, "--", "true").exitStatus());
  }

  @Test
  @DisplayName("bad tarballs are refused with one line, and leave no image, not even half of one")
  void badTarballs() throws Exception {
    byte[] good = rootfs().bytes();
    check(Arrays.copyOf(good, good.length / 2 + 100), "truncated");
    check(rootfs().file("../../escaped", "x").bytes(), "path traversal");
    check(rootfs().symlink("evil", "/etc").file("evil/pwned", "x").bytes(), "through the symlink evil");
    check(rootfs().symlink("up", "../../../etc").bytes(), "climbs out of the image");
    check(rootfs().charDevice("dev/sda", 8, 0).bytes(), "is a device file");
    check("this is not a tarball at all, just text that is long enough to fill a block".repeat(10)
        .getBytes(StandardCharsets.UTF_8), "not a tarball");
    assertFalse(Files.exists(Path.of("/etc/pwned")));
  }

  private void check(byte[] tarball, String reason) throws Exception {
    Path file = Files.write(work.resolve("bad.tar"), tarball);
    Result run = images.run("import", name, file.toString());
    assertEquals(125, run.exitStatus(), run::toString);
    assertEquals(1, run.stderr().lines().count(), run::toString);
    assertTrue(run.stderr().contains(reason), "expected '" + reason + "': " + run);
    assertFalse(images.run("list").stdout().contains(name), "a refused import left an image");
    // NothingLeftBehind also fails the test if a staging folder is left in the image store.
  }

  private static String descriptor(byte[] blob, String kind) throws Exception {
    return "{\"mediaType\":\"application/vnd.oci.image." + (kind.startsWith("tar") ? "layer.v1." + kind : kind + ".v1+json")
        + "\",\"digest\":\"sha256:" + sha256(blob) + "\",\"size\":" + blob.length + "}";
  }

  private static String sha256(byte[] blob) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(blob));
  }
}
