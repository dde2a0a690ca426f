package containerlabs.engine;

/** Exit statuses of a lab, as docker run has them; otherwise the command's own. */
public final class ExitStatus {
  /** The lab itself failed: bad input, or a kernel call refused. */
  public static final int RUNTIME_ERROR = 125;
  /** The command exists but cannot be executed. */
  public static final int CANNOT_EXECUTE = 126;
  /** The command was not found. */
  public static final int NOT_FOUND = 127;

  private ExitStatus() {}

  /** The shell's convention for a wait status: the exit code, or 128 + the killing signal. */
  public static int of(int waitStatus) {
    int signal = waitStatus & 0x7f;
    return signal == 0 ? (waitStatus >> 8) & 0xff : 128 + signal;
  }
}
