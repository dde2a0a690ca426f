package containerlabs.pid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerlabs.testing.Guide;
import containerlabs.testing.Expect;
import containerlabs.testing.Host;
import containerlabs.testing.LabRunner;
import containerlabs.testing.LabRunner.Result;
import containerlabs.testing.LabTest;
import containerlabs.testing.Points;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@LabTest
@Guide("The code")
@DisplayName("lab02-pid")
class PidNamespaceTest {
  private final LabRunner lab = LabRunner.of(Lab02.class);

  @Test
  @Points(2)
  @DisplayName("the command is PID 1")
  void commandIsPidOne() {
    Result run = lab.run("--", "sh", "-c", "echo $$");
    assertEquals(0, run.exitStatus(), run::toString);
    assertEquals("1", run.out());
  }

  @Test
  @Points(1)
  @DisplayName("the container has its own PID namespace, and still its own hostname")
  @Guide("What you should observe")
  void ownPidNamespace() {
    Result run = lab.run("--hostname", "box", "--", "sh", "-c", "readlink /proc/self/ns/pid; hostname");
    assertEquals(0, run.exitStatus(), run::toString);
    List<String> lines = run.lines();
    assertTrue(lines.get(0).startsWith("pid:["), run::toString);
    assertNotEquals(Host.namespace("pid"), lines.get(0));
    assertEquals("box", lines.get(1));
  }

  @Test
  @Points(1)
  @DisplayName("ps still lists the host's processes, because /proc is still the host's")
  @Guide("What you should observe")
  void psStillSeesTheHost() {
    long testPid = ProcessHandle.current().pid();
    Result run = lab.run("--", "ps", "-e", "-o", "pid=");
    assertEquals(0, run.exitStatus(), run::toString);
    List<String> pids = run.lines().stream().map(String::strip).toList();
    assertTrue(pids.contains(Long.toString(testPid)),
        "the test's own JVM (pid " + testPid + ") should be listed: " + pids);
  }

  @Test
  @Points(1)
  @DisplayName("when PID 1 exits, the kernel kills every other process in the container")
  @Guide("The idea")
  void pidOneTakesAllWithIt() {
    String marker = "3" + ThreadLocalRandom.current().nextInt(100000, 999999); // seconds: "forever"
    Instant start = Instant.now();
    Result run = lab.run("--", "sh", "-c", "sleep " + marker + " & exit 0");
    assertEquals(0, run.exitStatus(), run::toString);
    assertTrue(Duration.between(start, Instant.now()).toSeconds() < 50, "the lab waited for the sleep");
    boolean sleepLeft = ProcessHandle.allProcesses().anyMatch(p -> p.info().arguments()
        .map(args -> List.of(args).contains(marker)).orElse(false));
    assertTrue(!sleepLeft, "sleep " + marker + " outlived the container's PID 1");
  }

  @Test
  @Points(1)
  @DisplayName("PID 1 ignores a SIGTERM it has no handler for; a second one to the lab kills the container")
  @Guide("The idea")
  void pidOneIgnoresSignals() throws Exception {
    Process running = lab.start("--", "sh", "-c", "echo ready; exec sleep 300");
    var out = new java.io.BufferedReader(new java.io.InputStreamReader(running.getInputStream()));
    assertEquals("ready", out.readLine());
    Thread.sleep(300); // let sh become sleep
    running.toHandle().destroy();
    assertTrue(!running.waitFor(1, java.util.concurrent.TimeUnit.SECONDS),
        "sleep, as PID 1 without a handler, should have ignored SIGTERM");
    running.toHandle().destroy();
    assertEquals(128 + 9, LabRunner.finish(running).exitStatus());
  }

  @Test
  @Points(1)
  @DisplayName("--trace shows unshare --uts --pid, and the init running as PID 1")
  @Guide("The kernel calls")
  void trace() {
    Result run = lab.run("--trace", "--", "true");
    assertEquals(0, run.exitStatus(), run::toString);
    Expect.contains("what the lab printed on stderr", run.stderr(), "unshare(CLONE_NEWUTS|CLONE_NEWPID)");
    Expect.contains("what the lab printed on stderr", run.stderr(), "# unshare --uts --pid\n");
    Expect.matches("the trace", run.stderr(), "(?s).*\\[init 1\\] +execve\\(\"/usr/bin/true\".*");
  }

  @Test
  @Points(1)
  @DisplayName("the command's exit status is the lab's")
  @Guide("running")
  void exitStatus() {
    assertEquals(7, lab.run("--", "sh", "-c", "exit 7").exitStatus());
  }
}
