package containerlabs.engine;

import containerlabs.kernel.Kernel;
import java.util.concurrent.locks.LockSupport;

/**
 * CONTAINER_LABS_PAUSE=POINT stops the lab (or its init) at that point of the lifecycle,
 * to look at a half-made container from the host, or to kill it there as a crash would:
 * {@code created} (the state dir exists), {@code prepared} (the host's side is ready, the
 * init is not started yet), {@code setup} (in the init: everything is mounted, the command
 * is not started yet); and in ./lab exec, {@code exec-started} (its command runs, the
 * main thread has not yet caught up).
 */
final class Checkpoint {
  static final String VARIABLE = "CONTAINER_LABS_PAUSE";

  private Checkpoint() {}

  /** Pause here if asked to, until the lab is told to stop ({@code container} null: forever). */
  static void reached(String point, Container container) {
    if (point.equals(System.getenv(VARIABLE))) {
      // In the init, getpid() is the container's view (1): the pid to kill is the lab's.
      String lab = container == null ? "the lab's pid" : Integer.toString(Kernel.getpid());
      System.err.println("paused at " + point + " (" + VARIABLE + "): kill -9 " + lab + " to crash here");
      while (container == null || container.stopSignal() == 0) {
        LockSupport.parkNanos(10_000_000);
      }
    }
  }
}
