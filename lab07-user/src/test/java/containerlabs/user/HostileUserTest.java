package containerlabs.user;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerlabs.testing.Host;
import containerlabs.testing.LabRunner;
import containerlabs.testing.LabRunner.Result;
import containerlabs.testing.LabTest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Root in lab 07's container attacks what a user namespace should protect. Each attack prints
 * "ok" only if it succeeded: a test that sees no "ok" is a real defence, not a typo.
 */
@LabTest
@Tag("reliability")
@DisplayName("lab07-user: a hostile root in a user namespace")
class HostileUserTest {
  private final LabRunner lab = LabRunner.of(Lab07.class);

  @Test
  @DisplayName("cannot make a device node, remap its ids, or raise its own limits")
  void cannotEscapeItsIds() {
    Result run = lab.run("--net", "none", "-m", "64m", "--", "sh", "-c",
        "mknod /tmp/sda b 8 0 && echo ok mknod;"
            + " echo '0 0 1' > /proc/self/uid_map && echo ok uid_map;"
            + " echo 999999999 > /sys/fs/cgroup/memory/memory.limit_in_bytes && echo ok v1 limit;"
            + " echo max > /sys/fs/cgroup/memory.max && echo ok v2 limit;"
            + " echo 1 > /proc/sys/kernel/sysrq && echo ok sysrq; true");
    assertEquals("", run.out(), run::toString);
    assertEquals(0, run.exitStatus(), run::toString);
  }

  @Test
  @DisplayName("its root cannot read what the host's root keeps to itself, even with every capability it has")
  void hostRootFilesStayClosed() {
    Result run = lab.run("--net", "none", "-v", "/etc/shadow:/shadow:ro", "--", "sh", "-c",
        "cat /shadow > /dev/null 2>&1 && echo ok shadow; chmod 644 /shadow 2>/dev/null && echo ok chmod; true");
    assertEquals("", run.out(), run::toString);
  }

  @Test
  @DisplayName("./lab ps lists it with its PID 1 (past the launchers); ./lab exec joins its every namespace, the user namespace first")
  void psFindsPid1() throws Exception {
    Process running = lab.start("--net", "none", "--", "sh", "-c", "echo started; exec sleep 2719");
    try {
      assertEquals("started", new BufferedReader(new InputStreamReader(running.getInputStream())).readLine());
      String row = "";
      for (int i = 0; i < 20 && row.isEmpty(); i++) {
        row = LabRunner.of(containerlabs.cli.Ps.class).run().lines().stream()
            .filter(l -> l.contains("lab07-user") && l.contains("sh -c echo started")).findFirst().orElse("");
        Thread.sleep(100);
      }
      String[] columns = row.trim().split("\\s+");
      assertTrue(columns.length > 3, "./lab ps did not list it: " + row);
      String status = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", columns[2], "status"));
      assertTrue(status.lines().anyMatch(l -> l.matches("NSpid:\\s+" + columns[2] + "\\s+1")),
          "the pid ./lab ps gives is not PID 1 of the container:\n" + status);
      List<String> names = List.of("user", "mnt", "pid", "net", "uts", "ipc", "cgroup");
      StringBuilder pid1 = new StringBuilder();
      for (String name : names) {
        pid1.append(java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc", columns[2], "ns", name))).append('\n');
      }
      Result exec = LabRunner.of(containerlabs.cli.Exec.class).run(columns[0], "--", "sh", "-c",
          "for ns in " + String.join(" ", names) + "; do readlink /proc/self/ns/$ns; done; id -u; tr '\\0' ' ' < /proc/1/cmdline");
      assertEquals(0, exec.exitStatus(), exec::toString);
      assertEquals(pid1 + "0\nsleep 2719", exec.out().strip(), exec::toString);
    } finally {
      running.destroy();
      assertTrue(running.waitFor(30, TimeUnit.SECONDS), "the lab did not end");
    }
  }

  @Test
  @DisplayName("when the lab is killed with SIGKILL, the container and the holder die with it")
  void labKilled() throws Exception {
    Process killed = lab.start("--net", "none", "--", "sh", "-c", "echo started; exec sleep 2718");
    assertEquals("started", new BufferedReader(new InputStreamReader(killed.getInputStream())).readLine());
    killed.toHandle().destroyForcibly();
    assertTrue(killed.waitFor(10, TimeUnit.SECONDS));
    String left = "";
    for (int i = 0; i < 50; i++) {
      left = Host.shQuiet("ps -eo pid,args | grep -E '[s]leep 2718$|[u]nshare --user' || true").strip();
      if (left.isEmpty()) {
        break;
      }
      Thread.sleep(100);
    }
    assertEquals("", left, "still running after the lab was killed");
    assertEquals(0, lab.run("--net", "none", "--", "true").exitStatus()); // it cleans up the state left
  }
}
