package containerlabs.engine;

import static containerlabs.kernel.CloneFlags.CLONE_FS;
import static containerlabs.kernel.CloneFlags.CLONE_NEWCGROUP;
import static containerlabs.kernel.CloneFlags.CLONE_NEWIPC;
import static containerlabs.kernel.CloneFlags.CLONE_NEWNET;
import static containerlabs.kernel.CloneFlags.CLONE_NEWNS;
import static containerlabs.kernel.CloneFlags.CLONE_NEWPID;
import static containerlabs.kernel.CloneFlags.CLONE_NEWUTS;

import containerlabs.kernel.Kernel;
import containerlabs.kernel.SyscallException;
import containerlabs.kernel.Trace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./lab exec}: run one more command inside a running container, as
 * {@code nsenter -t PID -a} and {@code docker exec} do. A namespace is joined with setns(2)
 * on a descriptor of the container's /proc/PID/ns/ file; like unshare, setns changes only
 * the calling thread. So: one fresh platform thread, which joins everything the container's
 * PID 1 is in, starts the command, and ends.
 */
final class Join {
  /**
   * util-linux nsenter's order, which puts the user namespace first (it decides what the
   * caller may do in all the others; see joinAndSpawn) and the mount namespace last: after
   * it, the host's paths are gone.
   */
  private static final Map<String, Integer> NAMESPACES = new LinkedHashMap<>();

  static {
    NAMESPACES.put("cgroup", CLONE_NEWCGROUP);
    NAMESPACES.put("ipc", CLONE_NEWIPC);
    NAMESPACES.put("uts", CLONE_NEWUTS);
    NAMESPACES.put("net", CLONE_NEWNET);
    NAMESPACES.put("pid", CLONE_NEWPID);
    NAMESPACES.put("mnt", CLONE_NEWNS);
  }

  private final Running target;
  private final List<String> command;
  private final List<Feature> features;
  private final List<String> again;
  private final Terminal terminal = new Terminal();

  Join(Running target, List<String> command, List<Feature> features, List<String> again) {
    this.target = target;
    this.command = List.copyOf(command);
    this.features = features;
    this.again = List.copyOf(again);
  }

  /** Run the command in the container to its end; its exit status. */
  int run() {
    // As the container's own thread: after setns(CLONE_NEWPID) this thread can start no
    // threads, JNA's among them; so they start now.
    Kernel.startHelperThreads();
    // And after its chroot, it could load no class from a folder of the class path (the init's rule).
    ClassDirectories.preload();
    Container process = new Container(target.id(), command);
    int[] pid = new int[1];
    Throwable[] failure = new Throwable[1];
    // Signals are forwarded from before the command starts: a Ctrl-C in between must not end
    // this JVM and leave the command running without it.
    try (Engine.SignalForwarding forwarding = new Engine.SignalForwarding(process)) {
      Thread thread = new Thread(() -> {
        try {
          pid[0] = joinAndSpawn(process);
          // Published at once: a signal from now on is forwarded to the command, and one that
          // came while it started reaches it now, as it would have a moment later.
          if (process.started(pid[0])) {
            try {
              Kernel.kill(pid[0], process.stopSignal());
            } catch (SyscallException e) {
              // ESRCH: it has already ended
            }
          }
        } catch (RuntimeException | Error e) {
          failure[0] = e;
        }
      }, "exec-" + target.id());
      thread.start();
      joinUninterruptibly(thread);
      leaveV2Cgroup();
      if (failure[0] instanceof RuntimeException e) {
        throw e;
      } else if (failure[0] != null) {
        throw (Error) failure[0];
      }
      Checkpoint.reached("exec-started", process);
      terminal.giveTo(pid[0]);
      // The thread that started it has ended: its children are this process's, and any
      // thread of the process may wait for them.
      int status = Kernel.waitpid(pid[0]);
      process.reaped();
      terminal.takeBack();
      return ExitStatus.of(status);
    }
  }

  // tag::join[]
  private int joinAndSpawn(Container container) {
    int pid1 = target.pid();
    if (!sameNamespace(pid1, "user")) {
      return joinUserNamespaceFirst(pid1);
    }
    // Every descriptor first: once in the container's mount namespace, the host's /proc is gone.
    Map<Integer, Integer> joined = new LinkedHashMap<>();
    NAMESPACES.forEach((name, type) -> {
      if (!sameNamespace(pid1, name)) {
        joined.put(Kernel.open("/proc/" + pid1 + "/ns/" + name), type);
      }
    });
    int root = Kernel.open("/proc/" + pid1 + "/root"); // the container's / after its pivot_root
    if (!target.alive()) { // the pid was given to another process just before the opens
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "container " + target.id()
          + " has just ended: ./lab ps lists the running containers");
    }
    Map<String, String> environment = environmentOf(pid1);
    // This thread shares its root and working folder with the whole JVM (CLONE_FS), and the
    // kernel lets no thread change the mount namespace of a root that others share: setns
    // into a mount namespace fails with EINVAL until the thread has a copy of its own.
    Kernel.unshare(CLONE_FS);
    joinCgroups(); // by the host's paths, so before the mount namespace
    joined.forEach((fd, type) -> {
      Kernel.setns(fd, type);
      Kernel.close(fd);
    });
    // setns(CLONE_NEWNS) puts the thread at the top of the namespace's root mount: a
    // container that pivoted has its root there, one that chroot'ed (lab 04's --chroot) has
    // not. PID 1's own root is the container's either way (as nsenter --root takes it).
    Kernel.fchdir(root);
    Kernel.chroot(".");
    Kernel.chdir("/");
    Kernel.close(root);
    // Found in the container's PATH and files: this thread's root is the container's now.
    String path = CommandPath.resolve(command.get(0), environment.getOrDefault("PATH", "/bin"));
    for (Feature feature : features) {
      feature.joinContainer(container);
    }
    List<String> envp = new ArrayList<>();
    environment.forEach((name, value) -> envp.add(name + "=" + value));
    try {
      // setns(CLONE_NEWPID) moved not this thread but its children to come: the command is
      // a process of the container, and dies with its PID 1.
      return Kernel.spawn(path, command, String.join(" ", command), envp, terminal.interactive());
    } catch (SyscallException e) {
      throw CommandPath.execveFailed(path, e);
    }
  }
  // end::join[]

  /**
   * setns(CLONE_NEWUSER), like unshare(CLONE_NEWUSER), refuses a process with more than one
   * thread. So a single-threaded program joins the container's user namespace (lab 07's
   * launcher) and starts this ./lab exec again in it, where it joins the rest as above. The
   * cgroups are joined first, here, by the host's root: the second JVM is born in them.
   */
  private int joinUserNamespaceFirst(int pid1) {
    if (!target.alive()) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "container " + target.id()
          + " has just ended: ./lab ps lists the running containers");
    }
    List<String> launcher = again;
    for (Feature feature : features) {
      launcher = feature.launchJoin(target, launcher);
    }
    if (launcher.equals(again)) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "container " + target.id() + " has a user"
          + " namespace that no feature of its lab made, which a JVM cannot join: use nsenter -t " + pid1 + " -a");
    }
    joinCgroups();
    List<String> environment = new ArrayList<>(List.of(InitCommand.LOCALE));
    if (System.getenv("PATH") != null) {
      environment.add("PATH=" + System.getenv("PATH"));
    }
    String shown = String.join(" ", launcher.subList(0, launcher.size() - again.size()))
        + " java ... Exec " + target.id() + " -- " + String.join(" ", command);
    return Kernel.spawn(launcher, shown, environment, terminal.interactive());
  }

  private boolean sameNamespace(int pid, String name) {
    try {
      return Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + name))
          .equals(Files.readSymbolicLink(Path.of("/proc/thread-self/ns/" + name)));
    } catch (IOException e) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "container " + target.id()
          + " has just ended (" + e.getMessage() + "): ./lab ps lists the running containers");
    }
  }

  /** The command's environment as the container's PID 1 started with it: PATH, HOME, TERM. */
  private static Map<String, String> environmentOf(int pid) {
    Map<String, String> environment = new LinkedHashMap<>();
    try {
      for (String entry : Kernel.readFile(Path.of("/proc/" + pid + "/environ")).split("\0")) {
        int equals = entry.indexOf('=');
        if (equals > 0) {
          environment.put(entry.substring(0, equals), entry.substring(equals + 1));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return environment;
  }

  /**
   * Into the container's cgroups (lab 06 records them), before the command starts: nothing it
   * forks may escape the limits. cgroup v1 moves a single thread (its "tasks" file), and the
   * command is born where the thread is. v2 moves whole processes only: this JVM goes in
   * for the moment it takes to start the command, and back out after ({@link #leaveV2Cgroup}).
   */
  private void joinCgroups() {
    for (String line : HostResources.recorded(target.stateDir())) {
      if (line.startsWith("cgroup ")) {
        Path dir = Path.of(line.substring("cgroup ".length()));
        if (member(dir)) {
          continue; // the second JVM of a lab 07 exec: born there
        }
        if (Files.exists(dir.resolve("tasks"))) {
          write(dir.resolve("tasks"), "0"); // "0": the thread that writes
        } else {
          // <v2 mount>/container-labs/<id>; this JVM's own is "0::/its/path" in /proc/self/cgroup.
          leaveTo = dir.getParent().getParent().resolve(ownV2Cgroup().substring(1));
          write(dir.resolve("cgroup.procs"), "0");
        }
      }
    }
  }

  private static boolean member(Path cgroup) {
    try {
      return Files.readAllLines(cgroup.resolve("cgroup.procs")).contains(Long.toString(ProcessHandle.current().pid()));
    } catch (IOException e) {
      return false;
    }
  }

  /** The v2 cgroup this JVM left for the container's, or null. */
  private volatile Path leaveTo;

  private void leaveV2Cgroup() {
    if (leaveTo != null) {
      write(leaveTo.resolve("cgroup.procs"), "0");
    }
  }

  private static String ownV2Cgroup() {
    try {
      return Files.readAllLines(Path.of("/proc/self/cgroup")).stream().filter(l -> l.startsWith("0::"))
          .findFirst().orElseThrow().substring(3);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path file, String value) {
    Trace.call("write(" + file + ", \"" + value + "\")", "echo " + value + " > " + file);
    try {
      Files.writeString(file, value);
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + value + " to " + file + ": " + e.getMessage(), e);
    }
  }

  private static void joinUninterruptibly(Thread thread) {
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        // the command is starting: wait for it all the same
      }
    }
  }
}
