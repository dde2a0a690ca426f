package containerlabs.net;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * containet's idea: a learning switch, what the bridge lab0 does in the kernel. It knows
 * nothing of IP: it reads the two addresses at the front of each Ethernet frame. Where a
 * frame comes from tells it where its source is; where a frame goes is where its destination
 * was last seen, or, until that is known, everywhere else.
 */
final class Switch {
  /** A MAC address (48 bits in a long) was last seen as a source on {@code port}, at {@code seen} ms. */
  record Entry(int port, long seen) {}

  /** Where a frame goes: out of one port (FORWARD), out of every port but its own (FLOOD), or nowhere (DROP). */
  record Decision(Kind kind, int port, String why) {
    enum Kind { FORWARD, FLOOD, DROP }
  }

  private final Map<Long, Entry> table = new HashMap<>();
  private final long ageMillis;

  /** Entries not refreshed for {@code ageMillis} are forgotten (the kernel's bridge: 300 s). */
  Switch(long ageMillis) {
    this.ageMillis = ageMillis;
  }

  // tag::learn[]
  /** A frame from {@code source} came in on {@code port}: true if that is news (a new address, or one that moved). */
  boolean learn(long source, int port, long now) {
    // BEGIN SOLUTION(remember the port each source address was last seen on, and when; §5.7)
    Entry before = table.put(source, new Entry(port, now));
    return before == null || before.port() != port;
    // END SOLUTION
  }
  // end::learn[]

  // tag::decide[]
  /** Where a frame for {@code destination} that came in on port {@code in} goes. */
  Decision decide(long destination, int in, long now) {
    // BEGIN SOLUTION(a group address, or one not in the table or aged out, floods; a known one goes to its port, unless the frame came from there; §5.7)
    if (isGroup(destination)) {
      return new Decision(Decision.Kind.FLOOD, -1, destination == BROADCAST ? "broadcast" : "multicast");
    }
    Entry entry = table.get(destination);
    if (entry == null || now - entry.seen() > ageMillis) {
      return new Decision(Decision.Kind.FLOOD, -1, "unknown");
    }
    if (entry.port() == in) {
      // Both are behind the same port: the destination has it already (a hub's echo).
      return new Decision(Decision.Kind.DROP, in, "same port");
    }
    return new Decision(Decision.Kind.FORWARD, entry.port(), "known");
    // END SOLUTION
  }
  // end::decide[]

  static final long BROADCAST = 0xffff_ffff_ffffL;

  /** The lowest bit of the first byte on the wire marks a group: broadcast, or multicast (IPv6's, say). */
  static boolean isGroup(long mac) {
    return (mac >>> 40 & 1) == 1;
  }

  /** Forget what no frame has confirmed for too long (a machine unplugged, or moved): their addresses. */
  List<Long> age(long now) {
    List<Long> gone = new ArrayList<>();
    table.entrySet().removeIf(e -> {
      boolean old = now - e.getValue().seen() > ageMillis;
      if (old) {
        gone.add(e.getKey());
      }
      return old;
    });
    return gone;
  }

  /** A port unplugged: whatever was behind it is no longer there. */
  void forget(int port) {
    table.values().removeIf(e -> e.port() == port);
  }

  Map<Long, Entry> table() {
    return Map.copyOf(table);
  }

  static String text(long mac) {
    return String.format("%02x:%02x:%02x:%02x:%02x:%02x", mac >>> 40 & 0xff, mac >>> 32 & 0xff,
        mac >>> 24 & 0xff, mac >>> 16 & 0xff, mac >>> 8 & 0xff, mac & 0xff);
  }
}
