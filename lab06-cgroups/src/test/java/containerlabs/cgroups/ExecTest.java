package containerlabs.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerlabs.cli.CleanUp;
import containerlabs.cli.Exec;
import containerlabs.cli.Ps;
import containerlabs.engine.Running;
import containerlabs.testing.LabRunner;
import containerlabs.testing.LabRunner.Result;
import containerlabs.testing.LabTest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code ./lab ps} and {@code ./lab exec}: a running container is listed, and a command
 * exec'd into it sees what its own processes see; it dies with the container.
 */
@LabTest
@Tag("reliability")
@DisplayName("./lab ps and ./lab exec: joining a running container")
class ExecTest {
  private final LabRunner lab = LabRunner.of(Lab06.class);
  private final LabRunner exec = LabRunner.of(Exec.class);
  private Process labProcess;

  @AfterEach
  void stopTheLab() throws InterruptedException {
    if (labProcess != null && labProcess.isAlive()) {
      labProcess.destroy(); // SIGTERM: the lab stops its container and cleans up
      assertTrue(labProcess.waitFor(60, TimeUnit.SECONDS), "the lab did not end");
    }
  }

  @Test
  @DisplayName("ps lists a running container; exec sees its hostname, PID namespace, root, network, cgroup and restrictions")
  void psAndExec() throws Exception {
    Running container = startContainer("--hostname", "execbox", "-m", "64m");
    Result ps = LabRunner.of(Ps.class).run();
    assertEquals(0, ps.exitStatus(), ps::toString);
    String row = ps.lines().stream().filter(l -> l.startsWith(container.id() + " ")).findFirst()
        .orElseThrow(() -> new AssertionError("ps should list " + container.id() + ": " + ps));
    List<String> columns = List.of(row.split("\\s+"));
    assertEquals(List.of(container.id(), "lab06-cgroups", Integer.toString(container.pid()), "sleep", "600"),
        columns.subList(0, 5), row);
    assertEquals("sleep\u0000600", cmdline(container.pid()), "PID is the container's PID 1 as the host sees it");
    String ip = columns.get(columns.size() - 1);
    assertTrue(ip.matches("\\d+\\.\\d+\\.\\d+\\.\\d+"), "the IP column: " + row);

    assertEquals("execbox", run(container, "hostname").out());
    assertNotEquals(host("hostname"), "execbox");

    // Its PID namespace: PID 1 is its sleep, and nothing of the host's is there.
    Result processes = run(container, "ps", "-o", "pid,args");
    List<String> rows = processes.lines().subList(1, processes.lines().size());
    assertEquals(2, rows.size(), "only the container's PID 1 and ps itself: " + processes);
    assertTrue(rows.get(0).strip().matches("1 sleep 600"), processes::toString);
    assertTrue(rows.get(1).strip().matches("\\d+ ps -o pid,args"), processes::toString);

    // Its root: the image's files, as a new container of the same image sees them, not the host's.
    String osRelease = run(container, "cat", "/etc/os-release").out();
    assertEquals(lab.run("--net", "none", "--", "cat", "/etc/os-release").out(), osRelease);
    assertNotEquals(Files.readString(Path.of("/etc/os-release")).strip(), osRelease);
    assertEquals("/", run(container, "pwd").out());

    // Its network: eth0 with the address ps shows.
    String eth0 = run(container, "ip", "-4", "addr", "show", "eth0").out();
    assertTrue(eth0.contains("inet " + ip + "/"), "exec should see eth0 with " + ip + ": " + eth0);

    // Its cgroups, seen through its cgroup namespace exactly as its PID 1's, and its restrictions.
    assertEquals(run(container, "cat", "/proc/1/cgroup").out(), run(container, "cat", "/proc/self/cgroup").out());
    assertEquals(run(container, "grep", "-E", "^(CapBnd|CapEff|NoNewPrivs)", "/proc/1/status").out(),
        run(container, "grep", "-E", "^(CapBnd|CapEff|NoNewPrivs)", "/proc/self/status").out());

    // stdin is the command's, and its exit status is exec's; 127 for a command it lacks.
    Process cat = exec.start(container.id(), "--", "cat");
    try (OutputStream in = cat.getOutputStream()) {
      in.write("through stdin\n".getBytes(StandardCharsets.UTF_8));
    }
    assertEquals("through stdin", LabRunner.finish(cat).out());
    assertEquals(7, run(container, "sh", "-c", "exit 7").exitStatus());
    Result missing = exec.run(container.id(), "--", "no-such-command");
    assertEquals(127, missing.exitStatus(), missing::toString);
    assertOneLine(missing, "no-such-command: command not found");
  }

  @Test
  @DisplayName("exec into an unknown id, a stopped container, or with no command: one line, exit 125")
  void errors() throws Exception {
    Result unknown = exec.run("noSuchId123", "--", "true");
    assertEquals(125, unknown.exitStatus(), unknown::toString);
    assertOneLine(unknown, "no such container: noSuchId123: ./lab ps lists the running containers");

    Running container = startContainer();
    Result none = exec.run(container.id());
    assertEquals(125, none.exitStatus(), none::toString);
    assertOneLine(none, "no command");

    labProcess.destroyForcibly(); // SIGKILL: its init goes with it, its state dir stays
    assertTrue(labProcess.waitFor(20, TimeUnit.SECONDS));
    assertTrue(Files.isDirectory(container.stateDir()), "a killed lab leaves its state dir");
    Result stopped = exec.run(container.id(), "--", "true");
    assertEquals(125, stopped.exitStatus(), stopped::toString);
    assertOneLine(stopped, "container " + container.id() + " is not running");
    assertFalse(LabRunner.of(Ps.class).run().stdout().contains(container.id()), "ps lists running containers only");
    Result cleaned = LabRunner.of(CleanUp.class).run(Lab06.class.getName());
    assertEquals(0, cleaned.exitStatus(), cleaned::toString);
  }

  @Test
  @DisplayName("an exec'd process is in the container's PID namespace: it dies with the container's PID 1")
  void diesWithTheContainer() throws Exception {
    Running container = startContainer();
    Sleeper sleeper = execSleep(container);
    assertEquals(Files.readSymbolicLink(Path.of("/proc/" + container.pid() + "/ns/pid")),
        Files.readSymbolicLink(Path.of("/proc/" + sleeper.command().pid() + "/ns/pid")));

    ProcessHandle.of(container.pid()).orElseThrow().destroyForcibly(); // SIGKILL to PID 1
    sleeper.endsWith(128 + 9, "the kernel kills the rest of a PID namespace whose init ends");
    assertTrue(labProcess.waitFor(20, TimeUnit.SECONDS), "the lab ends with its container");
    assertEquals(128 + 9, labProcess.exitValue());
  }

  @Test
  @DisplayName("a signal to exec (Ctrl-C, SIGTERM) reaches the command")
  void forwardsSignals() throws Exception {
    Running container = startContainer();
    Sleeper sleeper = execSleep(container);
    sleeper.exec().toHandle().destroy(); // SIGTERM to exec (Process.destroy would close its pipes too)
    sleeper.endsWith(128 + 15, "exec forwards SIGTERM to its command");
    assertTrue(ProcessHandle.of(container.pid()).isPresent(), "the container runs on");
  }

  @Test
  @DisplayName("a signal that comes while exec starts its command reaches the command too")
  void forwardsSignalsDuringTheStart() throws Exception {
    Running container = startContainer();
    // exec pauses once its command runs, before its main thread has caught up: the window CI
    // hit by chance under emulation, where the command got SIGKILL (137) for the SIGTERM.
    Process execProcess = exec.startWith(Map.of("CONTAINER_LABS_PAUSE", "exec-started"),
        container.id(), "--", "sleep", "1000");
    StringBuilder line = new StringBuilder();
    InputStream stderr = execProcess.getErrorStream();
    for (int c; !line.toString().contains("paused at exec-started") && (c = stderr.read()) >= 0; ) {
      line.append((char) c); // byte by byte: what follows is LabRunner.finish's to read
    }
    assertTrue(line.toString().contains("paused at exec-started"), "exec did not pause: " + line);
    ProcessHandle command = execProcess.toHandle().children().findFirst()
        .orElseThrow(() -> new AssertionError("exec paused with no command running"));
    execProcess.toHandle().destroy(); // SIGTERM
    new Sleeper(execProcess, command).endsWith(128 + 15, "a SIGTERM during exec's start reaches its command");
    assertTrue(ProcessHandle.of(container.pid()).isPresent(), "the container runs on");
  }

  /** A lab 06 container running sleep 600 (a slow machine needs a minute for a test), once ps lists it. */
  private Running startContainer(String... options) throws InterruptedException {
    Set<String> before = Running.all().stream().map(Running::id).collect(Collectors.toSet());
    labProcess = lab.start(Stream.concat(Stream.of(options), Stream.of("--", "sleep", "600")).toArray(String[]::new));
    Instant deadline = Instant.now().plusSeconds(30);
    while (Instant.now().isBefore(deadline)) {
      for (Running running : Running.all()) {
        if (!before.contains(running.id()) && running.command().equals("sleep 600")) {
          return running;
        }
      }
      assertTrue(labProcess.isAlive(), () -> "the lab ended: " + LabRunner.finish(labProcess));
      Thread.sleep(100);
    }
    throw new AssertionError("ps did not list the container within 30 s");
  }

  private Result run(Running container, String... command) {
    String[] args = Stream.concat(Stream.of(container.id(), "--"), Stream.of(command)).toArray(String[]::new);
    Result result = exec.run(args);
    if (result.exitStatus() == 125) {
      throw new AssertionError("exec " + String.join(" ", command) + " failed: " + result);
    }
    return result;
  }

  /** {@code ./lab exec ID -- sleep 1000}, and its command (a child of exec's JVM) once it runs. */
  private Sleeper execSleep(Running container) throws InterruptedException {
    Process sleeper = exec.start(container.id(), "--", "sleep", "1000");
    for (int i = 0; i < 200; i++) {
      var child = sleeper.toHandle().children().findFirst();
      if (child.isPresent()) {
        return new Sleeper(sleeper, child.get());
      }
      Thread.sleep(50);
    }
    throw new AssertionError("exec started no command within 10 s: " + LabRunner.finish(sleeper));
  }

  private record Sleeper(Process exec, ProcessHandle command) {
    /** exec ended with this status, and its command is gone from the host. */
    void endsWith(int status, String why) {
      Result ended = LabRunner.finish(exec);
      assertEquals(status, ended.exitStatus(), why + ": " + ended);
      assertFalse(command.isAlive(), "the exec'd sleep 1000 (host pid " + command.pid() + ") is left");
    }
  }

  private static String cmdline(long pid) throws IOException {
    String line = Files.readString(Path.of("/proc/" + pid + "/cmdline"));
    return line.endsWith("\0") ? line.substring(0, line.length() - 1) : line;
  }

  private static String host(String command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    process.waitFor();
    return out;
  }

  private static void assertOneLine(Result result, String expected) {
    List<String> lines = result.stderr().lines().toList();
    assertEquals(1, lines.size(), "one line: " + result);
    assertTrue(lines.get(0).startsWith("exec: ") && lines.get(0).contains(expected),
        "expected '" + expected + "': " + result);
  }
}
