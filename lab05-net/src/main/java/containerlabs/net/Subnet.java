package containerlabs.net;

import containerlabs.engine.ContainerException;
import containerlabs.engine.ExitStatus;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/** An IPv4 network, as 172.29.0.0/24: its addresses are numbered from the network's. */
record Subnet(int network, int prefix) {

  static Subnet parse(String cidr, String option) {
    String[] parts = cidr.split("/", -1);
    if (parts.length != 2 || !parts[0].matches("\\d{1,3}(\\.\\d{1,3}){3}") || !parts[1].matches("\\d{1,2}")
        || Integer.parseInt(parts[1]) > 30 || Integer.parseInt(parts[1]) < 8) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "malformed " + option + " '" + cidr
          + "': write an IPv4 address and a prefix length from 8 to 30, e.g. 172.29.0.5/24");
    }
    int address = toInt(parts[0], option, cidr);
    int prefix = Integer.parseInt(parts[1]);
    return new Subnet(address & mask(prefix), prefix);
  }

  /** An address and its prefix, as {@code --ip} gives it. */
  static int address(String cidr) {
    return toInt(cidr.split("/")[0], "--ip", cidr);
  }

  int gateway() {
    return network + 1;
  }

  int broadcast() {
    return network | ~mask(prefix);
  }

  boolean contains(int address) {
    return (address & mask(prefix)) == network;
  }

  static Inet4Address inet(int address) {
    try {
      return (Inet4Address) InetAddress.getByAddress(ByteBuffer.allocate(4).putInt(address).array());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  static String text(int address) {
    return inet(address).getHostAddress();
  }

  @Override
  public String toString() {
    return text(network) + "/" + prefix;
  }

  private static int mask(int prefix) {
    return prefix == 0 ? 0 : -1 << (32 - prefix);
  }

  private static int toInt(String dotted, String option, String cidr) {
    int value = 0;
    for (String octet : dotted.split("\\.")) {
      int n = Integer.parseInt(octet);
      if (n > 255) {
        throw new ContainerException(ExitStatus.RUNTIME_ERROR, "malformed " + option + " '" + cidr
            + "': " + n + " is not an octet (0 to 255)");
      }
      value = value << 8 | n;
    }
    return value;
  }
}
