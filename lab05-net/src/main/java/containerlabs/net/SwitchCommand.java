package containerlabs.net;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import containerlabs.engine.ContainerException;
import containerlabs.engine.ExitStatus;
import containerlabs.kernel.Kernel;
import containerlabs.kernel.SyscallException;
import containerlabs.tool.Tool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code ./lab switch}: containet's userspace switch, in the foreground. Containers started
 * with {@code --net switch} connect to its Unix socket and hand it the descriptor of their
 * TAP device eth0 (see {@link SwitchPort}); each one is a port. One thread, one poll loop:
 * a frame read from one port's descriptor is written to the port(s) that {@link Switch}
 * decides. A port goes when its container's lab closes its connection (the lab ended, even
 * by SIGKILL): the switch then closes the TAP descriptor, the last thing that held the
 * container's network namespace.
 */
@Command(name = "switch", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
    description = "Run containet's userspace Ethernet switch in the foreground (Ctrl-C stops it):"
        + " containers join it with ./lab 5 --net switch --ip ADDRESS/24.")
public final class SwitchCommand implements Callable<Integer> {
  static final String DEFAULT_SOCKET = "/run/container-labs.switch.sock";
  private static final int FRAME_MAX = 65536;

  @Option(names = "--socket", paramLabel = "PATH",
      description = "The Unix socket containers connect to (default: " + DEFAULT_SOCKET + ").")
  String socket = DEFAULT_SOCKET;

  @Option(names = "--trace", description = "Print each address learned and each frame's way through the switch.")
  boolean trace;

  @Option(names = "--age", paramLabel = "SECONDS",
      description = "Forget an address not seen for this long (default: 300, as the kernel's bridge).")
  int age = 300;

  /** A container plugged in: its lab's connection, and the TAP descriptor it sent (-1 until then). */
  private static final class Port {
    final int connection;
    int number;
    int tap = -1;
    String name = "?";
    long framesIn;
    long framesOut;
    boolean gone;

    Port(int connection) {
      this.connection = connection;
    }
  }

  private final List<Port> ports = new ArrayList<>();
  private Switch table;
  private int nextNumber = 1;
  private int portsInAll;
  private long framesIn;
  private long forwarded;
  private long flooded;
  private long dropped;
  private volatile boolean stopping;

  public static void main(String... args) {
    Tool.main("switch", new SwitchCommand(), args);
  }

  @Override
  public Integer call() {
    if (Kernel.geteuid() != 0) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "must run as root, as the containers"
          + " that plug in: sudo ./lab switch");
    }
    if (age <= 0) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "--age " + age + ": give a number of seconds above 0");
    }
    table = new Switch(age * 1000L);
    int listening = listen(Path.of(socket));
    // Ctrl-C (SIGINT) or SIGTERM: the loop sees the flag within a poll's timeout, and the switch ends cleanly.
    for (String name : List.of("INT", "TERM")) {
      Signal.handle(new Signal(name), signal -> stopping = true);
    }
    System.out.println("switch: listening on " + socket + "; containers join with ./lab 5 --net switch"
        + (socket.equals(DEFAULT_SOCKET) ? "" : ":" + socket) + " --ip ADDRESS/24 (Ctrl-C stops it)");
    try {
      loop(listening);
    } finally {
      String table = tableText(); // as it was: unplugging forgets the addresses behind each port
      for (Port port : List.copyOf(ports)) {
        unplug(port, "the switch stopped");
      }
      NetLibC.C.close(listening);
      try {
        Files.deleteIfExists(Path.of(socket));
      } catch (IOException e) {
        System.out.println("switch: could not remove " + socket + ": " + e.getMessage());
      }
      System.out.println(summary(table));
      System.out.flush();
    }
    return 0;
  }

  /** Listen at {@code path}: refused if a switch listens there, taking the place of a dead one's socket. */
  private static int listen(Path path) {
    if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      try {
        if (!Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther()) {
          throw new ContainerException(ExitStatus.RUNTIME_ERROR, path + " exists and is not a socket: give --socket another path");
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      try {
        NetLibC.C.close(UnixSocket.connect(path.toString()));
        throw new ContainerException(ExitStatus.RUNTIME_ERROR, "a switch is listening on " + path
            + " already: stop it (Ctrl-C in its shell) or give --socket another path");
      } catch (SyscallException e) {
        if (e.errno() != NetLibC.ECONNREFUSED) {
          throw e;
        }
        // Nobody listens: the socket of a switch that was killed. Its file is all that is left.
        try {
          Files.delete(path);
        } catch (IOException io) {
          throw new UncheckedIOException(io);
        }
      }
    }
    try {
      Files.createDirectories(path.toAbsolutePath().getParent());
      int fd = UnixSocket.listen(path.toString());
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------")); // root's alone
      return fd;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // tag::loop[]
  /** Wait for any descriptor to be ready; then a connection, a message from a lab, or a frame. */
  private void loop(int listening) {
    Memory frame = new Memory(FRAME_MAX);
    PollSet poll = null;
    long lastAgeing = now();
    while (!stopping) {
      if (poll == null) { // the ports changed
        poll = new PollSet(listening, ports);
      }
      if (!poll.await(200)) {
        continue; // nothing in 200 ms, or a signal: look at the flag again
      }
      boolean changed = false;
      for (int i = 0; i < poll.size(); i++) {
        Port port = poll.port(i);
        if (!poll.ready(i) || port != null && port.gone) {
          continue;
        }
        if (port == null) {
          ports.add(new Port(UnixSocket.accept(listening)));
          changed = true;
        } else if (poll.isTap(i)) {
          changed |= !forward(port, frame);
        } else {
          changed |= message(port);
        }
      }
      if (changed) {
        poll = null;
      }
      long now = now();
      if (now - lastAgeing >= 1000) {
        for (long mac : table.age(now)) {
          trace("aged out: " + Switch.text(mac) + " (no frame from it for " + age + " s)");
        }
        lastAgeing = now;
      }
    }
  }
  // end::loop[]

  /** One frame from {@code from}: learn, decide, write it where it goes. False if the port went instead. */
  private boolean forward(Port from, Memory frame) {
    int length;
    try {
      length = (int) NetLibC.C.read(from.tap, frame, FRAME_MAX);
    } catch (LastErrorException e) {
      unplug(from, "reading its TAP device failed (errno " + e.getErrorCode() + ")");
      return false;
    }
    if (length < 14) {
      return true; // not even an Ethernet header
    }
    long now = now();
    framesIn++;
    from.framesIn++;
    long destination = mac(frame, 0);
    long source = mac(frame, 6);
    if (!Switch.isGroup(source) && table.learn(source, from.number, now)) {
      trace("learned " + Switch.text(source) + " on port " + from.number + " (" + from.name + ")");
    }
    Switch.Decision decision = table.decide(destination, from.number, now);
    List<Port> out = new ArrayList<>();
    switch (decision.kind()) {
      case FORWARD -> ports.stream().filter(p -> p.number == decision.port() && p.tap >= 0).forEach(out::add);
      case FLOOD -> ports.stream().filter(p -> p != from && p.tap >= 0).forEach(out::add);
      case DROP -> { }
    }
    if (decision.kind() == Switch.Decision.Kind.FLOOD) {
      flooded++;
    } else if (out.isEmpty()) {
      dropped++;
    } else {
      forwarded++;
    }
    for (Port to : out) {
      try {
        NetLibC.C.write(to.tap, frame, length);
        to.framesOut++;
      } catch (LastErrorException e) {
        // Its eth0 is down (EIO), say: the frame is lost, as on a cable to a machine that is off.
      }
    }
    if (trace) {
      String where = switch (decision.kind()) {
        case FORWARD -> "port " + decision.port();
        case FLOOD -> "flood " + (out.isEmpty() ? "(no other port)"
            : out.stream().map(p -> "port " + p.number).reduce((a, b) -> a + ", " + b).orElse(""));
        case DROP -> "dropped";
      };
      trace("port " + from.number + " -> " + where + ": " + Switch.text(source) + " > "
          + Switch.text(destination) + " " + etherType(frame) + ", " + length + " bytes (" + decision.why() + ")");
    }
    return true;
  }

  /**
   * A lab's message: its TAP descriptor (the port is plugged in, and told its number), or the
   * end of its connection (the port goes). True if the set of descriptors to poll changed.
   */
  private boolean message(Port port) {
    UnixSocket.Received received;
    try {
      received = UnixSocket.receive(port.connection);
    } catch (SyscallException e) {
      received = new UnixSocket.Received("", -1); // ECONNRESET: as good as closed
    }
    if (received.text().isEmpty()) {
      unplug(port, port.tap >= 0 ? "its lab closed the connection: the container has ended" : null);
      return true;
    }
    String[] words = received.text().strip().split(" ");
    if (port.tap >= 0 || received.fd() < 0 || !words[0].equals("plug")) {
      if (received.fd() >= 0) {
        NetLibC.C.close(received.fd());
      }
      unplug(port, port.tap >= 0 ? "its lab sent more than one message" : null);
      return true;
    }
    port.tap = received.fd();
    port.number = nextNumber++;
    port.name = words.length >= 3 ? words[1] + " " + words[2] : words.length == 2 ? words[1] : "?";
    portsInAll++;
    UnixSocket.send(port.connection, "port " + port.number + "\n");
    System.out.println("switch: port " + port.number + " plugged in: container " + port.name);
    return true;
  }

  private void unplug(Port port, String why) {
    ports.remove(port);
    port.gone = true;
    if (port.tap >= 0) {
      NetLibC.C.close(port.tap); // the device, and the namespace it holds, go now
      port.tap = -1;
      table.forget(port.number);
      System.out.println("switch: port " + port.number + " unplugged: container " + port.name + ", " + why
          + " (" + port.framesIn + " frames in, " + port.framesOut + " out)");
    }
    NetLibC.C.close(port.connection);
  }

  private String summary(String table) {
    return String.format("switch: stopped; %d port(s) in all; %d frames in: %d forwarded to one port,"
        + " %d flooded, %d dropped%n%s", portsInAll, framesIn, forwarded, flooded, dropped, table).stripTrailing();
  }

  /** The learning table, as the switch has it now: one address per line, its port, its age. */
  String tableText() {
    StringBuilder text = new StringBuilder(String.format("learning table, when the switch stopped:%n  %-17s  %4s  %s%n", "MAC", "PORT", "LAST SEEN"));
    long now = now();
    table.table().entrySet().stream().sorted(Comparator.comparing((Map.Entry<Long, Switch.Entry> e) -> e.getValue().port())
        .thenComparing(Map.Entry::getKey)).forEach(e -> text.append(String.format("  %-17s  %4d  %d s ago%n",
        Switch.text(e.getKey()), e.getValue().port(), (now - e.getValue().seen()) / 1000)));
    return text.toString();
  }

  private void trace(String line) {
    if (trace) {
      System.out.println(line);
    }
  }

  private static long mac(Memory frame, int offset) {
    long mac = 0;
    for (int i = 0; i < 6; i++) {
      mac = mac << 8 | (frame.getByte(offset + i) & 0xff);
    }
    return mac;
  }

  private static String etherType(Memory frame) {
    int type = (frame.getByte(12) & 0xff) << 8 | (frame.getByte(13) & 0xff);
    return switch (type) {
      case 0x0800 -> "IPv4";
      case 0x0806 -> "ARP";
      case 0x86dd -> "IPv6";
      default -> String.format("type 0x%04x", type);
    };
  }

  private static long now() {
    return System.nanoTime() / 1_000_000;
  }

  /** poll(2)'s array: the listening socket, then each port's connection and, once plugged in, its TAP device. */
  private static final class PollSet {
    private static final short POLLIN = 1;
    private final Memory fds;
    private final List<Port> owners = new ArrayList<>();
    private final List<Boolean> taps = new ArrayList<>();

    PollSet(int listening, List<Port> ports) {
      List<Integer> list = new ArrayList<>(List.of(listening));
      owners.add(null);
      taps.add(false);
      for (Port port : ports) {
        list.add(port.connection);
        owners.add(port);
        taps.add(false);
        if (port.tap >= 0) {
          list.add(port.tap);
          owners.add(port);
          taps.add(true);
        }
      }
      fds = new Memory(8L * list.size()); // struct pollfd: int fd, short events, short revents
      for (int i = 0; i < list.size(); i++) {
        fds.setInt(8L * i, list.get(i));
        fds.setShort(8L * i + 4, POLLIN);
        fds.setShort(8L * i + 6, (short) 0);
      }
    }

    boolean await(int millis) {
      try {
        return NetLibC.C.poll(fds, owners.size(), millis) > 0;
      } catch (LastErrorException e) {
        if (e.getErrorCode() == NetLibC.EINTR) {
          return false;
        }
        throw new SyscallException("poll", e.getErrorCode());
      }
    }

    int size() {
      return owners.size();
    }

    boolean ready(int i) {
      return fds.getShort(8L * i + 6) != 0;
    }

    Port port(int i) {
      return owners.get(i);
    }

    boolean isTap(int i) {
      return taps.get(i);
    }
  }
}
