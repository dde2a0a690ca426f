package containerlabs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the host looks like, seen from the test's own JVM (which is in the host's namespaces). */
public final class Host {
  private Host() {}

  public static String hostname() {
    return read(Path.of("/proc/sys/kernel/hostname")).strip();
  }

  /** This process's namespace of a kind ("uts", "pid", "mnt", "net"), e.g. {@code uts:[4026531838]}. */
  public static String namespace(String kind) {
    try {
      return Files.readSymbolicLink(Path.of("/proc/self/ns", kind)).toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static List<String> mountinfo() {
    return read(Path.of("/proc/self/mountinfo")).lines().toList();
  }

  /** Run a command on the host, for a test's own set-up; fail if it fails. */
  public static String sh(String script) {
    StringBuilder out = new StringBuilder();
    if (run(script, out) != 0) {
      throw new AssertionError("on the host, `" + script + "` failed: " + out);
    }
    return out.toString();
  }

  /** Run a command on the host and return what it printed, whatever its exit status. */
  public static String shQuiet(String script) {
    StringBuilder out = new StringBuilder();
    run(script, out);
    return out.toString();
  }

  private static int run(String script, StringBuilder out) {
    try {
      Process process = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
      out.append(new String(process.getInputStream().readAllBytes()));
      return process.waitFor();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static String read(Path path) {
    try {
      return Files.readString(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
