package containerlabs.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@LabTest
@Guide("The code")
@DisplayName("lab06-cgroups")
class CgroupsTest {
  private static final String HOG = "dd if=/dev/zero of=/dev/null bs=64M count=1"; // a 64 MiB buffer
  private final LabRunner lab = LabRunner.of(Lab06.class);

  @Test
  @Points(2)
  @DisplayName("a memory hog over the limit is killed, reported in one line, and the lab exits 137")
  @Guide("What you should observe")
  void memoryHogKilled() {
    Result run = lab.run("-m", "32m", "--", "sh", "-c", "exec " + HOG);
    assertEquals(137, run.exitStatus(), run::toString);
    Expect.contains("what the lab printed on stderr", run.stderr(), "killed: out of memory (limit 32 MiB)\n");
  }

  @Test
  @Points(1)
  @DisplayName("the same hog under a limit it fits in succeeds")
  @Guide("What you should observe")
  void memoryHogFits() {
    Result run = lab.run("-m", "128m", "--", "sh", "-c", HOG + " 2>/dev/null && echo fits");
    assertEquals("fits", run.out(), run::toString);
    assertEquals(0, run.exitStatus(), run::toString);
  }

  @Test
  @Points(2)
  @DisplayName("a fork bomb stops at the pids limit, and the host is unharmed")
  @Guide("What you should observe")
  void forkBomb() {
    // PID 1 waits with shell builtins only (it could not fork a sleep), then exits, and
    // the kernel kills the bomb.
    Result run = lab.run("--pids-limit", "20", "--stats", "--", "sh", "-c",
        "bomb() { bomb | bomb & }; bomb 2>/dev/null; i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done");
    Matcher stats = Pattern.compile("max pids (\\d+|not counted here), forks refused (\\d+)").matcher(run.stderr());
    assertTrue(stats.find(), run::toString);
    assertTrue(Long.parseLong(stats.group(2)) > 0, "the limit refused no fork: " + run);
    if (!stats.group(1).startsWith("not")) {
      assertTrue(Long.parseLong(stats.group(1)) <= 20, run::toString);
    }
    assertEquals("forked", Host.sh("echo forked").strip(), "the host cannot fork any more");
  }

  @Test
  @Points(2)
  @DisplayName("a busy loop under --cpus 0.2 is throttled: CPU time over wall time near 20%")
  @Guide("What you should observe")
  void cpuThrottled() {
    Result run = lab.run("--cpus", "0.2", "--stats", "--", "sh", "-c",
        "sh -c 'while :; do :; done' & sleep 3; kill $!");
    Matcher stats = Pattern.compile("CPU time ([\\d.]+) s over ([\\d.]+) s \\(\\d+%\\), throttled (\\d+) times")
        .matcher(run.stderr());
    assertTrue(stats.find(), run::toString);
    double share = Double.parseDouble(stats.group(1)) / Double.parseDouble(stats.group(2));
    assertTrue(Long.parseLong(stats.group(3)) > 0, "never throttled: " + run);
    // Generous: unthrottled, the loop would take a whole CPU (close to 100%).
    assertTrue(share > 0.05 && share < 0.4, "CPU share " + share + " is not near 0.2: " + run);
  }

  @Test
  @Points(1)
  @DisplayName("/proc/self/cgroup inside shows / for every hierarchy: the cgroup namespace")
  @Guide("The idea")
  void cgroupNamespace() {
    Result run = lab.run("-m", "64m", "--", "cat", "/proc/self/cgroup");
    assertFalse(run.lines().isEmpty(), run::toString);
    for (String line : run.lines()) {
      assertTrue(line.endsWith(":/"), line + " in\n" + run);
    }
  }

  @Test
  @Points(1)
  @DisplayName("--trace shows the limits written, and the init joining its cgroup before anything else")
  @Guide("The kernel calls")
  void trace() {
    Result run = lab.run("--trace", "-m", "64m", "--pids-limit", "10", "--", "true");
    assertEquals(0, run.exitStatus(), run::toString);
    String trace = run.stderr();
    Expect.matches("the trace", trace, "(?s).*# echo 67108864 > /sys/fs/cgroup/\\S*container-labs/\\w+/memory\\.(max|limit_in_bytes)\n.*");
    Expect.matches("the trace", trace, "(?s).*# echo 10 > /sys/fs/cgroup/\\S*container-labs/\\w+/pids\\.max\n.*");
    int join = trace.indexOf("cgroup.procs");
    assertTrue(join > 0 && join < trace.indexOf("mount --make-rprivate"), trace);
    Expect.matches("the trace", trace, "(?s).*\\[init 1\\] +unshare\\(CLONE_NEWCGROUP\\).*");
  }

  @Test
  @Points(1)
  @DisplayName("after the lab is killed with SIGKILL, its cgroup goes with the next run")
  @Guide("engine")
  void cleanupAfterSigkill() throws Exception {
    Process killed = lab.start("-m", "64m", "--", "sh", "-c", "echo started; sleep 300");
    assertEquals("started", new BufferedReader(new InputStreamReader(killed.getInputStream())).readLine());
    killed.toHandle().destroyForcibly();
    assertTrue(killed.waitFor(10, TimeUnit.SECONDS));
    assertFalse(Host.shQuiet("find /sys/fs/cgroup -maxdepth 4 -path '*container-labs/*' -type d").isBlank(),
        "the killed lab's cgroup should still be there until the next run");
    assertEquals(0, lab.run("--", "true").exitStatus());
    // NothingLeftBehind checks that no cgroup, process or state dir is left.
  }

  @Test
  @DisplayName("bad limits, malformed or out of range: exit 125 with one line each, and nothing made")
  @Guide("What you should observe")
  void badInput() {
    for (List<String> options : List.of(List.of("-m", "10x"), List.of("-m", "0"), List.of("-m", "2m"),
        List.of("--cpus", "-1"), List.of("--cpus", "lots"), List.of("--cpus", "NaN"), List.of("--pids-limit", "0"),
        List.of("--pids-limit", "abc"), List.of("--pids-limit", "99999999999"), List.of("-m", "17179869185g"),
        List.of("-m", "9999999999g"), List.of("-m", "64"))) {
      String[] args = java.util.stream.Stream.concat(options.stream(), java.util.stream.Stream.of("--", "true"))
          .toArray(String[]::new);
      Result run = lab.run(args);
      assertEquals(125, run.exitStatus(), options + ": " + run);
      assertEquals(1, run.stderr().lines().count(), options + ": " + run);
    }
  }

  @Test
  @DisplayName("-m too large for 64 bits says so, never wraps around; a plain number is bytes, and the error says so")
  @Guide("What you should observe")
  void memoryOutOfRange() {
    // 17179869185g is 2^64 + 2^30 bytes: shifted in a long it wrapped to a 1 GiB limit.
    for (String size : List.of("17179869185g", "9999999999g", "9223372036854775808")) {
      Result run = lab.run("-m", size, "--", "true");
      assertEquals(125, run.exitStatus(), size + ": " + run);
      Expect.contains("what the lab printed on stderr", run.stderr(), "-m " + size + " is too large");
    }
    Result bytes = lab.run("-m", "64", "--", "true");
    assertEquals(125, bytes.exitStatus(), bytes::toString);
    Expect.contains("what the lab printed on stderr", bytes.stderr(), "did you mean -m 64m?");
    Result pids = lab.run("--pids-limit", "abc", "--", "true");
    assertEquals("lab06-cgroups: malformed --pids-limit 'abc': write a whole number of processes,"
        + " e.g. --pids-limit 100", pids.stderr().strip(), pids::toString);
  }
}
