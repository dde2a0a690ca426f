package containerlabs.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerlabs.cli.CleanUp;
import containerlabs.image.ImageStore;
import containerlabs.image.Images;
import containerlabs.net.Lab05;
import containerlabs.rootfs.Lab04;
import containerlabs.testing.HostState;
import containerlabs.testing.Expect;
import containerlabs.testing.Host;
import containerlabs.testing.LabRunner;
import containerlabs.testing.LabRunner.Result;
import containerlabs.testing.LabTest;
import containerlabs.testing.TarBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The lab killed with SIGKILL at each point of the lifecycle, an init that fails half-way,
 * SIGTERM, and Ctrl-C at a terminal: whatever happens, the host ends as it began.
 */
@LabTest
@Tag("reliability")
@DisplayName("lab06-cgroups: crashes and signals")
class CrashAndSignalTest {
  /** Every feature on: a cgroup with limits, a veth on the bridge, a published port, layers. */
  private static final List<String> ALL_FEATURES = List.of("-m", "64m", "--pids-limit", "50",
      "--cpus", "1", "-p", "18181:80");
  private final LabRunner lab = LabRunner.of(Lab06.class);

  @ParameterizedTest(name = "killed at {0}, cleaned by {1}")
  @CsvSource({"created, the next run", "created, ./lab clean", "prepared, the next run",
      "prepared, ./lab clean", "setup, the next run", "setup, ./lab clean",
      "running, the next run", "running, ./lab clean"})
  @DisplayName("a lab killed by SIGKILL leaves state that the next run, or ./lab clean, removes")
  void killedAt(String point, String cleaner) throws Exception {
    HostState before = HostState.now();
    Process process = start(point.equals("running") ? null : point,
        concat(ALL_FEATURES, "--", "sh", "-c", "echo running; exec sleep 60"));
    String awaited = point.equals("running") ? "running" : "paused at " + point;
    String output = readUntil(process, awaited);
    process.destroyForcibly(); // SIGKILL: no finally, no shutdown hook, no clean-up
    assertTrue(process.waitFor(20, TimeUnit.SECONDS));

    Set<String> left = HostState.now().newSince(before);
    assertTrue(left.stream().anyMatch(item -> item.startsWith("state dir")),
        "a killed lab should leave its state dir for the clean-up: " + left + "\n" + output);
    if (point.equals("running") || point.equals("setup")) {
      assertTrue(left.stream().anyMatch(item -> item.startsWith("cgroup")), left::toString);
    }
    Result cleaned = cleaner.equals("./lab clean")
        ? LabRunner.of(CleanUp.class).run(Lab06.class.getName())
        : lab.run("--net", "none", "--", "true");
    assertEquals(0, cleaned.exitStatus(), cleaned::toString);
    if (cleaner.equals("./lab clean")) {
      List<String> lines = cleaned.lines();
      assertTrue(lines.get(lines.size() - 1).startsWith("cleaned up after 1 container"), cleaned::toString);
    }
    assertEquals(Set.of(), HostState.now().newSince(before), "left after " + cleaner);
  }

  @ParameterizedTest(name = "{0} killed, then lab 04 runs")
  @CsvSource({"lab05", "lab06"})
  @DisplayName("a lab killed with a published port, then an earlier lab runs: it removes all"
      + " the killed lab made, whatever the features, and the port can be published again")
  void killedThenAnEarlierLabRuns(String killed) throws Exception {
    HostState before = HostState.now();
    int port = ThreadLocalRandom.current().nextInt(18200, 19000);
    LabRunner killedLab = LabRunner.of(killed.equals("lab05") ? Lab05.class : Lab06.class);
    List<String> options = new ArrayList<>(List.of("-p", port + ":80"));
    if (killed.equals("lab06")) {
      options.addAll(List.of("-m", "64m"));
    }
    Process process = start(killedLab, null, concat(options, "--", "sh", "-c", "echo running; exec sleep 120"));
    String output = readUntil(process, "running");
    process.destroyForcibly(); // SIGKILL
    assertTrue(process.waitFor(20, TimeUnit.SECONDS));

    Set<String> left = HostState.now().newSince(before);
    // (Not its veth pair: the kernel removes it with the container's network namespace.)
    List<String> expected = new ArrayList<>(List.of("state dir", "published port tcp . " + port + " :",
        "container layer"));
    if (killed.equals("lab06")) {
      expected.add("cgroup");
    }
    for (String item : expected) {
      assertTrue(left.stream().anyMatch(l -> l.startsWith(item)), "the killed " + killed + " should leave a "
          + item + ": " + left + "\n" + output);
    }
    Result lab4 = LabRunner.of(Lab04.class).run("--", "true"); // no network, no cgroups of its own
    assertEquals(0, lab4.exitStatus(), lab4::toString);
    assertEquals(Set.of(), HostState.now().newSince(before), "left after lab 04 ran");

    Result again = LabRunner.of(Lab05.class).run("-p", port + ":80", "--", "true");
    assertEquals(0, again.exitStatus(), "the port should be free to publish again: " + again);
  }

  @Test
  @DisplayName("./lab clean removes orphans whose state dir is gone: nft element, cgroups, lab* device, layer")
  void orphansWithoutStateDir() throws Exception {
    HostState before = HostState.now();
    Process process = start(null, concat(ALL_FEATURES, "--", "sh", "-c", "echo running; exec sleep 60"));
    String output = readUntil(process, "running");
    process.destroyForcibly(); // SIGKILL
    assertTrue(process.waitFor(20, TimeUnit.SECONDS));

    Set<String> left = HostState.now().newSince(before);
    List<String> stateDirs = left.stream().filter(l -> l.startsWith("state dir "))
        .map(l -> l.substring("state dir ".length())).toList();
    assertEquals(1, stateDirs.size(), left + "\n" + output);
    for (String item : List.of("published port tcp . 18181 :", "cgroup", "container layer")) {
      assertTrue(left.stream().anyMatch(l -> l.startsWith(item)), "the killed lab should leave a " + item
          + ": " + left + "\n" + output);
    }
    ImageStore.deleteTree(Path.of(stateDirs.get(0))); // lost: nothing records what it made now
    // A killed container's veth pair goes with its namespace; a lab* device is left when what
    // made it was killed on the host's side (a test's NetworkNamespaces, say): one like that.
    Host.sh("ip link add labOrphan0 type veth peer name labOrphan1");
    Set<String> orphans = HostState.now().newSince(before);
    assertTrue(orphans.stream().noneMatch(l -> l.startsWith("state dir")), orphans::toString);
    assertTrue(orphans.contains("network device labOrphan0"), orphans::toString);

    Result cleaned = LabRunner.of(CleanUp.class).run(Lab06.class.getName());
    assertEquals(0, cleaned.exitStatus(), cleaned::toString);
    for (String line : List.of("removed the orphaned nft element ip container_labs ports tcp . 18181 (to 172.",
        "removed the orphaned network device labOrphan", "removed the orphaned cgroup /sys/fs/cgroup/",
        "removed the orphaned container layer /var/lib/container-labs/containers/")) {
      assertTrue(cleaned.lines().stream().anyMatch(l -> l.startsWith(line)), "expected a line '" + line
          + "…': " + cleaned);
    }
    assertTrue(cleaned.lines().get(cleaned.lines().size() - 1).startsWith(
        "cleaned up after 0 container(s) whose lab had gone; "), cleaned::toString);
    assertEquals(Set.of(), HostState.now().newSince(before), "left after ./lab clean");
    Result again = LabRunner.of(CleanUp.class).run(Lab06.class.getName());
    assertEquals("nothing to clean up", again.out(), again::toString);
  }

  @Test
  @DisplayName("the lab's init, run by hand outside a container, refuses and changes nothing")
  void initByHand() {
    Result run = lab.run("init", "handmade", "--", "true");
    assertEquals(125, run.exitStatus(), run::toString);
    Expect.contains("what the lab printed on stderr", run.stderr(), "'init' is the lab's own first step");
  }

  @Test
  @DisplayName("./lab clean with nothing to clean says so")
  void nothingToClean() {
    Result cleaned = LabRunner.of(CleanUp.class).run(Lab06.class.getName());
    assertEquals("nothing to clean up", cleaned.out(), cleaned::toString);
  }

  @Test
  @DisplayName("an init that fails in setup (a volume it cannot mount) leaves nothing behind")
  void volumeFailsInSetup() {
    // Under a file of the image: only the init, in the container's root, finds it cannot be made.
    Result run = lab.run(concat(ALL_FEATURES, "-v", "/tmp:/etc/os-release/cannot", "--", "true"));
    assertEquals(125, run.exitStatus(), run::toString);
    assertTrue(run.stderr().contains("-v /tmp:/etc/os-release/cannot: cannot make /etc/os-release/cannot in the container"),
        run::toString);
    assertFalse(run.stderr().contains("Exception"), run::toString);
  }

  @Test
  @DisplayName("an init that fails in setup (the command is not in the image) leaves nothing behind")
  void commandMissing() {
    Result run = lab.run(concat(ALL_FEATURES, "--", "/no/such/command"));
    assertEquals(127, run.exitStatus(), run::toString);
  }

  @Test
  @DisplayName("an init whose overlay mount fails (a layer is missing) leaves nothing behind")
  void overlayFails() throws Exception {
    LabRunner images = LabRunner.of(Images.class);
    String name = "test-broken-" + ThreadLocalRandom.current().nextInt(1_000_000);
    Path tarball = Files.createTempFile("container-labs-broken", ".tar");
    try {
      new TarBuilder().dir("bin").file("bin/true", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8), 0755).writeTo(tarball);
      assertEquals(0, images.run("import", name, tarball.toString()).exitStatus());
      ImageStore.deleteTree(new ImageStore().get(name).layers().get(0));
      Result run = lab.run(concat(ALL_FEATURES, "--image", name, "--", "/bin/true"));
      assertEquals(125, run.exitStatus(), run::toString);
      Expect.contains("what the lab printed on stderr", run.stderr(), "mount(\"overlay\"");
    } finally {
      images.run("rm", name);
      Files.deleteIfExists(tarball);
    }
  }

  @Test
  @DisplayName("SIGTERM to the lab: a command that handles it ends by itself, once")
  void sigtermHandled() throws Exception {
    Process process = lab.start(concat(ALL_FEATURES, "--", "sh", "-c",
        "trap 'echo got TERM; exit 3' TERM; echo running; while :; do sleep 0.1; done"));
    readUntil(process, "running");
    process.toHandle().destroy(); // SIGTERM (Process.destroy would also close its pipes)
    Result run = LabRunner.finish(process);
    assertEquals(3, run.exitStatus(), run::toString);
    assertEquals(1, count(run.stdout(), "got TERM"), run::toString);
  }

  @Test
  @DisplayName("SIGTERM to the lab while it prepares: the container never starts, and the lab cleans up")
  void sigtermWhilePreparing() throws Exception {
    Process process = start("prepared", concat(ALL_FEATURES, "--", "sh", "-c", "echo running"));
    readUntil(process, "paused at prepared"); // layers, cgroup, address and port made; no veth or init yet
    process.toHandle().destroy(); // SIGTERM (Process.destroy would also close its pipes)
    Result run = LabRunner.finish(process);
    assertEquals(143, run.exitStatus(), run::toString);
    assertFalse(run.stdout().contains("running"), run::toString);
  }

  @Test
  @DisplayName("SIGTERM to the lab while it prepares: the init it started early, waiting for its"
      + " arguments, is killed and reaped before the lab exits")
  void sigtermWhilePreparingEndsTheEarlyInit() throws Exception {
    Process process = start("prepared", concat(ALL_FEATURES, "--", "sh", "-c", "echo running"));
    String output = readUntil(process, "paused at prepared");
    List<ProcessHandle> waiting = process.toHandle().children()
        .filter(child -> commandLine(child).endsWith(" init -")).toList();
    assertEquals(1, waiting.size(), "the lab should have started its init early, as 'init -': "
        + process.toHandle().children().map(CrashAndSignalTest::commandLine).toList() + "\n" + output);
    process.toHandle().destroy(); // SIGTERM (Process.destroy would also close its pipes)
    Result run = LabRunner.finish(process);
    assertEquals(143, run.exitStatus(), run::toString);
    assertFalse(waiting.get(0).isAlive(), "the early init outlived its lab");
    assertFalse(run.stdout().contains("running"), run::toString);
  }

  @Test
  @DisplayName("an option picocli refuses (2), and one the lab's prepare refuses (125): the init"
      + " started early ends with the lab, which says why in one line")
  void wrongOptionEndsTheEarlyInit() throws Exception {
    Result parse = LabRunner.finish(lab.start("--nope", "--", "true"));
    assertEquals(2, parse.exitStatus(), parse::toString);
    assertTrue(parse.stderr().contains("--nope"), parse::toString);
    Result prepare = LabRunner.finish(lab.start("--pids-limit", "many", "--", "true"));
    assertEquals(125, prepare.exitStatus(), prepare::toString);
    assertEquals(1, prepare.stderr().lines().count(), prepare::toString);
    List<String> left = ProcessHandle.allProcesses().map(CrashAndSignalTest::commandLine)
        .filter(line -> line.contains(Lab06.class.getName() + " init -")).toList();
    assertEquals(List.of(), left, "an init started early, still there after its lab");
  }

  private static String commandLine(ProcessHandle process) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc/" + process.pid() + "/cmdline")),
          StandardCharsets.UTF_8).replace('\0', ' ').strip();
    } catch (IOException e) {
      return "(gone)";
    }
  }

  @Test
  @DisplayName("SIGTERM to the lab: a PID 1 that ignores it is killed after the grace period")
  void sigtermIgnored() throws Exception {
    Process process = lab.start(concat(ALL_FEATURES, "--", "sh", "-c", "echo running; exec sleep 60"));
    readUntil(process, "running");
    // SIGTERM; sleep as PID 1 has no handler for it, so the kernel ignores it there.
    process.toHandle().destroy(); // (Process.destroy would also close its pipes)
    // A bound far above the 3 s grace, and far below the 60 s the command would take.
    assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the lab did not stop the container");
    Result run = LabRunner.finish(process);
    assertEquals(137, run.exitStatus(), run::toString);
  }

  @Test
  @DisplayName("Ctrl-C at a terminal reaches the command once, and not the lab")
  void ctrlC() throws Exception {
    String labCommand = lab.commandLine(concat(ALL_FEATURES, "--", "sh", "-c",
            "trap 'echo got INT' INT; echo ready; i=0;"
                + " while [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); done; echo done"))
        .stream().map(a -> "'" + a.replace("'", "'\\''") + "'").collect(Collectors.joining(" "));
    // script(1) runs the lab on a new terminal, as its foreground job; a 0x03 written to its
    // input is a Ctrl-C typed there.
    ProcessBuilder builder = new ProcessBuilder("script", "-qefc", labCommand, "/dev/null");
    builder.environment().put("SHELL", "/bin/sh");
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    builder.redirectErrorStream(true);
    Process script = builder.start();
    String output = readUntil(script, "ready");
    OutputStream keyboard = script.getOutputStream();
    keyboard.write(3);
    keyboard.flush();
    String rest = new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(script.waitFor(30, TimeUnit.SECONDS));
    String all = output + rest;
    assertEquals(1, count(all, "got INT"), all);
    assertTrue(all.contains("done"), all);
    assertEquals(0, script.exitValue(), all);
  }

  /** Start the lab, its stderr merged into its stdout, paused at {@code pausePoint} if not null. */
  private Process start(String pausePoint, String... args) throws IOException {
    return start(lab, pausePoint, args);
  }

  private static Process start(LabRunner lab, String pausePoint, String... args) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(lab.commandLine(args));
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    if (pausePoint != null) {
      builder.environment().put("CONTAINER_LABS_PAUSE", pausePoint);
    }
    return builder.redirectErrorStream(true).start();
  }

  /** Read the process's output until a line holds {@code text}; what was read. */
  private static String readUntil(Process process, String text) throws IOException {
    BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    for (String line; (line = reader.readLine()) != null; ) {
      seen.append(line).append('\n');
      if (line.contains(text)) {
        return seen.toString();
      }
    }
    throw new AssertionError("the lab ended before printing '" + text + "':\n" + seen);
  }

  private static long count(String text, String word) {
    return text.lines().filter(l -> l.contains(word)).count();
  }

  private static String[] concat(List<String> first, String... rest) {
    List<String> all = new ArrayList<>(first);
    all.addAll(List.of(rest));
    return all.toArray(String[]::new);
  }
}
