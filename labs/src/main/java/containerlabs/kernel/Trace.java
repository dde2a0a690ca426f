package containerlabs.kernel;

import java.io.PrintStream;

/**
 * The narration behind {@code --trace}: every kernel call a lab makes, in order, with its
 * arguments and the shell command that does the same, e.g.
 * <pre>[lab 4711]  unshare(CLONE_NEWUTS)                  # unshare --uts</pre>
 * The lab and its init (a second process) both narrate to the same stderr.
 */
public final class Trace {
  private static volatile PrintStream out;
  private static volatile String who;

  private Trace() {}

  /** Start narrating as {@code side} ("lab" or "init"), labelled with this process's pid. */
  public static void enable(String side, PrintStream stream) {
    who = "[" + side + " " + LibC.INSTANCE.getpid() + "]";
    out = stream;
  }

  public static void disable() {
    out = null;
  }

  public static boolean enabled() {
    return out != null;
  }

  /** One kernel call; {@code shell} may be null where no command does the same. */
  public static void call(String call, String shell) {
    PrintStream stream = out;
    if (stream == null) {
      return;
    }
    String line = String.format("%-12s %s", who, call);
    if (shell != null) {
      line = String.format("%-70s # %s", line, shell);
    }
    stream.println(line);
    stream.flush();
  }

  /** A step that is not a kernel call but helps to follow the story. */
  public static void note(String text) {
    PrintStream stream = out;
    if (stream != null) {
      stream.println(String.format("%-12s # %s", who, text));
      stream.flush();
    }
  }
}
