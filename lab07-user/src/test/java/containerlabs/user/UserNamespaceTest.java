package containerlabs.user;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerlabs.testing.Expect;
import containerlabs.testing.Guide;
import containerlabs.testing.Host;
import containerlabs.testing.LabRunner;
import containerlabs.testing.LabRunner.Result;
import containerlabs.testing.LabTest;
import containerlabs.testing.Points;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@LabTest
@Guide("The code")
@DisplayName("lab07-user")
class UserNamespaceTest {
  private final LabRunner lab = LabRunner.of(Lab07.class);
  /** A field, not a parameter: the grader selects test methods by name, with no parameters. */
  @TempDir
  Path dir;

  @Test
  @Points(2)
  @DisplayName("id says root inside, and /proc/self/uid_map maps it to 100000 for 65536 ids")
  @Guide("What you should observe")
  void rootInside() {
    Result run = lab.run("--net", "none", "--", "sh", "-c", "id; cat /proc/self/uid_map /proc/self/gid_map");
    assertEquals(0, run.exitStatus(), run::toString);
    List<String> lines = run.lines();
    assertEquals("uid=0(root) gid=0(root)", lines.get(0).replaceAll(" groups=.*", ""), run::toString);
    assertEquals("0 100000 65536", lines.get(1).strip().replaceAll("\\s+", " "), run::toString);
    assertEquals("0 100000 65536", lines.get(2).strip().replaceAll("\\s+", " "), run::toString);
  }

  @Test
  @Points(2)
  @DisplayName("from the host, the container's processes belong to uid 100000, not to root")
  @Guide("What you should observe")
  void processesAreUid100000OnTheHost() throws Exception {
    Process running = lab.start("--net", "none", "--", "sh", "-c", "echo started; exec sleep 3141");
    try {
      assertEquals("started", new BufferedReader(new InputStreamReader(running.getInputStream())).readLine());
      // "started" comes a moment before sh has become sleep: look again for up to 10 s.
      String ps = Host.sh("for i in $(seq 100); do out=$(ps -C sleep -o user:12=,pid=,args= | grep 'sleep 3141$')"
          + " && break; sleep 0.1; done; echo \"$out\"").strip();
      assertTrue(ps.startsWith("100000 "), "ps -o user on the host: " + ps);
      String pid = ps.split("\\s+")[1];
      String uids = Files.readAllLines(Path.of("/proc", pid, "status")).stream()
          .filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow();
      assertEquals("Uid: 100000 100000 100000 100000", uids.replaceAll("\\s+", " "), uids);
      Host.sh("kill -9 " + pid); // PID 1 of its namespace: only SIGKILL reaches it from the host
      assertTrue(running.waitFor(20, TimeUnit.SECONDS), "the lab did not end with its command");
    } finally {
      running.destroyForcibly().waitFor();
    }
  }

  @Test
  @Points(2)
  @DisplayName("a file root makes in a volume is owned by 100000 on the host")
  @Guide("What you should observe")
  void volumeFileOwnedBy100000() throws Exception {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x")); // the init checks the path too
    Path volume = Files.createDirectory(dir.resolve("shared"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
    Files.setPosixFilePermissions(volume, PosixFilePermissions.fromString("rwxrwxrwx")); // past the umask
    Result run = lab.run("--net", "none", "-v", volume + ":/data", "--", "sh", "-c",
        "touch /data/made && ls -ln /data/made");
    assertEquals(0, run.exitStatus(), run::toString);
    Expect.matches("ls -ln inside", run.out(), "-\\S+ +1 0 +0 .*");
    assertEquals(100000, Files.getAttribute(volume.resolve("made"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
    assertEquals(100000, Files.getAttribute(volume.resolve("made"), "unix:gid", LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  @Points(2)
  @DisplayName("root inside cannot read a host file of mode 0600 mounted in (root with --userns host can)")
  @Guide("What you should observe")
  void hostSecretUnreadable() throws Exception {
    Path secret = dir.resolve("secret");
    Files.writeString(secret, "the host's secret\n");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Result run = lab.run("--net", "none", "-v", secret + ":/secret:ro", "--", "sh", "-c",
        "cat /secret; echo status $?");
    Expect.contains("what cat printed", run.stderr(), "Permission denied");
    Expect.contains("what the command printed", run.out(), "status 1");
    Result host = lab.run("--userns", "host", "--net", "none", "-v", secret + ":/secret:ro", "--", "cat", "/secret");
    assertEquals("the host's secret", host.out(), host::toString);
  }

  @Test
  @Points(1)
  @DisplayName("lab 06 still works in the user namespace: hostname, PID 1, the image, a tmpfs, /dev/null")
  @Guide("What you should observe")
  void earlierLabsStillWork() {
    Result run = lab.run("--net", "none", "--hostname", "box", "--", "sh", "-c",
        "hostname; echo $$; ls /bin/busybox; echo x > /tmp/x && cat /tmp/x; echo gone > /dev/null && echo null;"
            + " rm -rf /etc && echo removed");
    assertEquals(List.of("box", "1", "/bin/busybox", "x", "null", "removed"), run.lines(), run::toString);
  }

  @Test
  @Points(1)
  @DisplayName("the network works in the user namespace: eth0 pings the bridge lab0")
  @Guide("What you should observe")
  void networkWorks() {
    Result run = lab.run("--", "sh", "-c", "ping -c 1 -W 3 $(ip route | awk '/default/ {print $3}') > /dev/null && echo pinged");
    assertEquals("pinged", run.out(), run::toString);
  }

  @Test
  @Points(1)
  @DisplayName("the memory limit still holds: a hog over -m 32m is killed, exit 137")
  @Guide("What you should observe")
  void memoryLimitHolds() {
    Result run = lab.run("--net", "none", "-m", "32m", "--", "sh", "-c", "exec dd if=/dev/zero of=/dev/null bs=64M count=1");
    assertEquals(137, run.exitStatus(), run::toString);
    Expect.contains("what the lab printed on stderr", run.stderr(), "killed: out of memory (limit 32 MiB)");
  }

  @Test
  @Points(1)
  @DisplayName("--trace shows the holder's unshare --user, the maps written by the lab, and the launcher")
  @Guide("The kernel calls")
  void trace() {
    Result run = lab.run("--trace", "--net", "none", "--", "true");
    assertEquals(0, run.exitStatus(), run::toString);
    Expect.matches("the trace", run.stderr(), "(?s).*\\[lab \\d+\\] +unshare --user --uts --ipc --net -- cat = (\\d+).*");
    Expect.matches("the trace", run.stderr(), "(?s).*write\\(/proc/\\d+/uid_map, \"0 100000 65536\"\\).*");
    Expect.matches("the trace", run.stderr(), "(?s).*write\\(/proc/\\d+/gid_map, \"0 100000 65536\"\\).*");
    Expect.matches("the trace", run.stderr(), "(?s).*nsenter --target \\d+ --user --uts --ipc --net --setuid 0 --setgid 0 .*"
        + "unshare --mount --pid -- \\S*timeout --foreground 0 java .*");
  }

  @Test
  @DisplayName("--userns host: the host's user namespace, root is root; --userns-range 200000:1000 maps root to 200000")
  @Guide("What you should observe")
  void otherMaps() {
    for (List<String> options : List.of(List.of("--userns", "host"), List.of("--userns-range", "200000:1000"))) {
      Result run = lab.run(java.util.stream.Stream.concat(options.stream(),
          java.util.stream.Stream.of("--net", "none", "--", "cat", "/proc/self/uid_map")).toArray(String[]::new));
      String expected = options.get(0).equals("--userns") ? "0 0 4294967295" : "0 200000 1000";
      assertEquals(expected, run.out().strip().replaceAll("\\s+", " "), options + ": " + run);
    }
  }

  @Test
  @DisplayName("bad --userns and --userns-range: exit 125 and one line each")
  @Guide("What you should observe")
  void badInput() {
    for (List<String> options : List.of(List.of("--userns", "nope"), List.of("--userns-range", "0:65536"),
        List.of("--userns-range", "100000"), List.of("--userns-range", "4294967290:100"),
        List.of("--net", "host"), List.of("--ipc", "host"))) {
      String[] args = java.util.stream.Stream.concat(options.stream(), java.util.stream.Stream.of("--", "true"))
          .toArray(String[]::new);
      Result run = lab.run(args);
      assertEquals(125, run.exitStatus(), options + ": " + run);
      assertEquals(1, run.stderr().lines().count(), options + ": " + run);
      assertNotEquals("", run.stderr().strip(), options + ": " + run);
    }
  }
}
