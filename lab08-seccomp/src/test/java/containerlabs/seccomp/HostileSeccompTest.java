package containerlabs.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerlabs.cli.Exec;
import containerlabs.engine.Running;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import containerlabs.testing.LabRunner;
import containerlabs.testing.LabRunner.Result;
import containerlabs.testing.LabTest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Root in lab 08's container tries the ways around its filter. Each attack prints "ok" only if
 * it succeeded: a test that sees no "ok" is a real defence, not a typo.
 */
@LabTest
@Tag("reliability")
@DisplayName("lab08-seccomp: a hostile root against its filter")
class HostileSeccompTest {
  private final LabRunner lab = LabRunner.of(Lab08.class);

  @Test
  @DisplayName("cannot get a user namespace (and its capabilities) by unshare, nor mount a tmpfs in one")
  void noUserNamespace() {
    for (String userns : new String[] {"private", "host"}) {
      String[] mode = userns.equals("host") ? new String[] {"--userns", "host"} : new String[] {"--userns-range", "100000:65536"};
      Result run = lab.run("--net", "none", mode[0], mode[1], "--", "sh", "-c",
          "unshare -U -r -m sh -c 'mount -t tmpfs x /mnt && echo ok mount' 2>/dev/null;"
              + " unshare -U -r -m -n true 2>/dev/null && echo ok userns;"
              + " unshare -m true 2>/dev/null && echo ok mount namespace; true");
      assertEquals("", run.out(), userns + ": " + run);
      assertEquals(0, run.exitStatus(), run::toString);
    }
  }

  @Test
  @DisplayName("the filter stays through exec, fork and a new session: every process has Seccomp: 2")
  void inheritedEverywhere() {
    Result run = lab.run("--net", "none", "--", "sh", "-c",
        "setsid sh -c 'grep ^Seccomp: /proc/self/status' & wait;"
            + " env sh -c 'grep ^Seccomp: /proc/self/status'");
    assertEquals("Seccomp: 2\nSeccomp: 2", run.out().strip().replaceAll("[ \t]+", " "), run::toString);
  }

  @Test
  @DisplayName("a command that ./lab exec runs in the container gets the filter too")
  void execFiltered() throws Exception {
    // With its user namespace (lab 07's default): exec joins it first, through nsenter.
    Process running = lab.start("--net", "none", "--", "sleep", "577");
    try {
      Running container = null;
      Instant deadline = Instant.now().plusSeconds(60);
      while (container == null && Instant.now().isBefore(deadline)) {
        container = Running.all().stream().filter(c -> c.command().equals("sleep 577")).findFirst().orElse(null);
        assertTrue(running.isAlive(), () -> "the lab ended: " + LabRunner.finish(running));
        Thread.sleep(100);
      }
      assertTrue(container != null, "./lab ps did not list the container within 60 s");
      Result run = LabRunner.of(Exec.class).run(container.id(), "--", "sh", "-c",
          "grep ^Seccomp: /proc/self/status; unshare -U true 2>/dev/null && echo ok userns; true");
      assertEquals("Seccomp: 2", run.out().strip().replaceAll("[ \t]+", " "), run::toString);
    } finally {
      running.destroy(); // SIGTERM: the lab stops its container and cleans up
      assertTrue(running.waitFor(60, TimeUnit.SECONDS), "the lab did not end");
    }
  }
}
