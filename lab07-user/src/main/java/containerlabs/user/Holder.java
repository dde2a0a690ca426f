package containerlabs.user;

import static containerlabs.kernel.CloneFlags.CLONE_NEWIPC;
import static containerlabs.kernel.CloneFlags.CLONE_NEWNET;
import static containerlabs.kernel.CloneFlags.CLONE_NEWUTS;

import containerlabs.engine.ContainerException;
import containerlabs.engine.ExitStatus;
import containerlabs.kernel.Trace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The process that holds the container's user namespace while the lab writes its maps and
 * configures what it holds: {@code unshare --user ... -- cat}, single-threaded. cat reads its
 * stdin, a pipe from the lab: it ends when the lab closes it, or when the lab dies.
 */
final class Holder {
  private static final List<String> BIN = List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin");
  private final Process process;

  private Holder(Process process) {
    this.process = process;
  }

  /** Start {@code command} (its programs found in /usr/bin, /bin...) and wait until it is in a user namespace of its own. */
  static Holder start(List<String> command) {
    List<String> argv = new ArrayList<>(command);
    argv.set(0, path(argv.get(0)));
    argv.set(argv.size() - 1, path(argv.get(argv.size() - 1)));
    Process process;
    try {
      process = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    } catch (IOException e) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "cannot start " + argv.get(0) + ": " + e.getMessage());
    }
    Holder holder = new Holder(process);
    Trace.call(String.join(" ", command) + " = " + holder.pid(), "a single-threaded process makes the user namespace");
    holder.awaitUserNamespace();
    return holder;
  }

  int pid() {
    return (int) process.pid();
  }

  /** unshare makes the namespace right after it starts: a few milliseconds. */
  private void awaitUserNamespace() {
    Path own = Path.of("/proc/self/ns/user");
    Path its = Path.of("/proc", Integer.toString(pid()), "ns", "user");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    try {
      while (Files.readSymbolicLink(its).equals(Files.readSymbolicLink(own))) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          throw new ContainerException(ExitStatus.RUNTIME_ERROR, "unshare --user did not make a user namespace"
              + " (is user.max_user_namespaces 0? sysctl user.max_user_namespaces shows it)");
        }
        Thread.sleep(1);
      }
    } catch (IOException | InterruptedException e) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "the user namespace's holder ended at once: " + e);
    }
  }

  /** The holder's stdin closed: cat ends, and its namespaces with it unless the init is in them. */
  void end() {
    try {
      process.getOutputStream().close();
      if (!process.waitFor(2, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
      }
    } catch (IOException | InterruptedException e) {
      process.destroyForcibly();
    }
  }

  /** unshare's and nsenter's options for these namespaces: {@code --uts --ipc --net}. */
  static List<String> options(int namespaces) {
    List<String> options = new ArrayList<>();
    if ((namespaces & CLONE_NEWUTS) != 0) {
      options.add("--uts");
    }
    if ((namespaces & CLONE_NEWIPC) != 0) {
      options.add("--ipc");
    }
    if ((namespaces & CLONE_NEWNET) != 0) {
      options.add("--net");
    }
    return options;
  }

  /** Where a program is: the init's launchers get no PATH, as the init gets none. */
  static String path(String program) {
    for (String dir : BIN) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return dir + "/" + program;
      }
    }
    throw new ContainerException(ExitStatus.RUNTIME_ERROR, program + " is not installed (util-linux has"
        + " unshare, nsenter and setpriv): apt-get install util-linux");
  }
}
