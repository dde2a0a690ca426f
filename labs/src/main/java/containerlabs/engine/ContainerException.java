package containerlabs.engine;

/**
 * A failure the user can act on: the message is one line that names the problem and the
 * fix, and the exit status follows docker's (125, 126, 127). The labs and the tools report
 * it, and its kinds (a bad image, a part of a lab not written yet), in one line.
 */
public class ContainerException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int exitStatus;

  public ContainerException(int exitStatus, String message) {
    super(message);
    this.exitStatus = exitStatus;
  }

  public ContainerException(int exitStatus, String message, Throwable cause) {
    super(message, cause);
    this.exitStatus = exitStatus;
  }

  public int exitStatus() {
    return exitStatus;
  }
}
