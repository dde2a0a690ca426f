package containerlabs.cgroups;

import containerlabs.cli.LabCommand;
import containerlabs.testing.Host;
import containerlabs.testing.HostState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The soak run behind {@code scripts/soak.sh} (not a unit test): lab 06 with every feature on,
 * many times in a row in this one JVM, which is the lab's parent JVM, as a grader's would be.
 * Afterwards the host must hold what it held before, and this JVM as many descriptors and
 * threads; the time per run must not creep. Exit status 0 if so, 1 if not.
 */
public final class Soak {
  private static final int WARM_UP = 10;
  private static final int WINDOW = 20;
  private static final String[] ARGS = {"-m", "64m", "--pids-limit", "50", "--cpus", "1",
      "--net", "bridge", "-p", "18182:80", "--", "/bin/true"};

  public static void main(String... args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 500;
    if (runs < WARM_UP + 2 * WINDOW) {
      throw new IllegalArgumentException("give at least " + (WARM_UP + 2 * WINDOW) + " runs");
    }
    System.out.println("soak: " + runs + " runs of lab06 " + String.join(" ", ARGS) + " in one JVM");
    HostState untouched = HostState.now();
    Map<String, Long> start = null;
    long dyingAtStart = 0;
    List<Long> millis = new ArrayList<>();
    int failures = 0;
    for (int i = 1; i <= runs; i++) {
      long t0 = System.nanoTime();
      int status = LabCommand.execute(new Lab06(), ARGS);
      millis.add((System.nanoTime() - t0) / 1_000_000);
      if (status != 0) {
        failures++;
        System.out.println("run " + i + ": exit status " + status);
      }
      if (i == WARM_UP) {
        start = counts(); // the bridge, the nft table and JNA's threads exist from the first run on
        dyingAtStart = dyingMemoryCgroups();
      }
      if (i % 50 == 0) {
        System.out.println("  " + i + " runs, last " + millis.get(i - 1) + " ms");
      }
    }
    Map<String, Long> end = counts();
    boolean same = true;
    System.out.printf("%-46s %10s %10s%n", "after run", WARM_UP, runs);
    for (String key : start.keySet()) {
      boolean grew = end.get(key) > start.get(key);
      same &= !grew;
      System.out.printf("%-46s %10d %10d%s%n", key, start.get(key), end.get(key), grew ? "  GREW" : "");
    }
    System.out.printf("%-46s %10d %10d  (the kernel's: removed, freed as memory is reclaimed)%n",
        "memory cgroups removed but not yet freed", dyingAtStart, dyingMemoryCgroups());
    Set<String> left = HostState.now().newSince(untouched);
    if (!left.isEmpty()) {
      same = false;
      System.out.println("left behind since before the first run:\n  " + String.join("\n  ", left));
    }
    long first = median(millis.subList(WARM_UP, WARM_UP + WINDOW));
    long last = median(millis.subList(runs - WINDOW, runs));
    System.out.printf("time per run, median: runs %d-%d %d ms, last %d runs %d ms (%+.0f%%)%n",
        WARM_UP + 1, WARM_UP + WINDOW, first, WINDOW, last, 100.0 * (last - first) / first);
    // Generous, since this machine may be busy: creep from a leak grows without bound.
    boolean crept = last > 2 * first;
    System.out.println(failures + " failed runs; " + (same ? "nothing grew" : "something GREW")
        + (crept ? "; time per run CREPT" : ""));
    System.exit(failures == 0 && same && !crept ? 0 : 1);
  }

  /** What a leak would grow: on the host, and in this JVM. */
  private static Map<String, Long> counts() throws IOException {
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("mounts (host mount namespace)", (long) Host.mountinfo().size());
    counts.put("network devices (host)", count(Path.of("/sys/class/net")));
    counts.put("nft ruleset lines", lines("nft list ruleset 2>/dev/null"));
    counts.put("iptables rules", lines("iptables-save 2>/dev/null | grep '^-A'"));
    counts.put("cgroups (all controllers)", lines("find /sys/fs/cgroup -type d"));
    counts.put("namespaces (distinct, all processes)", namespaces());
    counts.put("state dirs /run/container-labs", count(Path.of("/run/container-labs")));
    counts.put("container layers", count(Path.of("/var/lib/container-labs/containers")));
    counts.put("this JVM: open file descriptors", count(Path.of("/proc/self/fd")));
    // The JDK's "process reaper" threads wait for the nft and ip commands the lab (and this
    // count) run; they are a cached pool, idle ones end after a minute: not ours to count.
    counts.put("this JVM: threads (Java, but process reapers)", Thread.getAllStackTraces().keySet()
        .stream().filter(t -> !t.getName().equals("process reaper")).count());
    return counts;
  }

  /**
   * A removed memory cgroup lives on, invisible, while pages charged to it (page cache the
   * container read first) stay in memory: /proc/cgroups counts them, the tree does not.
   */
  private static long dyingMemoryCgroups() {
    String v1 = Host.shQuiet("awk '$1 == \"memory\" && $2 != 0 {print $3}' /proc/cgroups").strip();
    String v2 = Host.shQuiet("awk '/nr_dying_descendants/ {print $2}' /sys/fs/cgroup/cgroup.stat 2>/dev/null").strip();
    if (!v1.isEmpty()) {
      return Long.parseLong(v1) - Long.parseLong(Host.shQuiet("find /sys/fs/cgroup/memory -type d | wc -l").strip());
    }
    return v2.isEmpty() ? -1 : Long.parseLong(v2);
  }

  private static long count(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.count();
    }
  }

  private static long lines(String command) {
    return Host.shQuiet(command).lines().filter(l -> !l.isBlank()).count();
  }

  /** As lsns counts them: every namespace some task is in (threads included). */
  private static long namespaces() throws IOException {
    Set<String> seen = new TreeSet<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : (Iterable<Path>) procs::iterator) {
        if (!proc.getFileName().toString().matches("\\d+")) {
          continue;
        }
        try (Stream<Path> tasks = Files.list(proc.resolve("task"))) {
          for (Path task : (Iterable<Path>) tasks::iterator) {
            try (Stream<Path> links = Files.list(task.resolve("ns"))) {
              for (Path link : (Iterable<Path>) links::iterator) {
                seen.add(Files.readSymbolicLink(link).toString());
              }
            }
          }
        } catch (IOException e) {
          // it ended while we looked
        }
      }
    }
    return seen.size();
  }

  private static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }
}
