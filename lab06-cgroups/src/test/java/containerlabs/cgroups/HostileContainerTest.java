package containerlabs.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerlabs.kernel.Kernel;
import containerlabs.testing.Host;
import containerlabs.testing.LabRunner;
import containerlabs.testing.LabRunner.Result;
import containerlabs.testing.LabTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Root in a container (every lab on) attacks the host; each test checks, from the host, that
 * the attack changed nothing. Each attack prints "ok" only if it succeeded, so a test that
 * sees no "ok" and an unchanged host is a real defence, not a typo in the attack.
 */
@LabTest
@Tag("reliability")
@DisplayName("lab06-cgroups: a hostile container")
class HostileContainerTest {
  private static final Path SWAPPINESS = Path.of("/proc/sys/vm/swappiness");
  private final LabRunner lab = LabRunner.of(Lab06.class);

  @Test
  @DisplayName("cannot remount a read-only volume, or the read-only /proc/sys, read-write")
  void remountHostPaths(@TempDir Path volume) throws IOException {
    String swappiness = Kernel.readFile(SWAPPINESS);
    Result run = lab.run("--net", "none", "-v", volume + ":/data:ro", "--", "sh", "-c",
        "mount -o remount,rw /data && echo ok remount data;"
            + " touch /data/escaped && echo ok write data;"
            + " mount -o remount,rw,bind /proc/sys && echo ok remount sys;"
            + " umount /proc/sys && echo ok umount sys;"
            + " echo 13 > /proc/sys/vm/swappiness && echo ok swappiness; true");
    assertEquals("", run.out(), run::toString);
    assertFalse(Files.exists(volume.resolve("escaped")), "the container wrote into a read-only volume");
    assertEquals(swappiness, Kernel.readFile(SWAPPINESS), "the container changed the host's vm.swappiness");
  }

  @Test
  @DisplayName("cannot write /proc/sys, not even through a proc it mounts itself")
  void writeProcSys() throws IOException {
    String swappiness = Kernel.readFile(SWAPPINESS);
    Result run = lab.run("--net", "none", "--", "sh", "-c",
        "echo 13 > /proc/sys/vm/swappiness && echo ok direct;"
            + " mkdir -p /tmp/p && mount -t proc proc /tmp/p && echo ok mount proc"
            + " && echo 13 > /tmp/p/sys/vm/swappiness && echo ok through new proc; true");
    assertEquals("", run.out(), run::toString);
    assertEquals(swappiness, Kernel.readFile(SWAPPINESS), "the container changed the host's vm.swappiness");
  }

  @Test
  @DisplayName("cannot see or signal the host's processes")
  void hostProcesses() throws Exception {
    Process sentinel = new ProcessBuilder("sleep", "60").start();
    try {
      Result run = lab.run("--net", "none", "--", "sh", "-c",
          "ls /proc | grep -qx " + sentinel.pid() + " && echo ok sees it;"
              + " kill -9 " + sentinel.pid() + " 2>/dev/null && echo ok killed it;"
              + " kill -9 -1; sleep 0.2; ps -o args | grep -c '^sleep 60$'; true");
      assertEquals("0", run.out(), "the container saw a host process: " + run);
      assertTrue(sentinel.isAlive(), "the container killed a host process: " + run);
    } finally {
      sentinel.destroyForcibly().waitFor();
    }
  }

  @Test
  @DisplayName("cannot read /sys/firmware, nor unmask it")
  void sysFirmware() throws IOException {
    List<String> host = names(Path.of("/sys/firmware"));
    assertFalse(host.isEmpty(), "the host has no /sys/firmware entries: nothing to hide here");
    Result run = lab.run("--net", "none", "--", "sh", "-c",
        "umount /sys/firmware && echo ok unmasked; ls -A /sys/firmware");
    assertEquals("", run.out(), "the container sees the host's firmware: " + run);
  }

  @Test
  @DisplayName("cannot make a node for the host's disks and read them")
  void rawDisk(@TempDir Path volume) {
    // 8:0 is the first SCSI disk, 253:0 and 259:0 virtio and NVMe: whichever the host has.
    Result run = lab.run("--net", "none", "-v", volume + ":/data", "--", "sh", "-c",
        "for dev in '8 0' '253 0' '259 0'; do mknod /data/disk-${dev% *} b $dev && echo ok mknod"
            + " && head -c 512 /data/disk-${dev% *} > /dev/null && echo ok read; done; true");
    assertEquals("", run.out(), run::toString);
    assertEquals(List.of(), names(volume), "the container made device nodes in a host folder");
  }

  @Test
  @DisplayName("cannot escape to the host's root with the chroot trick")
  void chrootEscape() throws IOException {
    Path canary = Files.createTempFile(Path.of("/root"), "container-labs-canary", "");
    try {
      String escape = "echo '-mkdir /jail\n-chroot /jail\n" + "cd ..\n".repeat(12)
          + "-chroot .\n-ls " + canary + "' > /tmp/escape && sash -f /tmp/escape";
      Result run = lab.run("--net", "none", "-v", "/bin/sash:/bin/sash:ro", "--", "sh", "-c", escape);
      assertFalse(run.stdout().contains(canary.getFileName().toString()), "escaped: " + run);
      assertTrue(run.stderr().contains(canary + ": No such file"), "the probe did not run: " + run);
    } finally {
      Files.deleteIfExists(canary);
    }
  }

  @Test
  @DisplayName("cannot see the host's System V shared memory or POSIX message queues (unless --ipc host)")
  void hostIpcObjects(@TempDir Path queues) {
    String segment = Host.sh("ipcmk -M 4096").replaceAll("(?s).*?(\\d+).*", "$1");
    String queue = "labtest" + ThreadLocalRandom.current().nextInt(1_000_000);
    // A POSIX queue is a file of an mqueue filesystem of the host's IPC namespace.
    Host.sh("mount -t mqueue mqueue " + queues + " && touch " + queues + "/" + queue);
    try {
      String probe = "awk -v id=" + segment + " '$2 == id { print \"ok shm\" }' /proc/sysvipc/shm;"
          + " grep -q ' /dev/mqueue mqueue ' /proc/self/mounts || echo no /dev/mqueue; ls /dev/mqueue";
      Result own = lab.run("--net", "none", "--", "sh", "-c", probe);
      assertEquals("", own.out(), "the container sees the host's IPC objects: " + own);
      Result host = lab.run("--net", "none", "--ipc", "host", "--", "sh", "-c", probe);
      assertEquals(List.of("ok shm", queue), host.lines(), "the probe does not see what it should: " + host);
    } finally {
      Host.sh("rm -f " + queues + "/" + queue + "; umount " + queues + "; ipcrm -m " + segment);
    }
  }

  @Test
  @DisplayName("cannot read a key in root's keyring on the host: the container has a session keyring of its own")
  void hostKeys() {
    String name = "labtest" + ThreadLocalRandom.current().nextInt(1_000_000);
    String key = Host.sh("keyctl add user " + name + " secret @u").strip();
    try {
      assertEquals("secret", Host.sh("keyctl print " + key).strip(), "the host cannot read its own key");
      // keyctl from the host's root (read-only): the busybox image has none.
      Result run = lab.run("--net", "none", "-v", "/:/host:ro", "--", "sh", "-c",
          "chroot /host keyctl print " + key + " && echo ok read key;"
              + " chroot /host keyctl show @s | grep -q " + name + " && echo ok in session; true");
      assertEquals("", run.out(), "the container read the host's key: " + run);
      assertTrue(run.stderr().contains("Permission denied"), "the probe did not run: " + run);
    } finally {
      Host.sh("keyctl unlink " + key + " @u");
    }
  }

  @Test
  @DisplayName("cannot gain privileges on execve (no_new_privs); opens 1024 files, and may raise that to 524288 at most")
  void noNewPrivilegesAndOpenFiles() throws IOException {
    // The container's ceiling is 524288, or the lab's own if lower (the test's JVM has the lab's).
    long hostCeiling = Files.readAllLines(Path.of("/proc/self/limits")).stream()
        .filter(l -> l.startsWith("Max open files")).map(l -> l.split("\\s+")[4])
        .mapToLong(v -> v.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(v)).findFirst().orElseThrow();
    long ceiling = Math.min(524288, hostCeiling);
    Result run = lab.run("--net", "none", "--", "sh", "-c",
        "grep NoNewPrivs /proc/self/status; ulimit -n; ulimit -Hn;"
            + " ulimit -Hn " + (ceiling + 1) + " 2>/dev/null && echo ok raised hard; true");
    assertEquals(List.of("NoNewPrivs:\t1", String.valueOf(Math.min(1024, ceiling)), String.valueOf(ceiling)),
        run.lines(), run::toString);
  }

  @Test
  @DisplayName("cannot fill the host's memory through /tmp or /run: each is a 64 MiB tmpfs, then ENOSPC")
  void tmpfsSizes() {
    Result run = lab.run("--net", "none", "--", "sh", "-c",
        "for dir in /tmp /run; do dd if=/dev/zero of=$dir/fill bs=1M count=65 2>&1 | grep -q 'No space left'"
            + " && echo $dir full; rm -f $dir/fill; done; df -k /tmp /run | awk 'NR > 1 { print $2 }'");
    assertEquals(List.of("/tmp full", "/run full", "65536", "65536"), run.lines(), run::toString);
  }

  @Test
  @DisplayName("reads its own memory limit in /sys/fs/cgroup, read-only, and nothing of the host's cgroups")
  void ownCgroupView() {
    Result run = lab.run("--net", "none", "-m", "48m", "--", "sh", "-c",
        "cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes;"
            + " for f in /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes; do"
            + " [ -e $f ] && echo 1 > $f 2>/dev/null && echo ok wrote $f; done;"
            + " ls -R /sys/fs/cgroup | grep -c container-labs; true");
    assertEquals(List.of(String.valueOf(48L << 20), "0"), run.lines(), run::toString);
  }

  @Test
  @DisplayName("cannot take more of the host's memory than its limit")
  void memoryPastLimit() {
    Result run = lab.run("--net", "none", "-m", "16m", "--stats", "--", "sh", "-c",
        "exec dd if=/dev/zero of=/dev/null bs=256M count=1");
    assertEquals(137, run.exitStatus(), run::toString);
    // Read on the host, from the container's cgroup, before it was removed.
    Matcher peak = Pattern.compile("peak memory (\\d+(\\.\\d+)?) MiB").matcher(run.stderr());
    assertTrue(peak.find(), run::toString);
    assertTrue(Double.parseDouble(peak.group(1)) <= 16, "peak over the limit: " + run);
    assertEquals("ok", Host.sh("echo ok").strip(), "the host is unwell");
  }

  private static List<String> names(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
