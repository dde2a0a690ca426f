package containerlabs.net;

import static containerlabs.kernel.CloneFlags.CLONE_NEWNET;

import containerlabs.engine.Container;
import containerlabs.engine.ContainerException;
import containerlabs.engine.ExitStatus;
import containerlabs.engine.Feature;
import containerlabs.kernel.Kernel;
import containerlabs.netlink.Rtnetlink;
import containerlabs.rootfs.RootFilesystem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * Lab 05: a network namespace, a network stack of the container's own. With {@code --net
 * bridge} it is wired to the host like a machine on a switch: a veth pair, one end on the
 * host's bridge lab0, the other the container's eth0, an address, a default route through
 * the bridge; NAT to the outside and published ports.
 */
public class Network implements Feature {
  static final String BRIDGE = "lab0";
  private static final String DEFAULT_SUBNET = "172.29.0.0/24";

  @Option(names = "--net", paramLabel = "MODE", description = "bridge (default): on the host's"
      + " bridge lab0; none: loopback only; host: the host's network; ns:NAME: a namespace of ip netns;"
      + " switch[:SOCKET]: on the userspace switch of ./lab switch, with --ip.")
  String mode = "bridge";

  @Option(names = "--ip", paramLabel = "CIDR",
      description = "The container's address (default on the bridge: the next free one; --net switch: required).")
  String ip;

  @Option(names = "--subnet", paramLabel = "CIDR",
      description = "The bridge's subnet, when it is made (default: " + DEFAULT_SUBNET + ").")
  String subnet;

  @Option(names = {"-p", "--publish"}, paramLabel = "HOSTPORT:CONTAINERPORT[/tcp|udp]",
      description = "Forward a port of the host to the container.")
  List<String> publish = new ArrayList<>();

  /** A netlink socket opened on the host, to move the container's end of the veth pair. */
  private Rtnetlink host;
  private Subnet bridgeSubnet;
  private int address;
  /** With --net switch: the connection to the switch, open for the container's whole life. */
  private SwitchPort switchPort;

  @Override
  public int namespaces() {
    return mode.equals("host") || mode.startsWith("ns:") ? 0 : CLONE_NEWNET;
  }

  @Override
  public void prepare(Container container) {
    checkOptions();
    if (mode.startsWith("switch")) {
      address = Subnet.address(ip);
      container.facts().put("ip", Subnet.text(address));
      switchPort = SwitchPort.connect(mode.equals("switch") ? SwitchCommand.DEFAULT_SOCKET : mode.substring(7));
      writeHosts(container);
      return;
    }
    if (!mode.equals("bridge")) {
      return;
    }
    List<PortMapping> ports = publish.stream().map(PortMapping::parse).toList();
    ports.forEach(PortMapping::checkHostPortFree);
    Subnet requested = subnet == null ? null : Subnet.parse(subnet, "--subnet");
    AddressPool.locked(() -> {
      bridgeSubnet = bridge(requested);
      address = AddressPool.allocate(bridgeSubnet, ip);
      Properties state = new Properties();
      state.setProperty("ip", Subnet.text(address));
      state.setProperty("veth", hostEnd(container));
      state.setProperty("ports", String.join(",", publish));
      AddressPool.record(container, state);
      container.facts().put("ip", Subnet.text(address));
      // The host's end of the veth pair is made later, on the container's thread; it is written
      // down now, as each published port is just before it is added, so that whichever lab
      // runs next removes them, even if this one is killed and that one has no network.
      container.madeOnHost().link(hostEnd(container));
      for (PortMapping port : ports) {
        Firewall.publish(container, port, address, bridgeSubnet, BRIDGE);
      }
      return null;
    });
    host = Rtnetlink.open(); // still in the host's namespace: the container's thread uses it
    writeHosts(container);
  }

  // tag::inside[]
  @Override
  public void configureNamespaces(Container container) {
    if (mode.startsWith("ns:")) {
      // BEGIN SOLUTION(join the namespace that ip netns add made, by its file in /run/netns; §5.3)
      int namespace = Kernel.open("/run/netns/" + mode.substring(3));
      Kernel.setns(namespace, CLONE_NEWNET); // this thread, and so the init, joins it
      Kernel.close(namespace);
      // END SOLUTION
      return;
    }
    if (mode.equals("host")) {
      return;
    }
    // BEGIN SOLUTION(bring lo up; with --net bridge, the veth pair (eth0 made in here), eth0's address and default route; with --net switch, the TAP device eth0 plugged into the switch, and its address; §5.3)
    // This socket is opened on the container's thread, in its new network namespace.
    try (Rtnetlink inside = Rtnetlink.open()) {
      inside.setUp("lo"); // a new namespace has a loopback device, and it is down
      if (mode.equals("bridge")) {
        // Two ends of one cable, made with the host's socket: the host's end joins the bridge;
        // the other is made right here, in this thread's namespace, as eth0. (Made on the host
        // and then moved, it costs 20 to 40 ms more: the kernel waits for RCU grace periods.)
        int self = Kernel.open("/proc/thread-self/ns/net");
        host.addVeth(hostEnd(container), "eth0", self, "<the container's>");
        Kernel.close(self);
        host.setMaster(hostEnd(container), BRIDGE);
        host.setUp(hostEnd(container));
        host.close();
        host = null;
        inside.addAddress("eth0", Subnet.inet(address), bridgeSubnet.prefix());
        inside.setUp("eth0");
        inside.addDefaultRoute(Subnet.inet(bridgeSubnet.gateway()), "eth0");
      } else if (switchPort != null) {
        // No cable and no bridge: eth0 is a TAP device, whose frames the switch reads and writes.
        switchPort.plugIn(container.id() + " " + ip);
        inside.addAddress("eth0", Subnet.inet(address), Subnet.parse(ip, "--ip").prefix());
        inside.setUp("eth0");
      }
    }
    // END SOLUTION
  }
  // end::inside[]

  /** The veth pair and published ports were recorded in prepare(): the engine removes them. */
  @Override
  public void cleanUp(Container container) {
    if (host != null) {
      host.close(); // the container never started: the socket was not handed over
      host = null;
    }
    if (switchPort != null) {
      switchPort.close(); // the switch unplugs the port, and closes the TAP device it holds
      switchPort = null;
    }
  }

  // tag::bridge[]
  /** The host's bridge, made with the first container: a switch the containers plug into. */
  private static Subnet bridge(Subnet requested) {
    // BEGIN SOLUTION(make the bridge lab0 with its address, once, and the firewall's table; §5.3)
    Subnet existing = bridgeSubnet();
    if (existing != null) {
      if (requested != null && !requested.equals(existing)) {
        throw new ContainerException(ExitStatus.RUNTIME_ERROR, "--subnet " + requested + ": the bridge "
            + BRIDGE + " has " + existing + " already: leave --subnet out, or remove it with ip link del " + BRIDGE);
      }
      return existing; // and its nft table, made with it (no nft run per container: they cost)
    }
    Subnet subnet = requested != null ? requested : Subnet.parse(DEFAULT_SUBNET, "--subnet");
    try (Rtnetlink netlink = Rtnetlink.open()) {
      netlink.addBridge(BRIDGE);
      netlink.addAddress(BRIDGE, Subnet.inet(subnet.gateway()), subnet.prefix());
      netlink.setUp(BRIDGE);
    }
    // Routing between the bridge and other devices is forwarding; allow it for lab0 only.
    // (To reach a real network, forwarding must be on for its device too: see the guide.)
    writeSysctl("net/ipv4/conf/" + BRIDGE + "/forwarding", "1");
    Firewall.create(subnet, BRIDGE);
    return subnet;
    // END SOLUTION
  }
  // end::bridge[]

  /** The bridge's subnet, from the address it has, or null when there is no bridge yet. */
  private static Subnet bridgeSubnet() {
    try {
      NetworkInterface bridge = NetworkInterface.getByName(BRIDGE);
      if (bridge == null) {
        return null;
      }
      for (InterfaceAddress a : bridge.getInterfaceAddresses()) {
        if (a.getAddress().getAddress().length == 4) {
          return Subnet.parse(a.getAddress().getHostAddress() + "/" + a.getNetworkPrefixLength(), "lab0");
        }
      }
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "the bridge " + BRIDGE
          + " has no IPv4 address: remove it with ip link del " + BRIDGE + " and run again");
    } catch (SocketException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void checkOptions() {
    boolean known = mode.equals("bridge") || mode.equals("none") || mode.equals("host")
        || mode.matches("ns:[A-Za-z0-9_.-]+") || mode.equals("switch") || mode.matches("switch:/.+");
    if (!known) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "unknown --net mode '" + mode
          + "': use bridge, none, host, ns:NAME or switch[:/PATH/OF/SOCKET]");
    }
    if (mode.startsWith("switch")) {
      if (ip == null) {
        throw new ContainerException(ExitStatus.RUNTIME_ERROR, "--net " + mode + " needs --ip: the switch"
            + " gives no addresses; choose one for each container, e.g. --ip 10.0.0.2/24");
      }
      if (subnet != null || !publish.isEmpty()) {
        throw new ContainerException(ExitStatus.RUNTIME_ERROR, "--subnet and -p need --net bridge, not --net " + mode);
      }
      Subnet.parse(ip, "--ip");
      return;
    }
    if (mode.startsWith("ns:") && !Files.exists(Path.of("/run/netns", mode.substring(3)))) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "--net " + mode + ": no network namespace "
          + mode.substring(3) + " (ip netns list shows them; ip netns add makes one)");
    }
    if (!mode.equals("bridge") && (ip != null || subnet != null || !publish.isEmpty())) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "--ip, --subnet and -p need --net bridge"
          + " (--ip: or --net switch), not --net " + mode);
    }
    if (ip != null) {
      Subnet.parse(ip, "--ip");
    }
  }

  /** The container's line in its /etc/hosts: its own name at its own address. */
  private void writeHosts(Container container) {
    Path hosts = RootFilesystem.configFile(container, "hosts");
    try {
      Files.writeString(hosts, Files.readString(hosts).replace("127.0.1.1\t", Subnet.text(address) + "\t"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String hostEnd(Container container) {
    return "lab" + container.id().substring(0, 10);
  }

  private static void writeSysctl(String key, String value) {
    try {
      Files.writeString(Path.of("/proc/sys", key), value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
