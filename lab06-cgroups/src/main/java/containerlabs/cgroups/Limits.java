package containerlabs.cgroups;

import containerlabs.engine.ContainerException;
import containerlabs.engine.ExitStatus;
import java.math.BigInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The limits as the user writes them: 64m, 0.5, 100; each checked, with a clear error. A bad
 * value, malformed or out of range, is one line and exit 125, as for lab 04's and 05's options.
 * Numbers are read as BigInteger, so that no size is too big to be told it is too big.
 */
final class Limits {
  /** Below this the init, still a JVM when it joins the cgroup, cannot finish its work. */
  static final long MIN_MEMORY = 6L << 20; // measured: 3 MiB is enough, 2 MiB is not
  static final int MIN_PIDS = 1;
  /** PID_MAX_LIMIT on 64-bit: pids.max refuses more with EINVAL. */
  static final int MAX_PIDS = 4 << 20;

  private static final Pattern SIZE = Pattern.compile("(\\d+)([kKmMgG]?)([bB]?)");
  private static final Pattern COUNT = Pattern.compile("\\d+");
  private static final Pattern DECIMAL = Pattern.compile("-?(\\d+(\\.\\d*)?|\\.\\d+)"); // a sign: -1 is out of range

  private Limits() {}

  static long memory(String size) {
    Matcher m = SIZE.matcher(size);
    if (!m.matches()) {
      throw error("malformed -m '" + size + "': write a number of bytes with k, m or g, e.g. -m 64m");
    }
    int shift = switch (m.group(2).toLowerCase()) {
      case "k" -> 10;
      case "m" -> 20;
      case "g" -> 30;
      default -> 0;
    };
    BigInteger bytes = new BigInteger(m.group(1)).shiftLeft(shift);
    if (bytes.bitLength() > 63) { // the cgroup files hold a signed 64-bit count of bytes
      throw error("-m " + size + " is too large: the kernel counts at most 8 EiB (2^63 - 1 bytes);"
          + " give a size such as -m 64m, or leave -m out for no limit");
    }
    if (bytes.longValueExact() < MIN_MEMORY && m.group(2).isEmpty() && m.group(3).isEmpty()) {
      throw error("-m " + size + " is " + size + " bytes, below the " + mib(MIN_MEMORY) + " the lab's init"
          + " needs: did you mean -m " + size + "m? (a plain number is bytes)");
    }
    if (bytes.longValueExact() < MIN_MEMORY) {
      throw error("-m " + size + " is below " + mib(MIN_MEMORY) + ", what the lab's init needs to"
          + " start the command: give at least -m 6m");
    }
    return bytes.longValueExact();
  }

  static int pids(String pids) {
    if (!COUNT.matcher(pids).matches()) {
      throw error("malformed --pids-limit '" + pids + "': write a whole number of processes, e.g. --pids-limit 100");
    }
    BigInteger count = new BigInteger(pids);
    if (count.compareTo(BigInteger.valueOf(MIN_PIDS)) < 0 || count.compareTo(BigInteger.valueOf(MAX_PIDS)) > 0) {
      throw error("--pids-limit " + pids + ": give from " + MIN_PIDS + " (the command itself) to "
          + MAX_PIDS + " (the kernel's PID_MAX_LIMIT)");
    }
    return count.intValueExact();
  }

  /** CPUs as a CFS quota per 100 ms period: 0.5 CPU is 50 ms of CPU time every 100 ms. */
  static long cpuQuotaMicros(String cpus) {
    if (!DECIMAL.matcher(cpus).matches()) {
      throw error("malformed --cpus '" + cpus + "': write a number of CPUs, e.g. --cpus 0.5");
    }
    double value = Double.parseDouble(cpus);
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
