package containerlabs.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerlabs.testing.Guide;
import containerlabs.testing.Host;
import containerlabs.testing.LabRunner;
import containerlabs.testing.LabRunner.Result;
import containerlabs.testing.LabTest;
import containerlabs.testing.Points;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * containet's switch ({@code ./lab switch}) and containers on it ({@code --net switch}). Each
 * test runs a switch of its own, on a socket of its own; the containers' addresses
 * (10.0.0.0/24) exist only in their own network namespaces, joined by that switch alone.
 */
@LabTest
@Guide("containet: a bridge you write yourself")
@DisplayName("lab05-net: containet's switch")
class SwitchTest {
  private static final String MAC = "[0-9a-f]{2}(?::[0-9a-f]{2}){5}";
  private final LabRunner lab = LabRunner.of(Lab05.class);

  @Test
  @Points(2)
  @DisplayName("two containers on the switch ping each other")
  void twoContainers() throws Exception {
    try (RunningSwitch net = new RunningSwitch(false)) {
      Member a = net.plug("10.0.0.1/24", "ping -c 2 -w 5 10.0.0.2 >&2 && echo reached; echo pinged");
      Member b = net.plug("10.0.0.2/24", "ping -c 2 -w 5 10.0.0.1 >&2 && echo reached; echo pinged");
      a.go();
      b.go();
      // Both have pinged before either leaves: one that had ended could not answer the other's last.
      a.readUntil("pinged");
      b.readUntil("pinged");
      for (Member m : List.of(a, b)) {
        Result run = m.finish();
        assertEquals(0, run.exitStatus(), run::toString);
        assertEquals(List.of(m.mac, "reached", "pinged"), run.lines(), run::toString);
      }
    }
  }

  @Test
  @Points(1)
  @DisplayName("three containers on the switch ping each other, each the two others")
  void threeContainers() throws Exception {
    try (RunningSwitch net = new RunningSwitch(false)) {
      List<Member> members = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        StringBuilder pings = new StringBuilder("true");
        for (int j = 1; j <= 3; j++) {
          if (j != i) {
            pings.append("; ping -c 1 -w 5 10.0.0.").append(j).append(" >&2 && echo reached 10.0.0.").append(j);
          }
        }
        members.add(net.plug("10.0.0." + i + "/24", pings + "; echo pinged"));
      }
      members.forEach(Member::go);
      // Every one has pinged before any leaves: one that had ended could not answer the last.
      for (Member member : members) {
        member.readUntil("pinged");
      }
      for (int i = 1; i <= 3; i++) {
        Result run = members.get(i - 1).finish();
        List<String> expected = new ArrayList<>(List.of(members.get(i - 1).mac));
        for (int j = 1; j <= 3; j++) {
          if (j != i) {
            expected.add("reached 10.0.0." + j);
          }
        }
        expected.add("pinged");
        assertEquals(expected, run.lines(), run::toString);
      }
    }
  }

  @Test
  @Points(1)
  @DisplayName("the switch learns each container's MAC address on its port, and then sends to that port alone")
  void learnsAddresses() throws Exception {
    try (RunningSwitch net = new RunningSwitch(true)) {
      Member a = net.plug("10.0.0.1/24", "ping -c 2 -w 5 10.0.0.2 >&2 && echo reached");
      Member b = net.plug("10.0.0.2/24", "true");
      a.go();
      b.go();
      assertEquals(0, a.finish().exitStatus());
      assertEquals(0, b.finish().exitStatus());
      String trace = net.stop();
      int portA = learnedPort(trace, a.mac, "10.0.0.1/24");
      int portB = learnedPort(trace, b.mac, "10.0.0.2/24");
      assertNotEquals(portA, portB, trace);
      // The pings, known both ways once learned: each to one port, never flooded.
      assertTrue(trace.contains("port " + portA + " -> port " + portB + ": " + a.mac + " > " + b.mac + " IPv4"), trace);
      assertTrue(trace.contains("port " + portB + " -> port " + portA + ": " + b.mac + " > " + a.mac + " IPv4"), trace);
      assertFalse(Pattern.compile("^port \\d+ -> flood [^\n]*> (" + a.mac + "|" + b.mac + ") IPv4", Pattern.MULTILINE)
          .matcher(trace).find(), trace);
    }
  }

  @Test
  @Points(1)
  @DisplayName("a frame for a MAC address the switch has not learned is flooded to every other port")
  void unknownFlooded() throws Exception {
    try (RunningSwitch net = new RunningSwitch(true)) {
      String rx = "cat /sys/class/net/eth0/statistics/rx_packets";
      Member a = net.plug("10.0.0.1/24", "ping -c 3 -w 4 10.0.0.99 > /dev/null; echo sent");
      // A static neighbour, from the host (the container has no CAP_NET_ADMIN): A's pings go to a
      // MAC address that no container has, without asking by ARP.
      Host.sh("nsenter -t " + pidOf("10.0.0.99") + " -n ip neigh replace 10.0.0.99 lladdr 02:00:00:00:00:99 dev eth0 nud permanent");
      Member b = net.plug("10.0.0.2/24", rx + "; read done; " + rx);
      Member c = net.plug("10.0.0.3/24", rx + "; read done; " + rx);
      b.go();
      c.go();
      a.go();
      Result sent = a.finish();
      assertEquals(List.of(a.mac, "sent"), sent.lines(), sent::toString);
      String trace = net.trace();
      int portA = learnedPort(trace, a.mac, "10.0.0.1/24");
      int portB = learnedPort(trace, b.mac, "10.0.0.2/24");
      int portC = learnedPort(trace, c.mac, "10.0.0.3/24");
      Matcher flood = Pattern.compile("port " + portA + " -> flood port (\\d+), port (\\d+): " + a.mac
          + " > 02:00:00:00:00:99 IPv4, 98 bytes \\(unknown\\)").matcher(trace);
      int floods = 0;
      while (flood.find()) {
        assertEquals(Set.of(portB, portC), Set.of(Integer.parseInt(flood.group(1)), Integer.parseInt(flood.group(2))), trace);
        floods++;
      }
      assertEquals(3, floods, trace);
      for (Member m : List.of(b, c)) {
        m.go();
        Result run = m.finish();
        List<String> lines = run.lines();
        assertEquals(3, lines.size(), run::toString);
        long received = Long.parseLong(lines.get(2)) - Long.parseLong(lines.get(1));
        assertTrue(received >= 3, "port of " + m.ip + " received " + received + " frames\n" + trace);
      }
    }
  }

  @Test
  @Points(1)
  @DisplayName("a container's end (its lab's exit, or SIGKILL) unplugs its port: the switch keeps no TAP device, no namespace")
  void portRemoved() throws Exception {
    try (RunningSwitch net = new RunningSwitch(false)) {
      Member a = net.plug("10.0.0.1/24", "true");
      assertEquals(1, net.tapDescriptors());
      a.go();
      assertEquals(0, a.finish().exitStatus());
      net.await("switch: port \\d+ unplugged: container \\S+ 10.0.0.1/24, its lab closed the connection.*");
      assertEquals(0, net.tapDescriptors());

      Member b = net.plug("10.0.0.2/24", "sleep 300");
      b.go();
      String namespace = Files.readSymbolicLink(Path.of("/proc", pidOf("sleep 300"), "ns/net")).toString();
      b.process.toHandle().destroyForcibly(); // SIGKILL: the lab cleans nothing up, yet the kernel closes its socket
      assertTrue(b.process.waitFor(10, TimeUnit.SECONDS));
      net.await("switch: port \\d+ unplugged: container \\S+ 10.0.0.2/24, its lab closed the connection.*");
      assertEquals(0, net.tapDescriptors());
      Result next = lab.run("--net", "none", "--", "true"); // removes the killed lab's state dir
      assertEquals(0, next.exitStatus(), next::toString);
      for (int i = 0; i < 50 && !processesIn(namespace).isEmpty(); i++) {
        Thread.sleep(100); // the container's processes die with their lab (PR_SET_PDEATHSIG): soon
      }
      assertEquals(List.of(), processesIn(namespace), "processes still in the killed container's network namespace");
    }
  }

  @Test
  @Points(1)
  @DisplayName("the switch stopping leaves containers with a dead link (no eth0), their labs end as usual; its socket goes")
  void switchStops() throws Exception {
    RunningSwitch net = new RunningSwitch(false);
    try (net) {
      Member a = net.plug("10.0.0.1/24", "ls /sys/class/net");
      String summary = net.stop();
      assertTrue(summary.contains("switch: port 1 unplugged: container"), summary);
      assertTrue(summary.contains("switch: stopped; 1 port(s) in all"), summary);
      // The table as it was when the switch stopped: the container's address, on its port 1.
      assertTrue(summary.contains("\n  " + a.mac + "     1  "), summary);
      assertFalse(Files.exists(net.socket), "the socket " + net.socket + " is still there");
      a.go();
      Result run = a.finish();
      assertEquals(0, run.exitStatus(), run::toString);
      assertEquals(List.of(a.mac, "lo"), run.lines(), run::toString);
    }
  }

  @Test
  @DisplayName("bad switch options: exit 125 with one line, and nothing half-built")
  void badInput() throws Exception {
    try (RunningSwitch net = new RunningSwitch(false)) {
      List<String[]> cases = List.of(
          new String[] {"--net", "switch:" + net.socket}, // no --ip
          new String[] {"--net", "switch:" + net.socket, "--ip", "10.0.0.1"},
          new String[] {"--net", "switch:" + net.socket, "--ip", "10.0.0.1/24", "-p", "8080:80"},
          new String[] {"--net", "switch:/nonexistent/switch.sock", "--ip", "10.0.0.1/24"},
          new String[] {"--net", "none", "--ip", "10.0.0.1/24"});
      for (String[] options : cases) {
        List<String> args = new ArrayList<>(List.of(options));
        args.addAll(List.of("--", "true"));
        Result run = lab.run(args.toArray(String[]::new));
        assertEquals(125, run.exitStatus(), String.join(" ", options) + ": " + run);
        assertEquals(1, run.stderr().lines().count(), String.join(" ", options) + ": " + run);
      }
      Result missing = lab.run("--net", "switch:/nonexistent/switch.sock", "--ip", "10.0.0.1/24", "--", "true");
      assertTrue(missing.stderr().contains("./lab switch --socket /nonexistent/switch.sock"), missing::toString);
      Result second = LabRunner.of(SwitchCommand.class).run("--socket", net.socket.toString());
      assertEquals(125, second.exitStatus(), second::toString);
      assertEquals(1, second.stderr().lines().count(), second::toString);
      assertTrue(second.stderr().contains("already"), second::toString);
    }
  }

  @Test
  @DisplayName("a switch killed with SIGKILL leaves its socket; the next switch replaces it")
  void staleSocket() throws Exception {
    Path socket;
    try (RunningSwitch killed = new RunningSwitch(false)) {
      socket = killed.socket;
      killed.process.toHandle().destroyForcibly();
      assertTrue(killed.process.waitFor(10, TimeUnit.SECONDS));
      assertTrue(Files.exists(socket));
      try (RunningSwitch next = new RunningSwitch(false, socket)) {
        Member a = next.plug("10.0.0.1/24", "true");
        a.go();
        assertEquals(0, a.finish().exitStatus());
      }
      assertFalse(Files.exists(socket));
    }
  }

  /** The port on which the switch's --trace says it learned {@code mac}, for the container at {@code ip}. */
  private static int learnedPort(String trace, String mac, String ip) {
    Matcher learned = Pattern.compile("learned " + mac + " on port (\\d+) \\(\\S+ " + ip + "\\)").matcher(trace);
    assertTrue(learned.find(), "no 'learned " + mac + "' for " + ip + " in:\n" + trace);
    return Integer.parseInt(learned.group(1));
  }

  /** A process of a container (not in the test's network namespace) whose command line has {@code text}. */
  private static String pidOf(String text) throws IOException {
    String mine = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : (Iterable<Path>) procs.filter(p -> p.getFileName().toString().matches("\\d+"))::iterator) {
        try {
          if (!Files.readSymbolicLink(proc.resolve("ns/net")).toString().equals(mine)
              && Files.readString(proc.resolve("cmdline")).contains(text)) {
            return proc.getFileName().toString();
          }
        } catch (IOException e) {
          // it ended while we looked
        }
      }
    }
    throw new AssertionError("no process of a container runs " + text);
  }

  /** The processes whose network namespace is {@code namespace}. */
  private static List<String> processesIn(String namespace) throws IOException {
    List<String> found = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : (Iterable<Path>) procs.filter(p -> p.getFileName().toString().matches("\\d+"))::iterator) {
        try {
          if (Files.readSymbolicLink(proc.resolve("ns/net")).toString().equals(namespace)) {
            found.add(proc.getFileName().toString());
          }
        } catch (IOException e) {
          // it ended while we looked
        }
      }
    }
    return found;
  }

  /** A container on the switch: it prints its MAC address, waits for "go" on its stdin, runs its script, waits for its stdin to close. */
  private final class Member {
    final Process process;
    final BufferedReader out;
    final String mac;
    final String ip;

    Member(Process process, String ip) throws IOException {
      this.process = process;
      this.ip = ip;
      this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String first = out.readLine();
      if (first == null || !first.matches(MAC)) {
        Result run = LabRunner.finish(process);
        throw new AssertionError("the container at " + ip + " printed no MAC address first: " + first + "\n" + run);
      }
      this.mac = first;
    }

    void go() {
      try {
        OutputStream in = process.getOutputStream();
        in.write("go\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }

    private final List<String> early = new ArrayList<>();

    /** Read its output up to the line {@code last} (kept for finish); it runs on till its stdin closes. */
    void readUntil(String last) throws IOException {
      for (String line; (line = out.readLine()) != null; ) {
        early.add(line);
        if (line.equals(last)) {
          return;
        }
      }
    }

    /** Close its stdin and collect its output, its MAC address first. */
    Result finish() {
      Result rest = LabRunner.finish(process);
      String before = early.isEmpty() ? "" : String.join("\n", early) + "\n";
      return new Result(rest.exitStatus(), mac + "\n" + before + rest.stdout(), rest.stderr());
    }
  }

  /** A switch of the test's own, {@code --trace} or not, on a socket of its own; stopped (SIGTERM) at the end. */
  private final class RunningSwitch implements AutoCloseable {
    final Path socket;
    final Process process;
    private final List<String> output = new ArrayList<>();
    private boolean ended;
    private String stopped;

    RunningSwitch(boolean trace) throws Exception {
      this(trace, Path.of("/tmp/labtest-switch-" + ThreadLocalRandom.current().nextInt(1_000_000) + ".sock"));
    }

    RunningSwitch(boolean trace, Path socket) throws Exception {
      this.socket = socket;
      List<String> args = new ArrayList<>(List.of("--socket", socket.toString()));
      if (trace) {
        args.add("--trace");
      }
      process = LabRunner.of(SwitchCommand.class).start(args.toArray(String[]::new));
      process.getOutputStream().close();
      Thread reader = new Thread(() -> {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = lines.readLine()) != null; ) {
            synchronized (output) {
              output.add(line);
              output.notifyAll();
            }
          }
        } catch (IOException e) {
          // the switch has ended
        } finally {
          synchronized (output) {
            ended = true;
            output.notifyAll();
          }
        }
      });
      reader.setDaemon(true);
      reader.start();
      await("switch: listening on .*");
    }

    /** A container on this switch at {@code ip}, running {@code script} once told to go. */
    Member plug(String ip, String script) throws Exception {
      Process container = lab.start("--net", "switch:" + socket, "--ip", ip, "--", "sh", "-c",
          "cat /sys/class/net/eth0/address; read go; " + script + "; read done; true");
      Member member = new Member(container, ip);
      await("switch: port \\d+ plugged in: container \\S+ " + ip);
      return member;
    }

    /** Wait for a line of the switch's output that matches {@code regex}. */
    void await(String regex) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      synchronized (output) {
        while (output.stream().noneMatch(l -> l.matches(regex))) {
          long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
          if (left <= 0 || ended) {
            throw new AssertionError("the switch never printed a line matching " + regex + ":\n"
                + String.join("\n", output) + "\n" + stderr());
          }
          output.wait(Math.min(left, 100));
        }
      }
    }

    String trace() {
      synchronized (output) {
        return String.join("\n", output);
      }
    }

    /** The TAP descriptors the switch holds: each one holds a container's network namespace. */
    int tapDescriptors() throws IOException {
      int taps = 0;
      try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(process.pid()), "fd"))) {
        for (Path fd : (Iterable<Path>) fds::iterator) {
          try {
            // /dev/net/tun, seen from the container's mount namespace where the lab opened it: /net/tun.
            if (Files.readSymbolicLink(fd).toString().endsWith("/net/tun")) {
              taps++;
            }
          } catch (IOException e) {
            // closed while we looked
          }
        }
      }
      return taps;
    }

    /** SIGTERM, as Ctrl-C: the switch unplugs every port, removes its socket, prints its summary; its whole output. */
    String stop() throws InterruptedException {
      if (stopped == null) {
        process.toHandle().destroy(); // not Process.destroy(), which closes the pipes of its output too
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new AssertionError("the switch did not stop within 20 s of SIGTERM:\n" + trace());
        }
        await("learning table, when the switch stopped:");
        stopped = trace();
      }
      return stopped;
    }

    private String stderr() {
      try {
        return process.isAlive() ? "" : "exit status " + process.exitValue() + ", stderr: "
            + new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "";
      }
    }

    @Override
    public void close() throws Exception {
      if (process.isAlive()) {
        stop();
      }
      Files.deleteIfExists(socket); // a killed switch's
    }
  }
}
