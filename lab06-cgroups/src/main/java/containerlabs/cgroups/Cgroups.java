package containerlabs.cgroups;

import static containerlabs.kernel.CloneFlags.CLONE_NEWCGROUP;
import static containerlabs.kernel.MountFlags.MS_BIND;
import static containerlabs.kernel.MountFlags.MS_NODEV;
import static containerlabs.kernel.MountFlags.MS_NOEXEC;
import static containerlabs.kernel.MountFlags.MS_NOSUID;
import static containerlabs.kernel.MountFlags.MS_RDONLY;
import static containerlabs.kernel.MountFlags.MS_REMOUNT;

import containerlabs.engine.Container;
import containerlabs.engine.ContainerException;
import containerlabs.engine.ExitStatus;
import containerlabs.engine.Feature;
import containerlabs.kernel.Kernel;
import containerlabs.kernel.SyscallException;
import containerlabs.kernel.Trace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * Lab 06: a control group, so that the container cannot take more memory, processes or CPU
 * than it was given. The container's cgroup is a folder in the cgroup filesystem; its limits
 * are files in it; a process is in it once its pid is written to its cgroup.procs.
 */
public class Cgroups implements Feature {
  private static final long PERIOD_MICROS = 100_000;
  private static final String STATE = "cgroups";

  @Option(names = {"-m", "--memory"}, paramLabel = "SIZE",
      description = "Memory limit (k, m, g suffixes), swap included.")
  String memory;

  @Option(names = "--pids-limit", paramLabel = "N", description = "At most N processes and threads.")
  String pidsLimit; // text: a bad one gets Limits' one-line error (exit 125), not a usage (exit 2)

  @Option(names = "--cpus", paramLabel = "CPUS", description = "CPU time, in CPUs (0.5: half of one).")
  String cpus;

  @Option(names = "--stats", description = "At exit, print peak memory, CPU time and pids.")
  boolean stats;

  private long startNanos;
  /** The container's cgroup folders, as the init read them when it joined them. */
  private List<Path> joined = List.of();

  @Override
  public void prepare(Container container) {
    Long memoryBytes = memory == null ? null : Limits.memory(memory);
    Integer pids = pidsLimit == null ? null : Limits.pids(pidsLimit);
    Long quota = cpus == null ? null : Limits.cpuQuotaMicros(cpus);
    CgroupLayout layout = CgroupLayout.detect();
    Map<String, Path> dirs = cgroups(layout, container, memoryBytes != null, pids != null, quota != null);
    record(container, dirs.values());
    // Written down before they are made: whichever lab runs next removes them, even if this
    // lab is killed (a cgroup goes with rmdir, once no process is left in it).
    dirs.values().stream().distinct().forEach(container.madeOnHost()::cgroup);
    Set<String> v2 = new LinkedHashSet<>();
    dirs.keySet().stream().filter(layout::isV2).filter(c -> !c.equals("cpuacct")).forEach(v2::add);
    layout.enableV2Controllers(v2);
    dirs.values().forEach(CgroupLayout::mkdir);
    Trace.note("cgroups on this host: " + layout.describe() + "; this container's: " + dirs.values());
    // tag::limits[]
    // BEGIN SOLUTION(write the memory, pids and cpu limits, for v2 and for v1; §6.4)
    if (memoryBytes != null) {
      Path dir = dirs.get("memory");
      if (layout.isV2("memory")) {
        set(dir, "memory.max", memoryBytes);
        setIfPresent(dir, "memory.swap.max", 0); // no swap: the limit is all it gets
      } else {
        set(dir, "memory.limit_in_bytes", memoryBytes);
        setIfPresent(dir, "memory.memsw.limit_in_bytes", memoryBytes); // memory + swap
      }
    }
    if (pids != null) {
      set(dirs.get("pids"), "pids.max", pids);
    }
    if (quota != null) {
      Path dir = dirs.get("cpu");
      if (layout.isV2("cpu")) {
        set(dir, "cpu.max", quota + " " + PERIOD_MICROS);
      } else {
        set(dir, "cpu.cfs_period_us", PERIOD_MICROS);
        set(dir, "cpu.cfs_quota_us", quota);
      }
    }
    // END SOLUTION
    // end::limits[]
    startNanos = System.nanoTime();
  }

  // tag::join[]
  @Override
  public void initContainer(Container container) {
    // First thing in the init, before it forks or execs anything: from here on, all it
    // does, and all the command does, counts against the limits. "0" means "me".
    // BEGIN SOLUTION(join the container's cgroups, then unshare a cgroup namespace; §6.4)
    joined = recorded(container);
    for (Path dir : joined) {
      set(dir, "cgroup.procs", 0);
    }
    // A cgroup namespace rooted here: /proc/self/cgroup inside shows "/", and nothing of
    // the host's cgroup tree.
    Kernel.unshare(CLONE_NEWCGROUP);
    // END SOLUTION
  }
  // end::join[]

  /**
   * The container's own cgroups, read-only, at /sys/fs/cgroup of its new root, as runc mounts
   * them: a program can read its limits there (a JVM sizes its heap from memory.max). A cgroup
   * filesystem mounted in a cgroup namespace has the namespace's root, the container's cgroup,
   * as its root: nothing of the host's tree is in it. v2 is one mount; v1 one per hierarchy,
   * in a tmpfs, like the host's.
   */
  // tag::view[]
  void mountOwnView(String root) {
    String mountPoint = root + "/sys/fs/cgroup";
    long readOnly = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
    if (CgroupLayout.detect().v2Only()) {
      Kernel.mount("cgroup2", mountPoint, "cgroup2", readOnly, null);
      return;
    }
    Kernel.mount("tmpfs", mountPoint, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755,size=64k");
    Set<String> hierarchies = new LinkedHashSet<>();
    for (Path dir : joined) {
      // <mount>/container-labs/<id>: the host's mount is named after its controllers ("memory").
      String controllers = dir.getParent().getParent().getFileName().toString();
      if (!controllers.equals("unified") && hierarchies.add(controllers)) {
        CgroupLayout.mkdir(Path.of(mountPoint, controllers));
        try {
          Kernel.mount("cgroup", mountPoint + "/" + controllers, "cgroup", readOnly, controllers);
        } catch (SyscallException e) {
          if (!e.errnoName().equals("EPERM")) {
            throw e;
          }
          // In a user namespace (lab 07) a v1 hierarchy cannot be mounted: bind the
          // container's own folder instead, read-only.
          Kernel.mount(dir.toString(), mountPoint + "/" + controllers, null, MS_BIND, null);
          Kernel.mount("none", mountPoint + "/" + controllers, null, MS_BIND | MS_REMOUNT | readOnly, null);
        }
      }
    }
    Kernel.mount("none", mountPoint, null, MS_BIND | MS_REMOUNT | readOnly, null);
  }
  // end::view[]

  @Override
  public void finished(Container container, int exitStatus) {
    CgroupLayout layout = CgroupLayout.detect();
    Path memoryDir = layout.dir("memory", container.id());
    if (exitStatus == 128 + Kernel.SIGKILL && memory != null && oomKills(layout, memoryDir) > 0) {
      System.err.println("killed: out of memory (limit " + Limits.mib(Limits.memory(memory)) + ")");
    }
    if (stats) {
      System.err.println(Stats.read(layout, container.id(), System.nanoTime() - startNanos));
    }
  }

  /** Which cgroups this container gets: every controller the host has of these four. */
  private static Map<String, Path> cgroups(CgroupLayout layout, Container container,
      boolean memory, boolean pids, boolean cpu) {
    Map<String, Path> dirs = new LinkedHashMap<>();
    for (String controller : List.of("memory", "pids", "cpu", "cpuacct")) {
      Path dir = layout.dir(controller, container.id());
      if (dir != null) {
        dirs.put(controller, dir);
      }
    }
    for (String missing : List.of(memory ? "memory" : "", pids ? "pids" : "", cpu ? "cpu" : "")) {
      if (!missing.isEmpty() && !dirs.containsKey(missing)) {
        throw new ContainerException(ExitStatus.RUNTIME_ERROR, "this host has no " + missing
            + " cgroup controller (" + layout.describe() + "): leave that limit out");
      }
    }
    return dirs;
  }

  private static long oomKills(CgroupLayout layout, Path dir) {
    String file = layout.isV2("memory") ? "memory.events" : "memory.oom_control";
    return Stats.field(dir.resolve(file), "oom_kill");
  }

  private static void record(Container container, java.util.Collection<Path> dirs) {
    try {
      Files.writeString(container.stateDir().resolve(STATE),
          String.join("\n", dirs.stream().map(Path::toString).toList()) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The container's cgroup folders, as prepare() made them (lab 07 joins them on the host). */
  public static List<Path> dirs(Container container) {
    return recorded(container);
  }

  private static List<Path> recorded(Container container) {
    Path file = container.stateDir().resolve(STATE);
    if (!Files.exists(file)) {
      return List.of();
    }
    return CgroupLayout.read(file).lines().filter(l -> !l.isBlank()).map(Path::of).distinct().toList();
  }

  private static void set(Path dir, String file, Object value) {
    Trace.call("write(" + dir.resolve(file) + ", \"" + value + "\")", "echo " + value + " > " + dir.resolve(file));
    CgroupLayout.write(dir.resolve(file), value.toString());
  }

  private static void setIfPresent(Path dir, String file, Object value) {
    if (Files.exists(dir.resolve(file))) {
      set(dir, file, value);
    }
  }
}
