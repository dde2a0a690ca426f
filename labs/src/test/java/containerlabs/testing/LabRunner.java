package containerlabs.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a lab as a learner does, {@code java -cp … LabNN [ARGS]}, in a JVM of its own, and
 * returns what it printed and its exit status. The lab's class path is this test's.
 */
public final class LabRunner {
  private static final long TIMEOUT_SECONDS = 60;
  private final Class<?> lab;

  private LabRunner(Class<?> lab) {
    this.lab = lab;
  }

  public static LabRunner of(Class<?> lab) {
    return new LabRunner(lab);
  }

  /** Run the lab with these arguments to its end. */
  public Result run(String... args) {
    return finish(start(args));
  }

  /** Start the lab with its stdin, stdout and stderr as pipes, for a test to talk to. */
  public Process start(String... args) {
    return start(javaCommand(System.getProperty("java.class.path"), args), null, Map.of());
  }

  /** Start the lab as {@link #start} does, with these variables added to its environment. */
  public Process startWith(Map<String, String> environment, String... args) {
    return start(javaCommand(System.getProperty("java.class.path"), args), null, environment);
  }

  /** Run the lab as the unprivileged user nobody (with a copy of the class path nobody can read). */
  public Result runAsNobody(String... args) throws IOException {
    Path copy = Files.createTempDirectory("container-labs-cp");
    try {
      List<String> entries = new ArrayList<>();
      int n = 0;
      for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
        Path source = Path.of(entry);
        Path target = copy.resolve(n++ + "-" + source.getFileName());
        copyTree(source, target);
        entries.add(target.toString());
      }
      copy.toFile().setReadable(true, false);
      copy.toFile().setExecutable(true, false);
      List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534",
          "--clear-groups"));
      command.addAll(javaCommand(String.join(File.pathSeparator, entries), args));
      return finish(start(command, copy, Map.of()));
    } finally {
      deleteTree(copy);
    }
  }

  /** The command line that runs the lab, for a test that must start it some other way. */
  public List<String> commandLine(String... args) {
    return javaCommand(System.getProperty("java.class.path"), args);
  }

  private List<String> javaCommand(String classPath, String... args) {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
        "-cp", classPath, lab.getName()));
    command.addAll(Arrays.asList(args));
    return command;
  }

  private static Process start(List<String> command, Path workDir, Map<String, String> environment) {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    builder.environment().putAll(environment);
    if (workDir != null) {
      builder.directory(workDir.toFile());
    }
    try {
      return builder.start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + command, e);
    }
  }

  /** Wait for a started lab to end (closing its stdin first) and collect its output. */
  public static Result finish(Process process) {
    try {
      process.getOutputStream().close();
      // Read both pipes while it runs, or a chatty lab blocks on a full pipe.
      var stderr = process.getErrorStream();
      var err = new java.util.concurrent.CompletableFuture<String>();
      Thread reader = new Thread(() -> {
        try {
          err.complete(new String(stderr.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
          err.completeExceptionally(e);
        }
      });
      reader.start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("the lab did not end within " + TIMEOUT_SECONDS + " s");
      }
      return new Result(process.exitValue(), out, err.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    } catch (Exception e) {
      process.destroyForcibly();
      throw new AssertionError("running the lab failed: " + e, e);
    }
  }

  private static void copyTree(Path source, Path target) throws IOException {
    try (var paths = Files.walk(source)) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        Path to = target.resolve(source.relativize(path).toString());
        Files.copy(path, to);
        to.toFile().setReadable(true, false);
        if (Files.isDirectory(to)) {
          to.toFile().setExecutable(true, false);
        }
      }
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      for (Path path : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.delete(path);
      }
    }
  }

  /** What a lab run printed, and how it ended. */
  public record Result(int exitStatus, String stdout, String stderr) {
    /** stdout without its last newline. */
    public String out() {
      return stdout.strip();
    }

    public List<String> lines() {
      return stdout.lines().toList();
    }

    @Override
    public String toString() {
      return "exit status " + exitStatus + "\n--- stdout:\n" + stdout + "--- stderr:\n" + stderr;
    }
  }
}
