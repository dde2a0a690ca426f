package containerlabs.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import containerlabs.engine.Folders;
import containerlabs.testing.LabRunner;
import containerlabs.testing.LabRunner.Result;
import containerlabs.testing.LabTest;
import containerlabs.testing.TarBuilder;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * An image is input from a stranger: each test is an attack, as a crafted tarball, and checks
 * that the import refuses it with one line (or makes an image that stays inside itself) and
 * that the host's files it aimed at are as they were: content, mtime and link count.
 */
@LabTest
@DisplayName("a hostile image cannot touch the host")
class HostileImageTest {
  private static final FileTime LONG_AGO = FileTime.fromMillis(1_000_000_000_000L); // 2001
  private final LabRunner images = LabRunner.of(Images.class);
  private final String name = "test-hostile-" + ThreadLocalRandom.current().nextInt(1_000_000);
  private Path work;
  private Path host; // stands for the host's files: same filesystem as the image store
  private Path secret;
  private ImageStore store;

  @BeforeEach
  void hostFiles() throws Exception {
    work = Files.createTempDirectory(Path.of("/var/tmp"), "container-labs-hostile");
    host = Files.createDirectory(work.resolve("host"));
    secret = Files.writeString(host.resolve("secret"), "the host's secret\n");
    Files.createDirectory(host.resolve("b"));
    for (Path p : List.of(secret, host.resolve("b"), host)) {
      Files.setLastModifiedTime(p, LONG_AGO);
    }
    store = new ImageStore(work.resolve("store"));
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (new ImageStore().exists(name)) {
      images.run("rm", name);
    }
    Folders.deleteTree(work);
  }

  @Test
  @DisplayName("a hard link through an absolute symlink does not link a host file into the image")
  void hardLinkThroughSymlink() throws Exception {
    byte[] tar = new TarBuilder().symlink("h", host.toString()).hardlink("stolen", "h/secret").bytes();
    assertRefused(tar, "stolen", "symlink h");
    assertHostUntouched();
  }

  @Test
  @DisplayName("a hard link through a symlink deeper in its path is refused too")
  void hardLinkThroughDeeperSymlink() throws Exception {
    byte[] tar = new TarBuilder().dir("usr").symlink("usr/h", host.toString())
        .hardlink("stolen", "/usr/h/secret").bytes();
    assertRefused(tar, "stolen", "symlink usr/h");
    assertHostUntouched();
  }

  @Test
  @DisplayName("hard links to a folder, to themselves, with '..' or to nothing are refused")
  void badHardLinks() throws Exception {
    assertRefused(new TarBuilder().dir("d").hardlink("x", "d").bytes(), "x", "folder");
    assertRefused(new TarBuilder().file("x", "x").hardlink("x", "x").bytes(), "x", "itself");
    assertRefused(new TarBuilder().hardlink("x", "../host/secret").bytes(), "x", "outside the image");
    assertRefused(new TarBuilder().hardlink("x", "missing").bytes(), "x", "not in the layer");
    assertHostUntouched();
  }

  @Test
  @DisplayName("an honest hard link still works")
  void honestHardLink() throws Exception {
    byte[] tar = new TarBuilder().dir("bin").file("bin/a", "busybox").hardlink("bin/b", "bin/a").bytes();
    ImageStore.Image image = importIt(tar);
    Path layer = image.layers().get(0);
    assertEquals(2, Files.getAttribute(layer.resolve("bin/b"), "unix:nlink"));
    assertEquals("busybox", Files.readString(layer.resolve("bin/b")));
  }

  @Test
  @DisplayName("a folder later replaced by a symlink to a host file: the mtime pass does not follow it")
  void directoryTimeThroughSymlink() throws Exception {
    byte[] tar = new TarBuilder().dir("d").file("d/x", "x").symlink("d", secret.toString()).bytes();
    ImageStore.Image image = importIt(tar);
    assertTrue(Files.isSymbolicLink(image.layers().get(0).resolve("d")));
    assertHostUntouched();
  }

  @Test
  @DisplayName("a parent folder replaced by a symlink to a host folder: its children's mtimes stay the host's")
  void nestedDirectoryTimeThroughSymlink() throws Exception {
    byte[] tar = new TarBuilder().dir("a").dir("a/b").symlink("a", host.toString()).bytes();
    importIt(tar);
    assertHostUntouched();
  }

  @Test
  @DisplayName("a docker save archive cannot name a layer through a symlink out of the archive")
  void archiveLayerThroughSymlink() throws Exception {
    Files.write(host.resolve("host.tar"), new TarBuilder().file("leaked", "host data\n").bytes());
    byte[] tar = new TarBuilder().file("config.json", "{}")
        .file("manifest.json", "[{\"Config\":\"config.json\",\"Layers\":[\"x/host.tar\"]}]")
        .symlink("x", host.toString()).bytes();
    assertRefused(tar, "x/host.tar", "not in the archive");
  }

  @Test
  @DisplayName("whiteouts of nothing, '.' or '..' are refused, and delete nothing")
  void badWhiteouts() throws Exception {
    for (String entry : List.of("d/.wh...", "d/.wh..", "d/.wh.", ".wh...")) {
      assertRefused(new TarBuilder().dir("d").file("d/keep", "k").file(entry, "").bytes(), entry, "whiteout");
    }
    assertHostUntouched();
  }

  @Test
  @DisplayName("a file over a folder, then written through: refused")
  void fileOverFolderThenThrough() throws Exception {
    assertRefused(new TarBuilder().dir("d").file("d", "now a file").file("d/x", "x").bytes(),
        "d/x", "not a directory");
  }

  @Test
  @DisplayName("bad numbers and names in headers are refused: PAX size zz, negative size, NUL, huge extension")
  void badHeaders() throws Exception {
    assertRefused(new TarBuilder().pax(Map.of("size", "zz")).file("a", "a").bytes(), "PAX", "size");
    assertRefused(new TarBuilder().pax(Map.of("size", "-5")).file("a", "a").bytes(), "PAX", "size");
    assertRefused(new TarBuilder().file("a", "a").editHeader(h -> Arrays.fill(h, 124, 136, (byte) 0xff))
        .bytes(), "negative", "");
    assertRefused(new TarBuilder().pax(Map.of("path", "a\0b")).file("a", "a").bytes(), "NUL", "");
    assertRefused(new TarBuilder().pax(Map.of("linkpath", "/etc\0x")).symlink("l", "x").bytes(), "NUL", "");
    assertRefused(new TarBuilder().longName("x").editHeader(h -> put(h, 124, "77777777777")).bytes(),
        "extended header", "");
    assertRefused(new TarBuilder().pax(Map.of("GNU.sparse.major", "1")).file("a", "a").bytes(), "sparse", "");
  }

  @Test
  @DisplayName("PAX headers name the entry, its owner and its time")
  void paxHeadersApply() throws Exception {
    String longName = "d/" + "n".repeat(150);
    byte[] tar = new TarBuilder().dir("d").pax(Map.of("path", longName, "uid", "3000000", "gid", "12",
        "mtime", "1600000000.5")).file("short", "x").longName("d/gnu-" + "g".repeat(120)).file("y", "y").bytes();
    Path layer = importIt(tar).layers().get(0);
    Path file = layer.resolve(longName);
    assertEquals(3000000, Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS));
    assertEquals(12, Files.getAttribute(file, "unix:gid", LinkOption.NOFOLLOW_LINKS));
    assertEquals(1600000000L, Files.getLastModifiedTime(file).toMillis() / 1000);
    assertTrue(Files.isRegularFile(layer.resolve("d/gnu-" + "g".repeat(120))));
  }

  @Test
  @DisplayName("found by hand: an OCI index naming itself, a name too long, a tarball of nested names only")
  void foundByHand() throws Exception {
    String digest = "sha256:" + "a".repeat(64);
    String index = "{\"manifests\":[{\"digest\":\"" + digest + "\"}]}";
    assertRefused(new TarBuilder().file("index.json", index).file("blobs/sha256/" + "a".repeat(64), index)
        .bytes(), "manifest", "hashes to"); // it looped for ever: an index cannot hash to its own digest
    assertRefused(new TarBuilder().longName("n".repeat(300)).file("x", "x").bytes(), "nnn", "File name too long");
    Path layer = importIt(new TarBuilder().file("usr/bin/tool", "x").bytes()).layers().get(0);
    assertEquals("x", Files.readString(layer.resolve("usr/bin/tool"))); // not "holds no files"
  }

  @Test
  @DisplayName("a manifest nested 100 000 deep, or over 4 MiB, or not JSON: one line, exit 125")
  void hostileManifests() throws Exception {
    checkCli(new TarBuilder().file("manifest.json", "[".repeat(100_000)).bytes(), "nested");
    checkCli(new TarBuilder().file("manifest.json", "[" + " ".repeat(5 << 20) + "]").bytes(), "4 MiB");
    checkCli(new TarBuilder().file("manifest.json", "[{\"Layers\":[\"a\"]},").bytes(), "manifest");
    checkCli(new TarBuilder().file("manifest.json", "[{\"Layers\":[\"a\"],\"Layers\":[\"b\"]}]").bytes(),
        "twice");
    checkCli(new TarBuilder().file("index.json", "{\"manifests\":[{\"digest\":\"sha256:\\u12\"}]}").bytes(),
        "JSON");
  }

  @Test
  @DisplayName("an empty tarball, Layers:[5], a PAX size zz and a .wh... entry: one line each, exit 125")
  void clearRefusals() throws Exception {
    checkCli(new byte[0], "empty");
    checkCli(new TarBuilder().bytes(), "no files");
    checkCli(new TarBuilder().file("config.json", "{}")
        .file("manifest.json", "[{\"Config\":\"config.json\",\"Layers\":[5]}]").bytes(), "layer 1 of 1 is not a file name");
    checkCli(new TarBuilder().file("index.json", "{\"manifests\":[{\"digest\":7}]}").bytes(), "digest");
    checkCli(new TarBuilder().pax(Map.of("size", "zz")).file("a", "a").bytes(), "PAX");
    checkCli(new TarBuilder().dir("d").file("d/.wh...", "").bytes(), "whiteout");
  }

  /**
   * Random damage to the headers of an honest tarball (PAX, GNU long name, links), with the
   * checksum made right again so the damage reaches the parser: each gives entries or a
   * one-line refusal, never another exception. The reader's robustness, measured.
   */
  @Test
  @DisplayName("3000 tarballs with damaged headers: each is read or refused, nothing else")
  void damagedTarballs() throws Exception {
    byte[] honest = new TarBuilder().dir("d").pax(Map.of("path", "d/" + "p".repeat(120), "mtime", "1.5"))
        .file("x", "pax").longName("d/" + "l".repeat(130)).file("y", "gnu").symlink("d/s", "/bin")
        .hardlink("d/h", "d/" + "p".repeat(120)).file("d/f", "data".repeat(200)).bytes();
    List<Integer> headers = new java.util.ArrayList<>(); // blocks whose checksum is right, and the PAX records
    for (int at = 0; at < honest.length; at += 512) {
      if (checksumOk(honest, at)) {
        headers.add(at);
        if (honest[at + 156] == 'x' || honest[at + 156] == 'L') {
          headers.add(-(at + 512)); // the data block after it: damaged, with no checksum to fix
        }
      }
    }
    Random random = new Random(17);
    String noise = "0123456789 \0x-=/.L";
    for (int i = 0; i < 3000; i++) {
      byte[] damaged = honest.clone();
      int block = headers.get(random.nextInt(headers.size()));
      for (int n = 1 + random.nextInt(3); n > 0; n--) {
        int at = Math.abs(block) + random.nextInt(block >= 0 ? 345 : 200);
        damaged[at] = (byte) (random.nextBoolean() ? random.nextInt(256) : noise.charAt(random.nextInt(noise.length())));
      }
      if (block >= 0) {
        fixChecksum(damaged, block);
      }
      TarReader tar = new TarReader(new ByteArrayInputStream(damaged));
      try {
        for (TarReader.Entry e = tar.next(); e != null; e = tar.next()) {
          tar.data().readAllBytes();
        }
      } catch (ImageException refused) {
        assertFalse(refused.getMessage().contains("\n"), refused.getMessage());
      } catch (Exception | StackOverflowError | OutOfMemoryError e) {
        fail("damaged tarball " + i + ": " + e, e);
      }
    }
  }

  private static boolean checksumOk(byte[] tar, int at) {
    String field = new String(tar, at + 148, 6, StandardCharsets.US_ASCII);
    return field.matches("[0-7]{6}") && Integer.parseInt(field, 8) == sum(tar, at);
  }

  private static int sum(byte[] tar, int at) {
    int sum = 0;
    for (int i = 0; i < 512; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : tar[at + i] & 0xff;
    }
    return sum;
  }

  private static void fixChecksum(byte[] tar, int at) {
    byte[] field = String.format("%06o\0 ", sum(tar, at)).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(field, 0, tar, at + 148, 8);
  }

  @Test
  @DisplayName("2000 randomly damaged manifests: each is parsed or refused, nothing else")
  void damagedManifests() {
    String honest = "[{\"Config\":\"c.json\",\"RepoTags\":[\"t:1\"],\"Layers\":[\"l0/layer.tar\"],"
        + "\"x\":{\"a\":[1.5e3,-2,true,false,null,\"\\u00e9\\n\"]}}]";
    Random random = new Random(17);
    for (int i = 0; i < 2000; i++) {
      char[] damaged = honest.toCharArray();
      for (int n = 1 + random.nextInt(3); n > 0; n--) {
        String noise = "[]{}\",:\\u0e-+. x";
        damaged[random.nextInt(damaged.length)] = noise.charAt(random.nextInt(noise.length()));
      }
      try {
        Json.parse(new String(damaged));
      } catch (ImageException refused) {
        assertFalse(refused.getMessage().contains("\n"), refused.getMessage());
      } catch (RuntimeException | StackOverflowError e) {
        fail("damaged manifest " + new String(damaged) + ": " + e, e);
      }
    }
  }

  private ImageStore.Image importIt(byte[] tar) throws Exception {
    Path file = Files.write(work.resolve("image.tar"), tar);
    return ImageImport.importTarball(store, name, file, false);
  }

  private void assertRefused(byte[] tar, String first, String second) throws Exception {
    Path file = Files.write(work.resolve("hostile.tar"), tar);
    ImageException e = assertThrows(ImageException.class,
        () -> ImageImport.importTarball(store, name, file, false));
    String message = e.getMessage();
    assertTrue(message.contains(first) && message.contains(second),
        "expected '" + first + "' and '" + second + "' in: " + message);
    assertFalse(message.contains("\n") || message.contains("Exception"), message);
    try (Stream<Path> left = Files.list(work.resolve("store"))) {
      assertEquals(List.of(), left.toList(), "a refused import left something in the store");
    } catch (java.nio.file.NoSuchFileException none) {
      // the store was never made: nothing left either
    }
  }

  /** What a user sees: {@code ./lab images import} exits 125 with one line naming the problem. */
  private void checkCli(byte[] tar, String reason) throws Exception {
    Path file = Files.write(work.resolve("bad.tar"), tar);
    Result run = images.run("import", name, file.toString());
    assertEquals(125, run.exitStatus(), run::toString);
    assertEquals(1, run.stderr().lines().count(), run::toString);
    assertTrue(run.stderr().contains(reason), "expected '" + reason + "': " + run);
    assertFalse(run.stderr().contains("Exception"), run::toString);
    assertFalse(new ImageStore().exists(name), "a refused import left an image");
  }

  private void assertHostUntouched() throws Exception {
    assertEquals("the host's secret\n", Files.readString(secret));
    assertEquals(1, Files.getAttribute(secret, "unix:nlink"), "a host file was linked into the image");
    for (Path p : List.of(secret, host.resolve("b"), host)) {
      assertEquals(LONG_AGO, Files.getLastModifiedTime(p), "the import changed the mtime of " + p);
    }
    assertEquals(List.of("b", "secret"), Files.list(host).map(p -> p.getFileName().toString()).sorted().toList());
  }

  private static void put(byte[] header, int offset, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(bytes, 0, header, offset, bytes.length);
  }
}
