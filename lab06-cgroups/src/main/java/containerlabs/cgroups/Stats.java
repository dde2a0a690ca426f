package containerlabs.cgroups;

import java.nio.file.Files;
import java.nio.file.Path;

/** What the container used, read from its cgroups' counters (v2 or v1 files). */
final class Stats {
  private Stats() {}

  static String read(CgroupLayout layout, String id, long wallNanos) {
    Path memory = layout.dir("memory", id);
    Path cpu = layout.dir("cpu", id);
    Path pids = layout.dir("pids", id);
    StringBuilder line = new StringBuilder("stats:");
    if (memory != null) {
      long peak = number(memory.resolve(layout.isV2("memory") ? "memory.peak" : "memory.max_usage_in_bytes"));
      line.append(" peak memory ").append(peak < 0 ? "unknown" : Limits.mib(peak)).append(',');
    }
    if (cpu != null) {
      double cpuSeconds = layout.isV2("cpu") ? field(cpu.resolve("cpu.stat"), "usage_usec") / 1e6
          : number(layout.dir("cpuacct", id).resolve("cpuacct.usage")) / 1e9;
      double wall = wallNanos / 1e9;
      line.append(String.format(" CPU time %.2f s over %.2f s (%.0f%%), throttled %d times,",
          cpuSeconds, wall, 100 * cpuSeconds / wall, field(cpu.resolve("cpu.stat"), "nr_throttled")));
    }
    if (pids != null) {
      long peak = number(pids.resolve("pids.peak"));
      line.append(" max pids ").append(peak < 0 ? "not counted here" : Long.toString(peak))
          .append(", forks refused ").append(field(pids.resolve("pids.events"), "max"));
    }
    return line.toString();
  }

  /** "key value" lines: the value of {@code key}, or 0. */
  static long field(Path file, String key) {
    if (!Files.exists(file)) {
      return 0;
    }
    for (String l : CgroupLayout.read(file).split("\n")) {
      String[] parts = l.trim().split("\\s+");
      if (parts.length == 2 && parts[0].equals(key)) {
        return Long.parseLong(parts[1]);
      }
    }
    return 0;
  }

  private static long number(Path file) {
    return Files.exists(file) ? Long.parseLong(CgroupLayout.read(file)) : -1;
  }
}
