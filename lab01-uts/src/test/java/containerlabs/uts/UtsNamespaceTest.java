package containerlabs.uts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerlabs.cli.LabCommand;
import containerlabs.testing.Guide;
import containerlabs.testing.Expect;
import containerlabs.testing.Host;
import containerlabs.testing.LabRunner;
import containerlabs.testing.LabRunner.Result;
import containerlabs.testing.LabTest;
import containerlabs.testing.Points;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@LabTest
@Guide("The code")
@DisplayName("lab01-uts")
class UtsNamespaceTest {
  private final LabRunner lab = LabRunner.of(Lab01.class);

  @Test
  @Points(2)
  @DisplayName("the container has the hostname given with --hostname, and the host keeps its own")
  void ownHostname() {
    String host = Host.hostname();
    Result run = lab.run("--hostname", "box", "--", "hostname");
    assertEquals(0, run.exitStatus(), run::toString);
    assertEquals("box", run.out());
    assertEquals(host, Host.hostname());
  }

  @Test
  @Points(1)
  @DisplayName("without --hostname the container is named after its generated id")
  void generatedHostname() {
    Result run = lab.run("--", "hostname");
    assertEquals(0, run.exitStatus(), run::toString);
    assertTrue(run.out().matches("[0-9A-Za-z]{11}"), run::toString);
    assertNotEquals(Host.hostname(), run.out());
  }

  @Test
  @Points(1)
  @DisplayName("a hostname changed inside the container never reaches the host")
  @Guide("What goes wrong without it")
  void renameInside() {
    String host = Host.hostname();
    Result run = lab.run("--", "sh", "-c", "hostname inside && hostname");
    assertEquals("inside", run.out(), run::toString);
    assertEquals(host, Host.hostname());
  }

  @Test
  @Points(1)
  @DisplayName("only the UTS namespace is new: PID, mount and network are still the host's")
  @Guide("What you should observe")
  void onlyUtsIsNew() {
    Result run = lab.run("--", "readlink", "/proc/self/ns/uts", "/proc/self/ns/pid",
        "/proc/self/ns/mnt", "/proc/self/ns/net");
    List<String> inside = run.lines();
    assertEquals(4, inside.size(), run::toString);
    assertNotEquals(Host.namespace("uts"), inside.get(0));
    assertEquals(Host.namespace("pid"), inside.get(1));
    assertEquals(Host.namespace("mnt"), inside.get(2));
    assertEquals(Host.namespace("net"), inside.get(3));
  }

  @Test
  @Points(1)
  @DisplayName("the command's exit status is the lab's")
  @Guide("running")
  void exitStatus() {
    assertEquals(7, lab.run("--", "sh", "-c", "exit 7").exitStatus());
    assertEquals(0, lab.run("--", "true").exitStatus());
  }

  @Test
  @Points(1)
  @DisplayName("a command killed by signal N makes the lab exit 128+N")
  @Guide("running")
  void killedBySignal() {
    assertEquals(128 + 15, lab.run("--", "sh", "-c", "kill -TERM $$").exitStatus());
  }

  @Test
  @Points(1)
  @DisplayName("the command gets no open file of the lab's JVM: only stdin, stdout, stderr")
  @Guide("The kernel calls")
  void noInheritedDescriptors() {
    Result run = lab.run("--", "sh", "-c", "ls /proc/$$/fd");
    assertEquals(List.of("0", "1", "2"), run.lines(), run::toString);
  }

  @Test
  @Points(1)
  @DisplayName("--trace narrates unshare --uts and hostname, with the kernel calls")
  @Guide("The kernel calls")
  void trace() {
    Result run = lab.run("--trace", "--hostname", "box", "--", "true");
    assertEquals(0, run.exitStatus(), run::toString);
    String trace = run.stderr();
    Expect.matches("the trace", trace, "(?s).*\\[lab \\d+\\] +unshare\\(CLONE_NEWUTS\\) +# unshare --uts\n.*");
    Expect.matches("the trace", trace, "(?s).*sethostname\\(\"box\", 3\\) +# hostname box\n.*");
    Expect.matches("the trace", trace, "(?s).*\\[init \\d+\\] +execve\\(\"/usr/bin/true\", \\[\"true\"\\].*");
    assertTrue(trace.indexOf("unshare(") < trace.indexOf("sethostname("), trace);
  }

  @Test
  @DisplayName("an unknown option is a usage error: exit 2, usage shown, no stack trace")
  @Guide("running")
  void unknownOption() {
    Result run = lab.run("--no-such-option");
    assertEquals(2, run.exitStatus(), run::toString);
    assertTrue(run.stderr().startsWith("Unknown option: '--no-such-option'"), run::toString);
    Expect.contains("what the lab printed on stderr", run.stderr(), "Usage: lab01-uts");
    assertFalse(run.stderr().contains("Exception"), run::toString);
  }

  @Test
  @Points(1)
  @DisplayName("a command that does not exist: exit 127 and one line that says so")
  @Guide("running")
  void commandNotFound() {
    Result run = lab.run("--", "no-such-command");
    assertEquals(127, run.exitStatus(), run::toString);
    assertEquals(1, run.stderr().lines().count(), run::toString);
    assertTrue(run.stderr().startsWith("lab01-uts: no-such-command: command not found"), run::toString);
  }

  @Test
  @Points(1)
  @DisplayName("a file that is not executable: exit 126 and one line that says so")
  @Guide("running")
  void cannotExecute() {
    Result run = lab.run("--", "/etc/hostname");
    assertEquals(126, run.exitStatus(), run::toString);
    assertEquals(1, run.stderr().lines().count(), run::toString);
    Expect.contains("what the lab printed on stderr", run.stderr(), "/etc/hostname: cannot execute");
  }

  @Test
  @DisplayName("a hostname over 64 bytes is refused: exit 125, one line naming the limit")
  void hostnameTooLong() {
    Result run = lab.run("--hostname", "x".repeat(65), "--", "true");
    assertEquals(125, run.exitStatus(), run::toString);
    assertEquals(1, run.stderr().lines().count(), run::toString);
    Expect.contains("what the lab printed on stderr", run.stderr(), "--hostname must be 1 to 64 bytes long");
  }

  @Test
  @DisplayName("non-ASCII arguments reach the command unchanged: echo h\u00e9llo prints h\u00e9llo")
  @Guide("running")
  void nonAsciiArguments() {
    // The init JVM had no locale: it decoded its arguments as ASCII, and printed "h??llo".
    Result run = lab.run("--", "echo", "h\u00e9llo \u00a7 \u2014 \u65e5\u672c");
    assertEquals(0, run.exitStatus(), run::toString);
    assertEquals("h\u00e9llo \u00a7 \u2014 \u65e5\u672c", run.out(), run::toString);
    // The init's own messages too: it finds the command, and says so in UTF-8.
    Result missing = lab.run("--", "n\u00f6-such-command");
    assertEquals(127, missing.exitStatus(), missing::toString);
    assertTrue(missing.stderr().startsWith("lab01-uts: n\u00f6-such-command: command not found"), missing::toString);
  }

  @Test
  @DisplayName("an empty hostname is refused: exit 125, one line that says so")
  void hostnameEmpty() {
    Result run = lab.run("--hostname", "", "--", "true");
    assertEquals(125, run.exitStatus(), run::toString);
    assertEquals("lab01-uts: --hostname is empty: give a name such as --hostname box, or leave the option out",
        run.stderr().strip());
  }

  @Test
  @DisplayName("a hostname that is not RFC 1123 (space, ';', newline, hyphen at an end) is refused in one line")
  void hostnameNotRfc1123() {
    // A newline here once wrote a line of the attacker's choosing into the container's /etc/hosts.
    for (String name : List.of("my box", "box;reboot", "box\n10.9.9.9 evil", "-box", "box-", "a..b", "box.",
        "h\u00e9llo", "x".repeat(64))) { // 64 bytes, the kernel would take it: a label is at most 63
      Result run = lab.run("--hostname", name, "--", "true");
      assertEquals(125, run.exitStatus(), name + ": " + run);
      assertEquals(1, run.stderr().lines().count(), name + ": " + run);
      Expect.contains("what the lab printed on stderr", run.stderr(), "is not a hostname");
    }
    Result run = lab.run("--hostname", "web-1.Lab", "--", "hostname");
    assertEquals(0, run.exitStatus(), run::toString);
    assertEquals("web-1.Lab", run.out());
  }

  @Test
  @DisplayName("run by a user who is not root: exit 125 and one line saying to use sudo")
  @Guide("setup")
  void notRoot() throws Exception {
    Result run = lab.runAsNobody("--", "true");
    assertEquals(125, run.exitStatus(), run::toString);
    assertEquals("lab01-uts: must run as root, to create namespaces (CAP_SYS_ADMIN):"
        + " run the same command with sudo in front", run.stderr().strip());
  }

  @Test
  @Points(1)
  @DisplayName("SIGTERM to the lab reaches the command, and the lab exits with the command's status")
  @Guide("engine")
  void sigtermIsForwarded() throws Exception {
    Process running = lab.start("--", "sh", "-c",
        "trap 'echo got TERM; exit 3' TERM; echo ready; while :; do sleep 0.1; done");
    var out = new java.io.BufferedReader(new java.io.InputStreamReader(running.getInputStream()));
    assertEquals("ready", out.readLine());
    running.toHandle().destroy(); // SIGTERM to the lab's JVM only (Process.destroy closes the pipes)
    assertEquals("got TERM", out.readLine());
    assertEquals(3, LabRunner.finish(running).exitStatus());
  }

  @Test
  @DisplayName("run inside another JVM, as mvn exec:java does, the lab returns the status and leaves no thread")
  @Guide("running")
  @Tag("in-process") // the lab's code in the test's own JVM: mvn verify runs it, the grader never does
  void inProcess() {
    int status = LabCommand.execute(new Lab01(), "--hostname", "inproc", "--", "sh", "-c", "exit 3");
    assertEquals(3, status);
    // NothingLeftBehind then checks that no container thread is left in this JVM.
  }
}
