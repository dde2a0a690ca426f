package containerlabs.net;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import containerlabs.engine.ContainerException;
import containerlabs.engine.ExitStatus;
import containerlabs.kernel.SyscallException;
import java.nio.charset.StandardCharsets;

/**
 * The container's side of {@code --net switch}: a connection to the switch, opened on the
 * host before the container exists, and kept open by the lab for as long as the container
 * runs. The switch unplugs the port when it closes, however the lab ends (SIGKILL included:
 * the kernel closes it then). That, and not the device's end, must be the signal: the switch
 * holds the TAP descriptor, and the descriptor holds the container's network namespace, so
 * the device would never end while the switch waits for it to.
 */
final class SwitchPort implements AutoCloseable {
  private static final int ANSWER_MILLIS = 5000;
  private final String path;
  private int connection;

  private SwitchPort(String path, int connection) {
    this.path = path;
    this.connection = connection;
  }

  /** Connect to the switch listening at {@code path}, or fail in one line that says how to start one. */
  static SwitchPort connect(String path) {
    try {
      return new SwitchPort(path, UnixSocket.connect(path));
    } catch (SyscallException e) {
      String how = path.equals(SwitchCommand.DEFAULT_SOCKET) ? "./lab switch" : "./lab switch --socket " + path;
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "--net switch: no switch listening on " + path
          + " (" + e.errnoName() + "): start one in another shell with " + how);
    }
  }

  // tag::plug[]
  /**
   * On the container's thread, in its network namespace: make the TAP device eth0 here and
   * send its descriptor to the switch. The lab keeps no copy: only the switch holds it.
   */
  void plugIn(String name) {
    int tap = Tap.open("eth0");
    try {
      UnixSocket.send(connection, "plug " + name + "\n", tap);
    } finally {
      NetLibC.C.close(tap);
    }
    awaitAnswer();
  }
  // end::plug[]

  /** The switch answers "port N" once the port is in; a switch that is stuck fails the container, not hangs it. */
  private void awaitAnswer() {
    Memory poll = new Memory(8);
    poll.setInt(0, connection);
    poll.setShort(4, NetLibC.POLLIN);
    poll.setShort(6, (short) 0);
    int ready;
    try {
      ready = NetLibC.C.poll(poll, 1, ANSWER_MILLIS);
    } catch (LastErrorException e) {
      ready = 0;
    }
    Memory answer = new Memory(64);
    long n = 0;
    if (ready > 0) {
      try {
        n = NetLibC.C.read(connection, answer, answer.size());
      } catch (LastErrorException e) {
        n = 0;
      }
    }
    String text = n > 0 ? new String(answer.getByteArray(0, (int) n), StandardCharsets.UTF_8) : "";
    if (!text.startsWith("port ")) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "--net switch: the switch on " + path
          + (ready > 0 ? " closed the connection" : " did not answer in " + ANSWER_MILLIS / 1000 + " s")
          + ": look at its output, or start it again with ./lab switch");
    }
  }

  /** The container has ended: the switch unplugs its port, and closes the TAP device with it. */
  @Override
  public void close() {
    if (connection >= 0) {
      NetLibC.C.close(connection);
      connection = -1;
    }
  }
}
