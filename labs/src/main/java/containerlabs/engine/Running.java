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
import java.util.LinkedHashMap;
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
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("lab", lab.getName());
    properties.put("name", labName);
    properties.put("pid", Integer.toString(pid));
    properties.put("started", startOf(pid).map(Instant::toString).orElse("?"));
    properties.put("command", String.join(" ", container.command()));
    container.facts().forEach((key, value) -> properties.put("fact." + key, value));
    StringBuilder text = new StringBuilder("# the container's init, for ./lab ps and ./lab exec\n");
    properties.forEach((key, value) ->
        text.append(escaped(key, true)).append('=').append(escaped(value, false)).append('\n'));
    try {
      Files.writeString(container.stateDir().resolve(FILE), text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * As Properties.store writes a key or value, so that Properties.load reads it back whatever
   * it holds (a command may hold "=", a line break, any character). Not store() itself: it
   * heads the file with the date, and loading the time zone for it took 36 to 56 ms in a fresh
   * JVM (see the guide's appendix, "Start-up time").
   */
  static String escaped(String text, boolean key) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\f' -> out.append("\\f");
        case '=', ':', '#', '!' -> out.append('\\').append(c);
        case ' ' -> out.append(key || i == 0 ? "\\ " : " ");
        default -> {
          if (c < 0x20 || c > 0x7e) {
            out.append("\\u");
            for (int shift = 12; shift >= 0; shift -= 4) {
              out.append(Character.forDigit((c >> shift) & 0xf, 16));
            }
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
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
