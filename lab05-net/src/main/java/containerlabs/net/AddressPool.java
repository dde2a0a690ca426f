package containerlabs.net;

import containerlabs.engine.Container;
import containerlabs.engine.ContainerException;
import containerlabs.engine.ExitStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The bridge's addresses: each container records its own in its state dir ({@code net}),
 * and a lock file makes choosing one and recording it a single step, so that containers
 * starting at the same moment never get the same address.
 */
final class AddressPool {
  private static final Path LOCK = Container.STATE_ROOT.resolveSibling("container-labs.net.lock");
  static final String STATE = "net";

  private AddressPool() {}

  static <T> T locked(Supplier<T> action) {
    try (FileChannel channel = FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = channel.lock()) {
      return action.get();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The lowest free address, or the one asked for if it is free. Call it under the lock. */
  static int allocate(Subnet subnet, String requested) {
    Set<Integer> used = new HashSet<>();
    used.add(subnet.network());
    used.add(subnet.gateway());
    used.add(subnet.broadcast());
    for (Properties state : allStates()) {
      used.add(Subnet.address(state.getProperty("ip")));
    }
    if (requested != null) {
      int address = Subnet.address(requested);
      if (!subnet.contains(address) || address == subnet.network() || address == subnet.broadcast()) {
        throw new ContainerException(ExitStatus.RUNTIME_ERROR, "--ip " + requested + " is outside the"
            + " bridge's subnet " + subnet + ": choose an address in it, or leave --ip out");
      }
      if (used.contains(address)) {
        throw new ContainerException(ExitStatus.RUNTIME_ERROR, "--ip " + requested
            + " is in use (by the bridge or another container): choose another, or leave --ip out");
      }
      return address;
    }
    for (int address = subnet.gateway() + 1; address < subnet.broadcast(); address++) {
      if (!used.contains(address)) {
        return address;
      }
    }
    throw new ContainerException(ExitStatus.RUNTIME_ERROR, "the bridge's subnet " + subnet
        + " is full: stop a container, or use a larger --subnet");
  }

  /**
   * As {@code key=value} lines, which Properties reads back. (Its own store() heads the file
   * with the date, and loading the time-zone rules for that costs each container 7 ms.)
   */
  static void record(Container container, Properties state) {
    StringBuilder lines = new StringBuilder();
    for (String key : state.stringPropertyNames()) {
      lines.append(key).append('=').append(state.getProperty(key)).append('\n');
    }
    try {
      Files.writeString(container.stateDir().resolve(STATE), lines);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What a container recorded, or null (another --net mode, or it never got that far). */
  static Properties recorded(Path stateDir) {
    Path file = stateDir.resolve(STATE);
    if (!Files.exists(file)) {
      return null;
    }
    Properties state = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      state.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return state;
  }

  private static Set<Properties> allStates() {
    Set<Properties> states = new HashSet<>();
    try (Stream<Path> dirs = Files.list(Container.STATE_ROOT)) {
      dirs.map(AddressPool::recorded).filter(s -> s != null && s.getProperty("ip") != null)
          .forEach(states::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return states;
  }
}
