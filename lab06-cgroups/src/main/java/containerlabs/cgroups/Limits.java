package containerlabs.cgroups;

import containerlabs.engine.ContainerException;
import containerlabs.engine.ExitStatus;

/** The limits as the user writes them: 64m, 0.5, 100; each checked, with a clear error. */
final class Limits {
  /** Below this the init, still a JVM when it joins the cgroup, cannot finish its work. */
  static final long MIN_MEMORY = 6L << 20; // measured: 3 MiB is enough, 2 MiB is not
  static final int MIN_PIDS = 1;

  private Limits() {}

  static long memory(String size) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,12})([kKmMgG]?)[bB]?").matcher(size);
    if (!m.matches()) {
      throw error("malformed -m '" + size + "': write a number of bytes with k, m or g, e.g. -m 64m");
    }
    long bytes = Long.parseLong(m.group(1)) << switch (m.group(2).toLowerCase()) {
      case "k" -> 10;
      case "m" -> 20;
      case "g" -> 30;
      default -> 0;
    };
    if (bytes < MIN_MEMORY) {
      throw error("-m " + size + " is below " + mib(MIN_MEMORY) + ", what the lab's init needs to"
          + " start the command: give at least -m 6m");
    }
    return bytes;
  }

  static int pids(int pids) {
    if (pids < MIN_PIDS) {
      throw error("--pids-limit " + pids + ": give at least 1 (the command itself)");
    }
    return pids;
  }

  /** CPUs as a CFS quota per 100 ms period: 0.5 CPU is 50 ms of CPU time every 100 ms. */
  static long cpuQuotaMicros(String cpus) {
    double value;
    try {
      value = Double.parseDouble(cpus);
    } catch (NumberFormatException e) {
      throw error("malformed --cpus '" + cpus + "': write a number of CPUs, e.g. --cpus 0.5");
    }
    if (!(value >= 0.01) || value > Runtime.getRuntime().availableProcessors()) {
      throw error("--cpus " + cpus + ": give from 0.01 to "
          + Runtime.getRuntime().availableProcessors() + " (the CPUs this host has)");
    }
    return Math.round(value * 100_000);
  }

  static String mib(long bytes) {
    return bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB" : String.format("%.1f MiB", bytes / 1048576.0);
  }

  private static ContainerException error(String message) {
    return new ContainerException(ExitStatus.RUNTIME_ERROR, message);
  }
}
