package containerlabs.net;

import containerlabs.engine.ContainerException;
import containerlabs.engine.ExitStatus;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.ServerSocket;

/** {@code -p HOSTPORT:CONTAINERPORT[/tcp|udp]}: the host's port forwards to the container's. */
record PortMapping(int hostPort, int containerPort, String protocol) {

  static PortMapping parse(String spec) {
    String[] parts = spec.split("/", -1);
    String protocol = parts.length == 2 ? parts[1] : "tcp";
    String[] ports = parts[0].split(":", -1);
    if (parts.length > 2 || !protocol.matches("tcp|udp") || ports.length != 2
        || !ports[0].matches("\\d{1,5}") || !ports[1].matches("\\d{1,5}")) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "malformed -p '" + spec
          + "': write HOSTPORT:CONTAINERPORT[/tcp|/udp], e.g. -p 8080:80");
    }
    PortMapping mapping = new PortMapping(Integer.parseInt(ports[0]), Integer.parseInt(ports[1]), protocol);
    for (int port : new int[] {mapping.hostPort, mapping.containerPort}) {
      if (port < 1 || port > 65535) {
        throw new ContainerException(ExitStatus.RUNTIME_ERROR, "-p '" + spec + "': port " + port
            + " is out of range: ports go from 1 to 65535");
      }
    }
    return mapping;
  }

  /** A host process already listening there would never see its traffic again: refuse. */
  void checkHostPortFree() {
    try {
      if (protocol.equals("tcp")) {
        new ServerSocket(hostPort).close();
      } else {
        new DatagramSocket(hostPort).close();
      }
    } catch (IOException e) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "-p " + this + ": the host's "
          + protocol + " port " + hostPort + " is in use: choose another host port");
    }
  }

  @Override
  public String toString() {
    return hostPort + ":" + containerPort + "/" + protocol;
  }
}
