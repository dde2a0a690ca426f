package containerlabs.testing;

import static containerlabs.kernel.CloneFlags.CLONE_NEWNET;

import containerlabs.kernel.Kernel;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A test's own network hosts: named network namespaces (ip netns), joined to the host by a
 * veth pair whose host end is named lab… A Java socket opened on a thread that has joined
 * such a namespace lives in it, so a test can play the far side in Java.
 */
public final class NetworkNamespaces implements AutoCloseable {
  private final String name;
  private final String hostEnd;

  /**
   * Make namespace {@code name} with address {@code inside}/24 on its end of a veth pair,
   * the host's end {@code hostEnd} with {@code outside}/24, forwarding on for that end.
   */
  public NetworkNamespaces(String name, String hostEnd, String outside, String inside) {
    this.name = name;
    this.hostEnd = hostEnd;
    Host.sh("ip netns add " + name
        + " && ip link add " + hostEnd + " type veth peer name " + hostEnd + "p"
        + " && ip link set " + hostEnd + "p netns " + name
        + " && ip addr add " + outside + "/24 dev " + hostEnd + " && ip link set " + hostEnd + " up"
        + " && echo 1 > /proc/sys/net/ipv4/conf/" + hostEnd + "/forwarding"
        + " && ip -n " + name + " addr add " + inside + "/24 dev " + hostEnd + "p"
        + " && ip -n " + name + " link set " + hostEnd + "p up && ip -n " + name + " link set lo up"
        + " && ip -n " + name + " route add default via " + outside);
  }

  /** Run {@code action} on a new thread that has joined this namespace. */
  public <T> T inside(Callable<T> action) throws Exception {
    AtomicReference<T> result = new AtomicReference<>();
    AtomicReference<Exception> failure = new AtomicReference<>();
    Thread thread = new Thread(() -> {
      try {
        int fd = Kernel.open("/run/netns/" + name);
        Kernel.setns(fd, CLONE_NEWNET);
        Kernel.close(fd);
        result.set(action.call());
      } catch (Exception e) {
        failure.set(e);
      }
    });
    thread.start();
    thread.join();
    if (failure.get() != null) {
      throw failure.get();
    }
    return result.get();
  }

  @Override
  public void close() {
    Host.sh("ip link del " + hostEnd + " 2>/dev/null; ip netns del " + name);
  }
}
