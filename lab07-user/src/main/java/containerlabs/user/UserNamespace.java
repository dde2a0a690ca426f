package containerlabs.user;

import static containerlabs.kernel.CloneFlags.CLONE_NEWIPC;
import static containerlabs.kernel.CloneFlags.CLONE_NEWNET;
import static containerlabs.kernel.CloneFlags.CLONE_NEWUTS;

import containerlabs.cgroups.Cgroups;
import containerlabs.engine.Container;
import containerlabs.engine.ContainerException;
import containerlabs.engine.ExitStatus;
import containerlabs.engine.Feature;
import containerlabs.engine.Running;
import containerlabs.kernel.Kernel;
import containerlabs.kernel.Trace;
import containerlabs.rootfs.RootFilesystem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Lab 07: a user namespace, so that root in the container is an unprivileged uid on the host.
 * Its uid_map says which host ids the namespace's ids are: with "0 100000 65536", root (0)
 * inside is 100000 outside, 1 is 100001, and so on for 65536 ids.
 *
 * <p>A JVM cannot make one: unshare(CLONE_NEWUSER) refuses a process with more than one
 * thread. So, as runc runs its C {@code nsexec} before the Go runtime starts its threads,
 * single-threaded programs make it: a holder ({@code unshare --user}) that only waits, whose
 * maps the lab writes; then the init's launcher, {@code nsenter} into it as uid 0, and
 * {@code unshare} of the namespaces left, which the new user namespace then owns.
 */
public class UserNamespace implements Feature {
  /** The namespaces the holder makes with the user namespace: the container's thread configures them. */
  private static final int HELD = CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET;

  @Option(names = "--userns", paramLabel = "host",
      description = "host: the host's user namespace, root is root (default: a new one, root is uid 100000 outside).")
  String mode;

  @Option(names = "--userns-range", paramLabel = "START:COUNT",
      description = "The host ids the container's ids 0 to COUNT-1 are (default: 100000:65536).")
  String range = "100000:65536";

  /** The waiting process that holds the user namespace until the init has joined it. */
  private Holder holder;
  /** The namespaces it holds besides its user namespace. */
  private int held;

  /** Whether the container gets a user namespace of its own (not with --userns host). */
  public boolean enabled() {
    return !"host".equals(mode);
  }

  @Override
  public void prepare(Container container) {
    if (mode != null && !mode.equals("host")) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "--userns " + mode
          + ": unknown mode: give --userns host, or leave it out for a user namespace of the container's own");
    }
    if (!enabled()) {
      return;
    }
    count(); // a bad --userns-range: its one-line error, before anything is made
    int start = start();
    // The init is uid `start` from its first instruction: what it reads must be its own.
    // The container's writable layer, its configuration layer and state: owned by its root.
    Path layer = RootFilesystem.CONTAINERS.resolve(container.id());
    IdShift.chownTree(layer.resolve("upper"), start);
    IdShift.chownTree(layer.resolve("work"), start);
    IdShift.chownTree(container.stateDir(), start);
    // Delegation, as systemd does it: the container's root may move its own processes into
    // its own cgroups (lab 06's init does), never change their limits (those files stay root's).
    for (Path dir : Cgroups.dirs(container)) {
      IdShift.chown(dir.resolve("cgroup.procs"), start);
    }
  }

  /** An image's layer as the container's root sees it: a copy with every owner shifted by START. */
  public Path imageLayer(Path layer) {
    return IdShift.shiftedLayer(layer, start());
  }

  // tag::holder[]
  @Override
  public boolean makeNamespaces(Container container, int namespaces) {
    if (!enabled()) {
      return false;
    }
    if ((namespaces & CLONE_NEWNET) == 0) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "--net host and --net ns:NAME keep a network"
          + " namespace of the host's, where root in a user namespace may not mount /sys: add --userns host");
    }
    if ((namespaces & CLONE_NEWIPC) == 0) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "--ipc host keeps the host's IPC namespace,"
          + " where root in a user namespace may not mount /dev/mqueue: add --userns host");
    }
    held = namespaces & HELD;
    // BEGIN SOLUTION(start the holder in a new user namespace, write its uid_map and gid_map, join what it holds; §7.3)
    List<String> command = new ArrayList<>(List.of("unshare", "--user"));
    command.addAll(Holder.options(held)); // --uts --ipc --net
    command.addAll(List.of("--", "cat")); // cat waits, till the lab closes its stdin (or dies)
    holder = Holder.start(command);
    int pid = holder.pid();
    // The parent writes the maps, once, for the whole namespace: "ID-INSIDE ID-OUTSIDE COUNT".
    // The lab is root on the host, so it may map any ids (an unprivileged writer could map only
    // its own uid, and would first have to write "deny" to setgroups to map its gid).
    writeMap(pid, "uid_map", "0 " + start() + " " + count());
    writeMap(pid, "gid_map", "0 " + start() + " " + count());
    // The holder made the UTS, IPC and network namespaces too, owned by its user namespace.
    // This thread joins them (the host's root may: it owns that user namespace), and the
    // earlier labs set the hostname and plug the veth in, here, as they did after unshare.
    for (Map.Entry<Integer, String> ns : Map.of(CLONE_NEWUTS, "uts", CLONE_NEWNET, "net").entrySet()) {
      if ((held & ns.getKey()) != 0) {
        int fd = Kernel.open("/proc/" + pid + "/ns/" + ns.getValue());
        Kernel.setns(fd, ns.getKey());
        Kernel.close(fd);
      }
    }
    return true;
    // END SOLUTION
  }
  // end::holder[]

  // tag::launcher[]
  @Override
  public List<String> launchInit(Container container, List<String> argv) {
    if (!enabled()) {
      return argv;
    }
    // For ./lab ps: the process the lab starts is the first launcher; PID 1 is what the last forks.
    container.facts().put("launcher", "timeout");
    List<String> launcher = new ArrayList<>();
    // 1. sh, still root on the host: into the container's cgroups, before anything forks.
    launcher.addAll(List.of("/bin/sh", "-c", joinCgroups(container) + "exec \"$@\"", "launch"));
    // BEGIN SOLUTION(nsenter the holder's namespaces as uid 0, then unshare the mount and PID namespaces, fork and run the init; §7.3)
    // 2. nsenter: into the holder's user namespace (and what it holds), as uid 0 there. Mapped
    //    now, uid 0 keeps its capabilities through execve: in this namespace only.
    launcher.addAll(List.of(Holder.path("nsenter"), "--target", Integer.toString(holder.pid()), "--user"));
    launcher.addAll(Holder.options(held));
    launcher.addAll(List.of("--setuid", "0", "--setgid", "0", "--"));
    // 3. setpriv: die with the lab (nsenter's change of uid cleared any parent-death signal).
    launcher.addAll(List.of(Holder.path("setpriv"), "--pdeathsig", "KILL", "--"));
    // 4. unshare: mount and PID namespaces, made now, so owned by the user namespace.
    launcher.addAll(List.of(Holder.path("unshare"), "--mount", "--pid", "--"));
    // 5. timeout, with no time limit: it forks the init, PID 1 of the new PID namespace as the
    //    first child there, forwards the lab's SIGTERM to it and exits as it does, SIGKILL
    //    included (unshare --fork would too, but util-linux 2.38 turns a SIGKILL into exit 1).
    launcher.addAll(List.of(Holder.path("timeout"), "--foreground", "0"));
    // END SOLUTION
    launcher.addAll(InitClassPath.readableBy(start(), argv));
    Trace.note("the init's launcher: " + String.join(" ", launcher.subList(0, launcher.indexOf("--foreground") + 2))
        + " java ... init");
    return launcher;
  }
  // end::launcher[]

  // tag::join[]
  /**
   * ./lab exec: the container's user namespace is joined as the init's was, by nsenter (a
   * single-threaded C program, as runc exec's nsexec), as uid 0 there; a second ./lab exec
   * JVM then joins the other namespaces, which that user namespace owns.
   */
  @Override
  public List<String> launchJoin(Running target, List<String> again) {
    int start = mappedRoot(target.pid());
    if (start == 0) {
      return again; // --userns host: the host's
    }
    // No setpriv --pdeathsig here, unlike the init's launcher: the "parent" whose death it
    // watches is the thread that started it, and exec's ends as soon as the command starts.
    List<String> launcher = new ArrayList<>(List.of(Holder.path("nsenter"), "--target",
        Integer.toString(target.pid()), "--user", "--setuid", "0", "--setgid", "0", "--"));
    launcher.addAll(InitClassPath.readableBy(start, again));
    return launcher;
  }
  // end::join[]

  /** The host uid that root in the process's user namespace is: its uid_map's line for 0. */
  private static int mappedRoot(int pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "uid_map"))) {
        String[] fields = line.trim().split("\\s+");
        if (fields[0].equals("0")) {
          return Integer.parseInt(fields[1]);
        }
      }
    } catch (IOException e) {
      // the process has gone: the join that follows says so
    }
    return 0;
  }

  /** On every path: the holder goes (the init, if it ran, keeps the user namespace alive). */
  @Override
  public void cleanUp(Container container) {
    if (holder != null) {
      holder.end();
      holder = null;
    }
  }

  // tag::maps[]
  private static void writeMap(int pid, String file, String line) {
    Path map = Path.of("/proc", Integer.toString(pid), file);
    Trace.call("write(" + map + ", \"" + line + "\")", "echo " + line + " > " + map);
    try {
      Files.writeString(map, line + "\n");
    } catch (IOException e) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "cannot write " + map + " (" + e.getMessage()
          + "): the ids " + line + " must not overlap, and --userns-range must be within 0:4294967295");
    }
  }
  // end::maps[]

  /** sh's commands that put itself in each cgroup of the container, while it is root on the host. */
  private static String joinCgroups(Container container) {
    StringBuilder script = new StringBuilder();
    for (Path dir : Cgroups.dirs(container)) {
      script.append("echo $$ > ").append(dir.resolve("cgroup.procs")).append(" && ");
    }
    return script.toString();
  }

  private int start() {
    return Range.parse(range).start();
  }

  private int count() {
    return Range.parse(range).count();
  }
}
