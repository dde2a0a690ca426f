package containerlabs.net;

import containerlabs.engine.Container;
import containerlabs.engine.ContainerException;
import containerlabs.engine.ExitStatus;
import containerlabs.kernel.Trace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * NAT and published ports, in an nftables table that belongs to this project alone:
 * {@code ip container_labs}. Containers' traffic to the outside leaves with the host's
 * address (masquerade); a published port is an element of the map {@code ports}, from
 * protocol and host port to the container's address and port (DNAT), also from the host's
 * own 127.0.0.1.
 */
final class Firewall {
  static final String TABLE = "ip container_labs";

  private Firewall() {}

  /** (Re)make the table for the bridge's subnet: once, when the bridge is made. */
  static void create(Subnet subnet, String bridge) {
    nft(false, "delete", "table", "ip", "container_labs"); // a table of an earlier bridge, if any
    String table = "table " + TABLE + " {\n"
        + "  map ports { type inet_proto . inet_service : ipv4_addr . inet_service; }\n"
        // Traffic to one of the host's own addresses, on a published port, goes to the container.
        + "  chain prerouting { type nat hook prerouting priority dstnat;"
        + " fib daddr type local dnat ip to meta l4proto . th dport map @ports; }\n"
        + "  chain output { type nat hook output priority -100;"
        + " fib daddr type local dnat ip to meta l4proto . th dport map @ports; }\n"
        // Leaving by any other device than the bridge, the containers' traffic takes the
        // address of that device, so that answers come back to the host.
        + "  chain postrouting { type nat hook postrouting priority srcnat;"
        + " ip saddr " + subnet + " oifname != \"" + bridge + "\" masquerade;"
        // ...and from the host's 127.0.0.1 to a container, the bridge's address: the
        // container would answer 127.0.0.1 to itself.
        + " ip saddr 127.0.0.0/8 oifname \"" + bridge + "\" masquerade; }\n"
        // On the wire, no packet from a container is to or from 127.0.0.0/8: were it let in
        // (route_localnet lets the kernel route it), a container could reach what listens on
        // the host's 127.0.0.1 alone. Answers to the host's connections are to the bridge's address.
        + "  chain localnet { type filter hook prerouting priority raw;"
        + " iifname \"" + bridge + "\" ip daddr 127.0.0.0/8 drop;"
        + " iifname \"" + bridge + "\" ip saddr 127.0.0.0/8 drop; }\n"
        + "  chain forward { type filter hook forward priority filter;"
        + " iifname \"" + bridge + "\" accept; oifname \"" + bridge + "\" accept; }\n"
        + unpublished(bridge)
        + "}\n";
    nft(true, "-f", "-", table);
    // By default the kernel never routes 127.0.0.0/8 off the loopback device, so a connection
    // to the host's 127.0.0.1, sent on to a container, would be dropped. Allow it on the
    // bridge alone (never host-wide), now that the localnet chain guards it; the setting goes
    // with the device when the bridge is removed.
    Path localnet = Path.of("/proc/sys/net/ipv4/conf", bridge, "route_localnet");
    Trace.note("echo 1 > " + localnet);
    try {
      Files.writeString(localnet, "1");
    } catch (IOException e) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "cannot set route_localnet on " + bridge
          + " (" + e.getMessage() + "): remove the bridge with ip link del " + bridge + " and run again");
    }
  }

  /**
   * Only published ports are reachable from outside. Any machine that routes the bridge's
   * subnet through this host could otherwise open a new connection to any port of any
   * container; Docker 28 drops those too. A chain of its own after {@code forward}: an
   * accept there ends only that chain, a drop here ends the packet. A connection that was
   * DNATed (to a published port) passes; so do the answers to the containers' own.
   */
  private static String unpublished(String bridge) {
    return "  chain unpublished { type filter hook forward priority filter + 1;"
        + " iifname != \"" + bridge + "\" oifname \"" + bridge + "\" ct state new ct status & dnat == 0 drop; }\n";
  }

  /** Whether the table is there as this version makes it (earlier ones lacked these chains). */
  static boolean exists() {
    return nft(false, "list", "chain", "ip", "container_labs", "localnet")
        && nft(false, "list", "chain", "ip", "container_labs", "unpublished");
  }

  /**
   * The table is made with the bridge, not checked for each container; if it has gone since
   * (nft flush ruleset), or an earlier version made it, the first container that publishes
   * a port makes it again.
   */
  static void publish(Container container, PortMapping port, int address, Subnet subnet, String bridge) {
    if (!exists()) {
      create(subnet, bridge);
    }
    if (nft(false, "get", "element", "ip", "container_labs", "ports", "{ " + key(port) + " }")) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "-p " + port + ": another container"
          + " publishes the host's " + port.protocol() + " port " + port.hostPort() + ": choose another");
    }
    // Ours from here (the caller holds the address pool's lock): recorded before it is added.
    container.madeOnHost().nftElement(TABLE, "ports", key(port));
    nft(true, "add", "element", "ip", "container_labs", "ports",
        "{ " + key(port) + " : " + Subnet.text(address) + " . " + port.containerPort() + " }");
  }

  private static String key(PortMapping port) {
    return port.protocol() + " . " + port.hostPort();
  }

  /** Run nft; with {@code check}, a failure is an error, else it is the answer "no". */
  private static boolean nft(boolean check, String... args) {
    List<String> command = new ArrayList<>(List.of("nft"));
    String input = null;
    if (args[0].equals("-f")) {
      command.add("-f");
      command.add("-");
      input = args[2];
    } else {
      command.addAll(List.of(args));
    }
    Trace.note(String.join(" ", command) + (input != null ? " <<< the table below\n" + input : ""));
    try {
      Process nft = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (input != null) {
        nft.getOutputStream().write(input.getBytes());
      }
      nft.getOutputStream().close();
      String output = new String(nft.getInputStream().readAllBytes()).strip();
      int status = nft.waitFor();
      if (status != 0 && check) {
        throw new ContainerException(ExitStatus.RUNTIME_ERROR, "nft " + String.join(" ", args)
            + " failed: " + output.lines().findFirst().orElse("") + " (is nftables installed? apt-get install nftables)");
      }
      return status == 0;
    } catch (IOException e) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "cannot run nft (" + e.getMessage()
          + "): lab 05 needs nftables: apt-get install nftables");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "interrupted while running nft");
    }
  }
}
