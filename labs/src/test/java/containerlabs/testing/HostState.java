package containerlabs.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Everything a lab could leave on the host: mounts, loop devices, state dirs, network devices and named
 * network namespaces, cgroups, processes in namespaces of their own, container threads in
 * this JVM. Two snapshots differ by what a run left behind.
 */
public final class HostState {
  private final Set<String> items;

  private HostState(Set<String> items) {
    this.items = items;
  }

  public static HostState now() {
    Set<String> items = new TreeSet<>();
    for (String line : Host.mountinfo()) {
      String[] fields = line.split(" ");
      String[] fs = line.substring(line.indexOf(" - ") + 3).split(" ");
      if (fields[4].equals("/run/netns")) {
        // iproute2's own: the first `ip netns add` since boot mounts /run/netns on itself, shared,
        // and leaves it for good. A test's fixture made it, not a lab; each namespace in it counts.
        continue;
      }
      items.add("mount " + fields[4] + " (" + fs[0] + " " + fs[1] + ")");
    }
    list(Path.of("/run/container-labs"), "state dir ", items);
    list(Path.of("/run/netns"), "named network namespace ", items);
    list(Path.of("/var/lib/container-labs/images"), "image ", items);
    list(Path.of("/var/lib/container-labs/containers"), "container layer ", items);
    try (Stream<Path> links = Files.list(Path.of("/sys/class/net"))) {
      // lab0, the bridge, stays from one container to the next, as docker0 does.
      links.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("lab") && !n.equals("lab0"))
          .forEach(n -> items.add("network device " + n));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    cgroups(items);
    loopDevices(items);
    publishedPorts(items);
    processes(items);
    Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("container-"))
        .forEach(t -> items.add("thread " + t.getName() + " in the test's JVM"));
    return new HostState(items);
  }

  /** What is here now and was not in {@code before}. */
  public Set<String> newSince(HostState before) {
    Set<String> added = new TreeSet<>(items);
    added.removeAll(before.items);
    return added;
  }

  private static void list(Path dir, String label, Set<String> items) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      entries.forEach(p -> items.add(label + p));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Loop devices bound to a file (a disk import's): /sys/block/loopN/loop exists only while bound. */
  private static void loopDevices(Set<String> items) {
    try (Stream<Path> devices = Files.list(Path.of("/sys/block"))) {
      devices.filter(d -> d.getFileName().toString().startsWith("loop")).forEach(d -> {
        try {
          String file = Files.readString(d.resolve("loop/backing_file")).strip();
          items.add("loop device /dev/" + d.getFileName() + " (" + file + ")");
        } catch (IOException e) {
          // not bound, or detached while we looked
        }
      });
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** The elements of lab 05's port map: each a container's published port. */
  private static void publishedPorts(Set<String> items) {
    if (!Files.isExecutable(Path.of("/usr/sbin/nft"))) {
      return;
    }
    String map = Host.shQuiet("nft list map ip container_labs ports 2>/dev/null");
    int elements = map.indexOf("elements = {");
    if (elements >= 0) {
      for (String element : map.substring(elements + 12, map.indexOf('}', elements)).split(",")) {
        items.add("published port " + element.strip());
      }
    }
  }

  private static void cgroups(Set<String> items) {
    Path root = Path.of("/sys/fs/cgroup");
    try (Stream<Path> dirs = Files.find(root, 4, (p, a) -> a.isDirectory()
        && p.toString().contains("container-labs/"))) {
      dirs.forEach(p -> items.add("cgroup " + p));
    } catch (IOException e) {
      // a cgroup removed while we walk: not ours to report
    }
  }

  /** Processes whose UTS, PID or mount namespace is not the test's: a container still running. */
  private static void processes(Set<String> items) {
    String[] kinds = {"uts", "pid", "mnt"};
    String[] mine = new String[kinds.length];
    for (int i = 0; i < kinds.length; i++) {
      mine[i] = Host.namespace(kinds[i]);
    }
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      procs.filter(p -> p.getFileName().toString().matches("\\d+")).forEach(proc -> {
        try {
          for (int i = 0; i < kinds.length; i++) {
            String ns = Files.readSymbolicLink(proc.resolve("ns").resolve(kinds[i])).toString();
            if (!ns.equals(mine[i])) {
              String cmd = Files.readString(proc.resolve("cmdline")).replace('\0', ' ').strip();
              items.add("process " + proc.getFileName() + " in its own " + ns + ": " + cmd);
              return;
            }
          }
        } catch (IOException e) {
          // it ended while we looked
        }
      });
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
