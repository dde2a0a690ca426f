package containerlabs.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerlabs.testing.Guide;
import containerlabs.testing.Expect;
import containerlabs.testing.Host;
import containerlabs.testing.LabRunner;
import containerlabs.testing.LabRunner.Result;
import containerlabs.testing.LabTest;
import containerlabs.testing.Points;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@LabTest
@Guide("The code")
@DisplayName("lab04-rootfs")
class RootFilesystemTest {
  private static final Path BUSYBOX = Path.of("/var/lib/container-labs/images/busybox/layers/0");
  private final LabRunner lab = LabRunner.of(Lab04.class);

  @Test
  @Points(1)
  @DisplayName("the container sees the image's /etc/os-release, not the host's")
  void imageOsRelease() throws Exception {
    Result run = lab.run("--", "cat", "/etc/os-release");
    assertEquals(0, run.exitStatus(), run::toString);
    assertEquals(Files.readString(BUSYBOX.resolve("etc/os-release")), run.stdout());
    assertNotEquals(Files.readString(Path.of("/etc/os-release")), run.stdout());
  }

  @Test
  @Points(1)
  @DisplayName("a file made on the host for the test is not visible inside")
  void hostCanaryInvisible() throws Exception {
    Path canary = Path.of("/container-labs-canary-" + ThreadLocalRandom.current().nextInt(1_000_000));
    Files.writeString(canary, "host");
    try {
      Result run = lab.run("--", "sh", "-c", "test -e " + canary + " && echo visible || echo invisible");
      assertEquals("invisible", run.out(), run::toString);
    } finally {
      Files.delete(canary);
    }
  }

  @Test
  @Points(2)
  @DisplayName("a write inside lands in the container's upper layer; the image is unchanged")
  @Guide("The idea")
  void writesGoToTheUpperLayer() throws Exception {
    Process running = lab.start("--", "sh", "-c",
        "echo changed > /etc/os-release && echo new > /new-file && hostname && read line");
    String id = new BufferedReader(new InputStreamReader(running.getInputStream())).readLine();
    Path upper = RootFilesystem.CONTAINERS.resolve(id).resolve("upper");
    String upperOsRelease = Files.readString(upper.resolve("etc/os-release"));
    boolean newFileInUpper = Files.exists(upper.resolve("new-file"));
    running.getOutputStream().write('\n');
    Result run = LabRunner.finish(running);
    assertEquals(0, run.exitStatus(), run::toString);
    assertEquals("changed\n", upperOsRelease);
    assertTrue(newFileInUpper);
    assertTrue(Files.readString(BUSYBOX.resolve("etc/os-release")).contains("BusyBox"));
    assertFalse(Files.exists(BUSYBOX.resolve("new-file")));
    assertFalse(Files.exists(upper), "the container's layer outlived it");
  }

  @Test
  @Points(1)
  @DisplayName("--keep keeps the container's writes and says where")
  @Guide("What you should observe")
  void keep() throws Exception {
    java.util.Set<Path> before = layers();
    try {
      Result run = lab.run("--keep", "--", "sh", "-c", "echo kept > /kept; hostname");
      assertEquals(0, run.exitStatus(), run::toString);
      Path layer = RootFilesystem.CONTAINERS.resolve(run.out());
      assertEquals("kept\n", Files.readString(layer.resolve("upper/kept")));
      Expect.contains("what the lab printed on stderr", run.stderr(), layer.resolve("upper").toString());
    } finally {
      for (Path kept : layers()) { // whatever this run kept, even if it failed
        if (!before.contains(kept)) {
          Host.sh("rm -r " + kept);
        }
      }
    }
  }

  private static java.util.Set<Path> layers() throws java.io.IOException {
    if (!Files.isDirectory(RootFilesystem.CONTAINERS)) {
      return java.util.Set.of();
    }
    try (var dirs = Files.list(RootFilesystem.CONTAINERS)) {
      return dirs.collect(java.util.stream.Collectors.toSet());
    }
  }

  @Test
  @Points(1)
  @DisplayName("/dev holds exactly the expected devices and links, and /dev/null works")
  void devices() {
    Result run = lab.run("--", "sh", "-c", "ls /dev; echo data > /dev/null; wc -c < /dev/null;"
        + " head -c 3 /dev/zero | wc -c; readlink /dev/ptmx; readlink /dev/fd");
    assertEquals(0, run.exitStatus(), run::toString);
    List<String> lines = run.lines().stream().map(String::strip).toList();
    int listed = Math.max(0, lines.size() - 4);
    Expect.sameItems("/dev", List.of("fd", "full", "mqueue", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin",
        "stdout", "tty", "urandom", "zero"), lines.subList(0, listed));
    assertEquals(List.of("0", "3", "pts/ptmx", "/proc/self/fd"), lines.subList(listed, lines.size()),
        "/dev/null must swallow (0 bytes back), /dev/zero give 3 bytes, /dev/ptmx and /dev/fd be links: " + run);
  }

  @Test
  @Points(1)
  @DisplayName("with a terminal attached, /dev/console is that terminal")
  void consoleIsTheTerminal() {
    // script(1) runs the lab on a new pseudo-terminal, as a learner's shell would.
    String lab = String.join(" ", this.lab.commandLine("--", "sh", "-c",
        "'ls /dev | grep -c console; test -c /dev/console && echo char-device'"));
    String out = Host.sh("script -qec \"" + lab + "\" /dev/null < /dev/null");
    assertEquals(List.of("1", "char-device"), out.lines().map(String::strip).toList(),
        "/dev/console missing, or not a character device (the terminal bound over it): " + out);
  }

  @Test
  @Points(2)
  @DisplayName("the chroot escape reaches the host's root under --chroot, and fails after pivot_root")
  @Guide("chroot is not a jail: the escape that pivot_root defeats")
  void chrootEscape() throws Exception {
    Path sash = Path.of("/bin/sash");
    assertTrue(Files.isExecutable(sash), "the escape probe needs sash: apt-get install sash"
        + " (scripts/provision.sh installs it)");
    Path canary = Path.of("/container-labs-canary-" + ThreadLocalRandom.current().nextInt(1_000_000));
    Files.writeString(canary, "host");
    String escape = "echo '-mkdir /jail\n-chroot /jail\n" + "cd ..\n".repeat(12)
        + "-chroot .\n-ls " + canary + "' > /tmp/escape && sash -f /tmp/escape";
    try {
      Result chrooted = lab.run("--chroot", "-v", "/bin/sash:/bin/sash:ro", "--", "sh", "-c", escape);
      String found = canary.getFileName() + "\n"; // what sash's -ls prints for a file it finds
      assertTrue(chrooted.stdout().contains(found) && !chrooted.stderr().contains("No such"),
          "the probe should escape a chroot (positive control): " + chrooted);
      Result pivoted = lab.run("-v", "/bin/sash:/bin/sash:ro", "--", "sh", "-c", escape);
      assertFalse(pivoted.stdout().contains(found), "escaped after pivot_root: " + pivoted);
      assertTrue((pivoted.stdout() + pivoted.stderr()).contains("No such file"), pivoted::toString);
    } finally {
      Files.delete(canary);
    }
  }

  @Test
  @Points(1)
  @DisplayName("masked paths read empty and read-only paths refuse writes")
  void maskedAndReadOnlyPaths() {
    Result run = lab.run("--", "sh", "-c", "wc -c < /proc/keys; wc -c < /proc/timer_list;"
        + " ls /sys/firmware | wc -l; echo 1 > /proc/sys/vm/drop_caches && echo written;"
        + " touch /proc/sysrq-trigger 2>/dev/null && echo touched; true");
    assertEquals(List.of("0", "0", "0"), run.lines().stream().map(String::strip).toList(), run::toString);
    Expect.contains("what the lab printed on stderr", run.stderr(), "Read-only file system");
  }

  @Test
  @Points(1)
  @DisplayName("a :ro volume refuses writes; a writable volume's write appears on the host")
  @Guide("What you should observe")
  void volumes() throws Exception {
    Path dir = Files.createTempDirectory("container-labs-volume");
    try {
      Files.writeString(dir.resolve("from-host"), "hello");
      Result ro = lab.run("-v", dir + ":/data:ro", "--", "sh", "-c",
          "cat /data/from-host; echo x > /data/from-container");
      assertEquals("hello", ro.out(), ro::toString);
      assertTrue(ro.stderr().contains("Read-only file system"), ro::toString);
      assertFalse(Files.exists(dir.resolve("from-container")));
      Result rw = lab.run("-v", dir + ":/data", "--", "sh", "-c", "echo written > /data/from-container");
      assertEquals(0, rw.exitStatus(), rw::toString);
      assertEquals("written\n", Files.readString(dir.resolve("from-container")));
    } finally {
      Host.sh("rm -r " + dir);
    }
  }

  @Test
  @DisplayName("a volume over /, or on or under /proc, /sys or /dev, however written: exit 125, one line naming the rule")
  @Guide("What you should observe")
  void volumeDestinationsRefused() {
    // Over / the volume replaced the whole root: no /proc, no /dev, no masked paths.
    Result root = lab.run("-v", "/tmp:/", "--", "true");
    assertEquals(125, root.exitStatus(), root::toString);
    assertEquals(1, root.stderr().lines().count(), root::toString);
    Expect.contains("what the lab printed on stderr", root.stderr(), "-v '/tmp:/': a volume over / would replace");
    for (String destination : List.of("/proc", "/proc/sys", "/sys", "/sys/fs/cgroup", "/dev", "/dev/shm",
        "/./proc", "//proc/", "/x/../proc", "/dev/../sys/kernel")) {
      String spec = "/tmp:" + destination;
      Result run = lab.run("-v", spec, "--", "true");
      assertEquals(125, run.exitStatus(), spec + ": " + run);
      assertEquals(1, run.stderr().lines().count(), spec + ": " + run);
      Expect.matches("what the lab printed on stderr", run.stderr(),
          "lab04-rootfs: -v '" + java.util.regex.Pattern.quote(spec) + "': no volume on or under /(proc|sys|dev), .*\n");
    }
    Result data = lab.run("-v", "/tmp:/x/../data/./", "--", "sh", "-c", "grep -c ' /data ' /proc/mounts");
    assertEquals("1", data.out(), data::toString);
  }

  @Test
  @DisplayName("non-ASCII paths work: a host folder and a mount point named with an é")
  @Guide("What you should observe")
  void nonAsciiVolume() throws Exception {
    // The init JVM once had no locale: it could not make a Path of "é" (InvalidPathException).
    Path dir = Files.createTempDirectory("container-labs-\u00e9t\u00e9");
    try {
      Files.writeString(dir.resolve("caf\u00e9"), "cr\u00e8me\n");
      Result run = lab.run("-v", dir + ":/donn\u00e9es:ro", "--", "sh", "-c", "echo /donn\u00e9es/*; cat /donn\u00e9es/*");
      assertEquals(0, run.exitStatus(), run::toString);
      // echo, not ls: busybox's ls shows any byte above 127 as '?'
      assertEquals(List.of("/donn\u00e9es/caf\u00e9", "cr\u00e8me"), run.lines(), run::toString);
    } finally {
      Host.sh("rm -r " + dir);
    }
  }

  @Test
  @Points(1)
  @DisplayName("--read-only makes the root refuse writes; /tmp stays writable")
  void readOnlyRoot() {
    Result run = lab.run("--read-only", "--", "sh", "-c", "echo x > /tmp/ok && echo tmp-ok; touch /nope");
    assertEquals("tmp-ok", run.out(), run::toString);
    Expect.contains("what the lab printed on stderr", run.stderr(), "Read-only file system");
    assertEquals(1, run.exitStatus());
  }

  @Test
  @Points(1)
  @DisplayName("--rootfs runs a folder as the root, and leaves the folder unchanged")
  void rootfsFolder() throws Exception {
    Path dir = Files.createTempDirectory("container-labs-rootfs");
    try {
      Host.sh("cp -a " + BUSYBOX + "/. " + dir + " && echo ID=folder > " + dir + "/etc/os-release");
      Result run = lab.run("--rootfs", dir.toString(), "--", "sh", "-c", "cat /etc/os-release; touch /made");
      assertEquals("ID=folder", run.out(), run::toString);
      assertFalse(Files.exists(dir.resolve("made")));
    } finally {
      Host.sh("rm -r " + dir);
    }
  }

  @Test
  @Points(1)
  @DisplayName("--trace shows the overlay mount, pivot_root(\".\", \".\") and the old root detached")
  @Guide("The kernel calls")
  void trace() {
    Result run = lab.run("--trace", "--", "true");
    assertEquals(0, run.exitStatus(), run::toString);
    String trace = run.stderr();
    Expect.contains("the trace", trace, "\"overlay\", 0, \"lowerdir=");
    Expect.matches("the trace", trace, "(?s).*\\[init 1\\] +pivot_root\\(\".\", \".\"\\) +# pivot_root \\. \\.\n"
        + "\\[init 1\\] +umount2\\(\".\", MNT_DETACH\\) +# umount -l \\.\n.*");
  }

  @Test
  @DisplayName("a missing image, a missing --rootfs folder, a malformed -v: exit 125, one line each")
  @Guide("What you should observe")
  void badInput() {
    Result image = lab.run("--image", "no-such-image", "--", "true");
    assertEquals(125, image.exitStatus(), image::toString);
    assertEquals("lab04-rootfs: no image 'no-such-image' here: ./lab images list shows the images"
        + " there are; ./lab images pull no-such-image gets it from a registry, ./lab images import"
        + " no-such-image SOURCE from a file", image.stderr().strip());
    Result rootfs = lab.run("--rootfs", "/no/such/folder", "--", "true");
    assertEquals(125, rootfs.exitStatus(), rootfs::toString);
    assertTrue(rootfs.stderr().startsWith("lab04-rootfs: --rootfs /no/such/folder: no such folder"), rootfs::toString);
    for (String spec : List.of("data", "/tmp:data", "/tmp:/data:rx", "/no/such:/data")) {
      Result volume = lab.run("-v", spec, "--", "true");
      assertEquals(125, volume.exitStatus(), volume::toString);
      assertEquals(1, volume.stderr().lines().count(), volume::toString);
      assertTrue(volume.stderr().contains("-v '" + spec + "'"), volume::toString);
    }
  }

  @Test
  @Points(1)
  @DisplayName("a command that is not in the image: exit 127, even if the host has it")
  @Guide("running")
  void commandNotInImage() {
    Result run = lab.run("--", "java", "-version");
    assertEquals(127, run.exitStatus(), run::toString);
    assertTrue(run.stderr().startsWith("lab04-rootfs: java: command not found"), run::toString);
  }
}
