package containerlabs.engine;

import containerlabs.kernel.Kernel;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * A running container as {@code ./lab ps} and {@code ./lab exec} find it: the
 * {@code container.properties} that the engine writes into its state dir once the init has
 * started. The init's pid is kept with its start time: once it has ended, its pid may be
 * another process's, which must never be taken for the container (nor joined).
 */
public record Running(String id, String lab, String labName, int pid, Instant started,
    String command, Map<String, String> facts) {
  static final String FILE = "container.properties";

  /** Written by the container's thread as soon as the init has started. */
  static void write(Container container, Class<?> lab, String labName, int pid) {
    Properties properties = new Properties();
    properties.setProperty("lab", lab.getName());
    properties.setProperty("name", labName);
    properties.setProperty("pid", Integer.toString(pid));
    properties.setProperty("started", startOf(pid).map(Instant::toString).orElse("?"));
    properties.setProperty("command", String.join(" ", container.command()));
    container.facts().forEach((key, value) -> properties.setProperty("fact." + key, value));
    Path file = container.stateDir().resolve(FILE);
    try (var out = Files.newOutputStream(file)) {
      properties.store(out, "the container's init, for ./lab ps and ./lab exec");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every container that runs now, by id. */
  public static List<Running> all() {
    List<Running> running = new ArrayList<>();
    for (Path dir : StateDir.all()) {
      read(dir).filter(Running::alive).ifPresent(running::add);
    }
    running.sort((a, b) -> a.started().compareTo(b.started()));
    return running;
  }

  /** The running container of that id, or a one-line error that says how to find one. */
  public static Running find(String id) {
    Path dir = Container.STATE_ROOT.resolve(id);
    if (id.isEmpty() || id.contains("/") || !Files.isDirectory(dir)) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "no such container: " + id
          + ": ./lab ps lists the running containers");
    }
    Running container = read(dir).orElse(null);
    if (container == null || !container.alive()) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "container " + id + " is not running"
          + " (its lab or its PID 1 has ended, or it is still starting): ./lab ps lists the running"
          + " containers; ./lab clean removes what a killed lab left");
    }
    return container;
  }

  public Path stateDir() {
    return Container.STATE_ROOT.resolve(id);
  }

  /** How long the init has been running. */
  public Duration uptime() {
    return Duration.between(started, Instant.now());
  }

  /**
   * Its lab still runs (it is not a crashed lab's leftover), and so does its init, the same
   * process, which has become the command: until its execve the init is the lab's JVM
   * ({@code java ... init ID ...}), still building the container (its root not yet pivoted into).
   */
  boolean alive() {
    if (StateDir.abandoned(stateDir()) || !startOf(pid).map(started::equals).orElse(false)) {
      return false;
    }
    try {
      return !Kernel.readFile(Path.of("/proc/" + pid + "/cmdline")).contains("\0init\0" + id + "\0");
    } catch (IOException e) {
      return false; // it has just ended
    }
  }

  private static Optional<Instant> startOf(int pid) {
    return ProcessHandle.of(pid).flatMap(p -> p.info().startInstant());
  }

  private static Optional<Running> read(Path dir) {
    Properties properties = new Properties();
    try (InputStream in = Files.newInputStream(dir.resolve(FILE))) {
      properties.load(in);
    } catch (NoSuchFileException e) {
      return Optional.empty(); // not started yet, or never will: not running
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String started = properties.getProperty("started", "?");
    if (started.equals("?")) {
      return Optional.empty();
    }
    Map<String, String> facts = new java.util.TreeMap<>();
    for (String key : properties.stringPropertyNames()) {
      if (key.startsWith("fact.")) {
        facts.put(key.substring(5), properties.getProperty(key));
      }
    }
    int pid = Integer.parseInt(properties.getProperty("pid"));
    Instant start = Instant.parse(started);
    if (facts.containsKey("launcher")) { // lab 07: the init is the child of the last launcher
      if (!startOf(pid).map(start::equals).orElse(false)) {
        return Optional.empty();
      }
      pid = childOfLauncher(pid, facts.get("launcher"));
      Optional<Instant> child = startOf(pid);
      if (child.isEmpty()) {
        return Optional.empty();
      }
      start = child.get();
    }
    return Optional.of(new Running(dir.getFileName().toString(), properties.getProperty("lab"),
        properties.getProperty("name"), pid, start, properties.getProperty("command"), Map.copyOf(facts)));
  }

  /** Down the chain of launchers, each of which execs the next, to the child the last one forked. */
  private static int childOfLauncher(int pid, String last) {
    ProcessHandle process = ProcessHandle.of(pid).orElse(null);
    if (process == null || !process.info().command().orElse("").endsWith("/" + last)) {
      return pid; // not there yet: ./lab ps will not list it, as for an init still starting
    }
    return process.children().findFirst().map(p -> (int) p.pid()).orElse(pid);
  }
}
