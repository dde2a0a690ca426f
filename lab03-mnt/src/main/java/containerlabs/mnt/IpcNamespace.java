package containerlabs.mnt;

import static containerlabs.kernel.CloneFlags.CLONE_NEWIPC;
import static containerlabs.kernel.MountFlags.MS_NODEV;
import static containerlabs.kernel.MountFlags.MS_NOEXEC;
import static containerlabs.kernel.MountFlags.MS_NOSUID;

import containerlabs.engine.Container;
import containerlabs.engine.ContainerException;
import containerlabs.engine.ExitStatus;
import containerlabs.engine.Feature;
import containerlabs.kernel.Kernel;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Lab 03: an IPC namespace, so that the container's System V IPC objects (shared memory,
 * semaphores, message queues) and POSIX message queues are its own. They are named by
 * numbers and keys anyone can guess, not by paths: a new mount table does not hide them.
 */
public class IpcNamespace implements Feature {
  @Option(names = "--ipc", paramLabel = "MODE",
      description = "host: share the host's IPC objects (default: the container's own).")
  String mode;

  @Override
  public void prepare(Container container) {
    if (mode != null && !mode.equals("host")) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "--ipc " + mode
          + ": unknown mode: give --ipc host, or leave it out for the container's own");
    }
  }

  // tag::ipc[]
  @Override
  public int namespaces() {
    // BEGIN SOLUTION(ask for a new IPC namespace, unless --ipc host; §3.3)
    return "host".equals(mode) ? 0 : CLONE_NEWIPC;
    // END SOLUTION
  }

  @Override
  public void initContainer(Container container) {
    if (mode == null && Files.isDirectory(Path.of("/dev/mqueue"))) {
      mountQueues("/dev/mqueue"); // over the host's, which lists the host's queues
    }
  }

  /**
   * Like procfs, an mqueue filesystem shows the IPC namespace of the process that mounts it:
   * mounted by the init, it lists the container's POSIX message queues, and only those.
   */
  public static void mountQueues(String dir) {
    Kernel.mount("mqueue", dir, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, null);
  }
  // end::ipc[]
}
