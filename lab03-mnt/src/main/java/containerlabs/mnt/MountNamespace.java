package containerlabs.mnt;

import static containerlabs.kernel.CloneFlags.CLONE_NEWNS;
import static containerlabs.kernel.MountFlags.MS_NODEV;
import static containerlabs.kernel.MountFlags.MS_NOEXEC;
import static containerlabs.kernel.MountFlags.MS_NOSUID;
import static containerlabs.kernel.MountFlags.MS_PRIVATE;
import static containerlabs.kernel.MountFlags.MS_REC;

import containerlabs.engine.Container;
import containerlabs.engine.Feature;
import containerlabs.kernel.Kernel;

/**
 * Lab 03: a mount namespace, so that what the container mounts is its own, and a /proc of
 * the container's PID namespace, so that {@code ps} shows only the container's processes.
 */
public class MountNamespace implements Feature {
  @Override
  public int namespaces() {
    // BEGIN SOLUTION(ask for a new mount namespace; §3.3)
    return CLONE_NEWNS;
    // END SOLUTION
  }

  // tag::mounts[]
  @Override
  public void initContainer(Container container) {
    // The new mount namespace is a copy of the host's, and a copied mount that was shared
    // is still shared with the host's (systemd makes / shared): a mount made under it would
    // appear on the host too. Cut every mount off first, recursively.
    // BEGIN SOLUTION(make every mount private, then mount a new /proc; §3.3)
    Kernel.mount("none", "/", null, MS_REC | MS_PRIVATE, null);

    // procfs shows the PID namespace of the process that mounts it. The init is PID 1 of
    // the container's, so this /proc, over the host's, lists only the container.
    Kernel.mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, null);
    // END SOLUTION
  }
  // end::mounts[]
}
