package containerlabs.grading;

import containerlabs.kernel.Kernel;
import containerlabs.kernel.SyscallException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Every process a grader started, orphans included. The grader is a child subreaper: a process
 * whose parent dies is re-parented to it rather than to PID 1, so a VM script killed half-way
 * cannot leave a qemu, a cpio or a test's container behind where nothing would find it (and go
 * on writing into a stage that is being removed).
 */
final class ProcessTree {
  private static final int PR_SET_CHILD_SUBREAPER = 36;

  private ProcessTree() {}

  static void adoptOrphans() {
    Kernel.prctl(PR_SET_CHILD_SUBREAPER, 1);
  }

  /** SIGKILL to every descendant of this JVM until none is left. */
  static void killAll(Process started) throws InterruptedException {
    for (int round = 0; round < 100; round++) {
      List<ProcessHandle> left = ProcessHandle.current().descendants().toList();
      if (left.isEmpty()) {
        return;
      }
      left.forEach(ProcessHandle::destroyForcibly);
      for (ProcessHandle child : ProcessHandle.current().children().toList()) {
        if (started == null || child.pid() != started.pid()) {
          // An orphan re-parented here: Java waits only for the processes it started, and a
          // killed process stays listed (a zombie) until its parent reaps it.
          try {
            Kernel.waitpid((int) child.pid());
          } catch (SyscallException e) {
            // ECHILD: reaped already, by Java if it was one of its own
          }
        }
      }
      if (started != null) {
        started.waitFor(100, TimeUnit.MILLISECONDS);
      }
    }
  }
}
