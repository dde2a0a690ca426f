package containerlabs.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** The container's folder under /run/container-labs: made first, removed last. */
final class StateDir {
  private StateDir() {}

  static void create(Container container) {
    try {
      Files.createDirectories(Container.STATE_ROOT);
      Files.createDirectory(container.stateDir(),
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      // Whose container this is: a dir whose lab is gone was left by a crash.
      Files.writeString(container.stateDir().resolve("lab.pid"), labIdentity(ProcessHandle.current()));
    } catch (IOException e) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR,
          "cannot create the state dir " + container.stateDir() + ": " + e);
    }
  }

  /** A pid and its start time: a pid alone may belong to another process by now. */
  private static String labIdentity(ProcessHandle lab) {
    return lab.pid() + " " + lab.info().startInstant().map(Object::toString).orElse("?") + "\n";
  }

  /** The ids of containers whose lab has ended without removing their state dir. */
  static List<String> abandoned() {
    if (!Files.isDirectory(Container.STATE_ROOT)) {
      return List.of();
    }
    List<String> ids = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(Container.STATE_ROOT)) {
      for (Path dir : (Iterable<Path>) dirs::iterator) {
        Path pidFile = dir.resolve("lab.pid");
        String recorded = Files.exists(pidFile) ? Files.readString(pidFile) : "";
        long pid = recorded.isBlank() ? -1 : Long.parseLong(recorded.split(" ")[0]);
        boolean alive = ProcessHandle.of(pid).map(p -> labIdentity(p).equals(recorded)).orElse(false);
        if (!alive && !recorded.isBlank()) {
          ids.add(dir.getFileName().toString());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ids;
  }

  static void remove(Container container) throws IOException {
    Path dir = container.stateDir();
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(path);
      }
    }
  }
}
