package containerlabs.pid;

import static containerlabs.kernel.CloneFlags.CLONE_NEWPID;

import containerlabs.engine.Feature;

/**
 * Lab 02: a PID namespace, so that the command is PID 1 and sees only its own processes'
 * numbers.
 *
 * <p>unshare(CLONE_NEWPID) does not move the calling thread: it puts the <em>next child</em>
 * in the new namespace, as its PID 1. The engine's container thread starts the init right
 * after, so the init, and the command it becomes, is PID 1. When PID 1 ends, the kernel
 * kills every other process in the namespace.
 *
 * <p>{@code ps} still lists the host's processes: it reads /proc, and that /proc was mounted
 * for the host's PID namespace. Lab 03 mounts a new one.
 */
public class PidNamespace implements Feature {
  // tag::namespace[]
  @Override
  public int namespaces() {
    // BEGIN SOLUTION(ask for a new PID namespace; §2.3)
    return CLONE_NEWPID;
    // END SOLUTION
  }
  // end::namespace[]
}
