package containerlabs.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
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
      Files.writeString(container.stateDir().resolve("lab.pid"), ProcessHandle.current().pid() + "\n");
    } catch (IOException e) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR,
          "cannot create the state dir " + container.stateDir() + ": " + e);
    }
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
