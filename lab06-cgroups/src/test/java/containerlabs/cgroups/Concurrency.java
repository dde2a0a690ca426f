package containerlabs.cgroups;

import containerlabs.image.ImageStore;
import containerlabs.testing.HostState;
import containerlabs.testing.LabRunner;
import containerlabs.testing.LabRunner.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The concurrency run behind {@code scripts/concurrency.sh} (not a unit test): N labs started
 * at once, each a container on the bridge. Each container writes its address into a shared
 * folder, waits until all N have, then pings every other one. Passes (exit 0) if all N got
 * distinct addresses, every container reached every other, all exited 0, and nothing is left.
 */
public final class Concurrency {
  private static long numeric(String address) {
    long value = 0;
    for (String octet : address.split("\\.")) {
      value = value * 256 + Long.parseLong(octet);
    }
    return value;
  }

  public static void main(String... args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    HostState before = HostState.now();
    Path shared = Files.createTempDirectory("container-labs-concurrency");
    shared.toFile().setWritable(true, false);
    // Two barriers: all have an address before any pings; none leaves before all have pinged.
    // Up to three pings each: N containers resolving N-1 addresses at once on one bridge is a
    // storm of ARP broadcasts, in which a first packet may be dropped; a network retries.
    String barrier = "i=0; while [ $(ls /shared | grep -c \"$1\\$\") -lt " + n + " ]; do"
        + " i=$((i+1)); [ $i -gt 1800 ] && { echo gave up waiting for $1; exit 1; }; sleep 0.1; done";
    String script = "barrier() { " + barrier + "; };"
        + " a=$(ip -4 addr show eth0 | sed -n 's/.*inet \\([0-9.]*\\).*/\\1/p');"
        + " echo $a > /shared/.$(hostname); mv /shared/.$(hostname) /shared/$(hostname).addr;" // whole, or not at all
        + " barrier addr;"
        + " ok=0; for f in /shared/*.addr; do b=$(cat $f); [ \"$b\" = \"$a\" ] && continue;"
        + "   if ping -c 1 -W 3 $b > /dev/null || ping -c 1 -W 3 $b > /dev/null || ping -c 1 -W 3 $b > /dev/null;"
        + "   then ok=$((ok+1)); else echo $a missed $b >&2; fi; done;"
        + " touch /shared/$(hostname).done; barrier done; echo $a reached $ok";
    LabRunner lab = LabRunner.of(Lab06.class);
    System.out.println("concurrency: " + n + " labs at once, each on the bridge, pinging all others");
    long t0 = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(n);
    List<CompletableFuture<Result>> runs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      runs.add(CompletableFuture.supplyAsync(() -> lab.run("-m", "64m", "--pids-limit", "50",
          "-v", shared + ":/shared", "--", "sh", "-c", script), pool));
    }
    Set<String> addresses = new TreeSet<>();
    TreeMap<String, Integer> reached = new TreeMap<>(Comparator.comparing(Concurrency::numeric));
    int failed = 0;
    TreeMap<String, Integer> missed = new TreeMap<>(Comparator.comparing(Concurrency::numeric));
    for (CompletableFuture<Result> future : runs) {
      Result run = future.get();
      String[] words = run.out().split(" ");
      run.stderr().lines().filter(l -> l.contains(" missed ")).forEach(l -> missed.merge(l.split(" ")[2], 1, Integer::sum));
      if (run.exitStatus() != 0 || words.length != 3) {
        failed++;
        System.out.println("a lab failed: " + run);
        continue;
      }
      addresses.add(words[0]);
      reached.put(words[0], Integer.parseInt(words[2]));
    }
    pool.shutdown();
    double seconds = (System.nanoTime() - t0) / 1e9;
    ImageStore.deleteTree(shared);
    long full = reached.values().stream().filter(k -> k == n - 1).count();
    System.out.printf("%d of %d exited 0; %d distinct addresses (%s .. %s); %d reached all %d others;"
            + " %.1f s for all%n", n - failed, n, addresses.size(),
        addresses.isEmpty() ? "-" : reached.firstKey(), addresses.isEmpty() ? "-" : reached.lastKey(),
        full, n - 1, seconds);
    if (full < n) {
      System.out.println("reached, by address: " + reached);
      System.out.println("missed, by address: " + missed);
    }
    Set<String> left = HostState.now().newSince(before);
    System.out.println(left.isEmpty() ? "nothing left behind" : "left behind:\n  " + String.join("\n  ", left));
    boolean passed = failed == 0 && addresses.size() == n && full == n && left.isEmpty();
    System.out.println(passed ? "PASSED" : "FAILED");
    System.exit(passed ? 0 : 1);
  }
}
