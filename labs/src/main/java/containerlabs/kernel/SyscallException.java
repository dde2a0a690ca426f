package containerlabs.kernel;

/**
 * A kernel call failed. The message names the call as it was made and the error, e.g.
 * {@code mount("proc", "/proc", "proc", 0, NULL) failed: EPERM (Operation not permitted)}.
 */
public final class SyscallException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int errno;

  public SyscallException(String call, int errno) {
    super(call + " failed: " + Errno.name(errno) + " (" + LibC.INSTANCE.strerror(errno) + ")");
    this.errno = errno;
  }

  public int errno() {
    return errno;
  }

  public String errnoName() {
    return Errno.name(errno);
  }
}
