package containerlabs.netlink;

import containerlabs.kernel.Kernel;
import containerlabs.kernel.SyscallException;
import containerlabs.kernel.Trace;
import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Network devices, addresses and routes, configured as {@code ip} does it: one rtnetlink
 * message per step to the kernel, over a netlink socket. A socket belongs to the network
 * namespace its thread was in when it was opened, and configures that namespace.
 * Each request is traced with the {@code ip} command that sends the same message.
 */
public final class Rtnetlink implements AutoCloseable {
  private static final int AF_NETLINK = 16;
  private static final int SOCK_RAW = 3;
  private static final int NETLINK_ROUTE = 0;
  private static final int AF_INET = 2;

  private static final short RTM_NEWLINK = 16;
  private static final short RTM_GETLINK = 18;
  private static final short RTM_DELLINK = 17;
  private static final short RTM_NEWADDR = 20;
  private static final short RTM_NEWROUTE = 24;
  private static final short NLMSG_ERROR = 2;
  private static final short NLM_F_REQUEST = 1;
  private static final short NLM_F_ACK = 4;
  private static final short NLM_F_EXCL = 0x200;
  private static final short NLM_F_CREATE = 0x400;

  private static final short IFLA_IFNAME = 3;
  private static final short IFLA_MASTER = 10;
  private static final short IFLA_LINKINFO = 18;
  private static final short IFLA_NET_NS_FD = 28;
  private static final short IFLA_INFO_KIND = 1;
  private static final short IFLA_INFO_DATA = 2;
  private static final short VETH_INFO_PEER = 1;
  private static final short IFA_ADDRESS = 1;
  private static final short IFA_LOCAL = 2;
  private static final short IFA_BROADCAST = 4;
  private static final short RTA_OIF = 4;
  private static final short RTA_GATEWAY = 5;
  private static final int IFF_UP = 1;

  private final int fd;
  private int sequence;

  private Rtnetlink(int fd) {
    this.fd = fd;
  }

  /** A netlink socket in this thread's current network namespace. */
  public static Rtnetlink open() {
    return new Rtnetlink(Kernel.socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));
  }

  public void addBridge(String name) {
    Message m = link(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, 0, 0);
    m.string(IFLA_IFNAME, name);
    int info = m.begin(IFLA_LINKINFO);
    m.string(IFLA_INFO_KIND, "bridge");
    m.end(info);
    request(m, "ip link add " + name + " type bridge");
  }

  /**
   * A veth pair, two devices joined like the two ends of a cable: {@code name} in this
   * socket's namespace, {@code peer} made straight in the namespace of {@code peerNsFd}.
   */
  public void addVeth(String name, String peer, int peerNsFd, String peerNsName) {
    Message m = link(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, 0, 0);
    m.string(IFLA_IFNAME, name);
    int info = m.begin(IFLA_LINKINFO);
    m.string(IFLA_INFO_KIND, "veth");
    int data = m.begin(IFLA_INFO_DATA);
    int peerInfo = m.begin(VETH_INFO_PEER);
    m.ifinfomsg(0, 0, 0);
    m.string(IFLA_IFNAME, peer);
    m.int32(IFLA_NET_NS_FD, peerNsFd);
    m.end(peerInfo);
    m.end(data);
    m.end(info);
    request(m, "ip link add " + name + " type veth peer name " + peer + " netns " + peerNsName);
  }

  public void setUp(String name) {
    request(named(RTM_NEWLINK, name, IFF_UP, IFF_UP), "ip link set " + name + " up");
  }

  public void setMaster(String name, String master) {
    Message m = named(RTM_NEWLINK, name, 0, 0);
    m.int32(IFLA_MASTER, index(master));
    request(m, "ip link set " + name + " master " + master);
  }

  public void delete(String name) {
    request(named(RTM_DELLINK, name, 0, 0), "ip link del " + name);
  }

  public void addAddress(String name, Inet4Address address, int prefix) {
    Message m = new Message(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, ++sequence);
    m.buffer.put((byte) AF_INET).put((byte) prefix).put((byte) 0).put((byte) 0).putInt(index(name));
    m.bytes(IFA_LOCAL, address.getAddress());
    m.bytes(IFA_ADDRESS, address.getAddress());
    m.bytes(IFA_BROADCAST, broadcast(address, prefix));
    request(m, "ip addr add " + address.getHostAddress() + "/" + prefix + " dev " + name);
  }

  public void addDefaultRoute(Inet4Address gateway, String device) {
    Message m = new Message(RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, ++sequence);
    // rtmsg: family, dst_len 0 (default), src_len, tos, table main, protocol boot, scope universe, type unicast
    m.buffer.put((byte) AF_INET).put((byte) 0).put((byte) 0).put((byte) 0)
        .put((byte) 254).put((byte) 3).put((byte) 0).put((byte) 1).putInt(0);
    m.bytes(RTA_GATEWAY, gateway.getAddress());
    m.int32(RTA_OIF, index(device));
    request(m, "ip route add default via " + gateway.getHostAddress() + " dev " + device);
  }

  /** Whether a device of that name exists in this thread's network namespace. */
  public static boolean exists(String name) {
    return Kernel.ifNameToIndex(name) != 0;
  }

  @Override
  public void close() {
    Kernel.close(fd);
  }

  private Message link(short type, int flags, int index, int ifFlags, int change) {
    Message m = new Message(type, NLM_F_ACK | flags, ++sequence);
    m.ifinfomsg(index, ifFlags, change);
    return m;
  }

  /**
   * A device named in the message, found by the kernel in the socket's namespace, which may
   * not be this thread's (if_nametoindex looks in the thread's).
   */
  private Message named(short type, String name, int ifFlags, int change) {
    Message m = link(type, 0, 0, ifFlags, change);
    m.string(IFLA_IFNAME, name);
    return m;
  }

  /**
   * A device's index, asked of this socket's namespace: the thread's own may be another (the
   * container's thread uses a socket opened on the host). Without NLM_F_ACK, the kernel's one
   * answer is the device, or an error.
   */
  private int index(String name) {
    Message m = new Message(RTM_GETLINK, 0, ++sequence);
    m.ifinfomsg(0, 0, 0);
    m.string(IFLA_IFNAME, name);
    Kernel.send(fd, m.finish());
    byte[] reply = new byte[8192];
    int n = Kernel.recv(fd, reply);
    ByteBuffer in = ByteBuffer.wrap(reply, 0, n).order(ByteOrder.nativeOrder());
    if (n < 24 || in.getShort(4) != RTM_NEWLINK) {
      throw new IllegalStateException("no network device " + name + " in this namespace");
    }
    return in.getInt(20); // after nlmsghdr (16 bytes), ifinfomsg's family, pad and type
  }

  /** Send one request and read the kernel's acknowledgement: 0, or a negative errno. */
  private void request(Message m, String ipCommand) {
    byte[] message = m.finish();
    Trace.call("netlink " + Message.describe(m.type), ipCommand);
    Kernel.send(fd, message);
    byte[] reply = new byte[8192];
    int n = Kernel.recv(fd, reply);
    ByteBuffer in = ByteBuffer.wrap(reply, 0, n).order(ByteOrder.nativeOrder());
    if (n >= 20 && in.getShort(4) == NLMSG_ERROR) {
      int error = -in.getInt(16);
      if (error != 0) {
        throw new SyscallException("netlink: " + ipCommand, error);
      }
    }
  }

  private static byte[] broadcast(Inet4Address address, int prefix) {
    int ip = ByteBuffer.wrap(address.getAddress()).getInt();
    int host = prefix == 32 ? 0 : -1 >>> prefix;
    return ByteBuffer.allocate(4).putInt(ip | host).array();
  }

  /** One netlink message: nlmsghdr, a fixed header, then attributes (type, length, value, padded to 4). */
  private static final class Message {
    final ByteBuffer buffer = ByteBuffer.allocate(1024).order(ByteOrder.nativeOrder());
    final short type;

    Message(short type, int flags, int sequence) {
      this.type = type;
      buffer.putInt(0).putShort(type).putShort((short) (NLM_F_REQUEST | flags))
          .putInt(sequence).putInt(0);
    }

    void ifinfomsg(int index, int flags, int change) {
      buffer.put((byte) 0).put((byte) 0).putShort((short) 0).putInt(index).putInt(flags).putInt(change);
    }

    void string(short attribute, String value) {
      byte[] bytes = (value + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      bytes(attribute, bytes);
    }

    void int32(short attribute, int value) {
      bytes(attribute, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(value).array());
    }

    void bytes(short attribute, byte[] value) {
      buffer.putShort((short) (4 + value.length)).putShort(attribute).put(value);
      align();
    }

    /** Start a nested attribute; {@link #end} writes its length. */
    int begin(short attribute) {
      int start = buffer.position();
      buffer.putShort((short) 0).putShort(attribute);
      return start;
    }

    void end(int start) {
      buffer.putShort(start, (short) (buffer.position() - start));
    }

    byte[] finish() {
      buffer.putInt(0, buffer.position());
      byte[] bytes = new byte[buffer.position()];
      buffer.get(0, bytes);
      return bytes;
    }

    private void align() {
      while (buffer.position() % 4 != 0) {
        buffer.put((byte) 0);
      }
    }

    static String describe(short type) {
      return switch (type) {
        case RTM_NEWLINK -> "RTM_NEWLINK";
        case RTM_DELLINK -> "RTM_DELLINK";
        case RTM_NEWADDR -> "RTM_NEWADDR";
        case RTM_NEWROUTE -> "RTM_NEWROUTE";
        default -> "netlink " + type;
      };
    }
  }
}
