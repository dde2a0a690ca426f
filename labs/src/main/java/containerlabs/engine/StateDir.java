package containerlabs.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
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
        if (abandoned(dir)) {
          ids.add(dir.getFileName().toString());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ids;
  }

  /** Whether the lab that made this state dir has ended without removing it. */
  static boolean abandoned(Path dir) {
    try {
      Path pidFile = dir.resolve("lab.pid");
      String recorded = Files.exists(pidFile) ? Files.readString(pidFile) : "";
      if (recorded.isBlank()) {
        // A lab writes lab.pid a moment after the dir: only a crash in between leaves none.
        return Files.getLastModifiedTime(dir).toInstant().isBefore(Instant.now().minusSeconds(60));
      }
      long pid = Long.parseLong(recorded.split(" ")[0]);
      return !ProcessHandle.of(pid).map(p -> labIdentity(p).equals(recorded)).orElse(false);
    } catch (NoSuchFileException e) {
      return false; // its lab has just removed it: not abandoned, gone
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The right to clean up after an abandoned container: a lock on its state dir, or null if
   * another lab holds it (or has just removed the dir).
   */
  static Claim claim(String id) {
    try {
      FileChannel channel = FileChannel.open(Container.STATE_ROOT.resolve(id).resolve("lab.pid"),
          StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        channel.close();
        return null;
      }
      return new Claim(channel);
    } catch (IOException | OverlappingFileLockException e) {
      return null;
    }
  }

  static final class Claim implements AutoCloseable {
    private final FileChannel channel;

    private Claim(FileChannel channel) {
      this.channel = channel;
    }

    @Override
    public void close() {
      try {
        channel.close();
      } catch (IOException e) {
        // the lock goes with the channel all the same
      }
    }
  }

  /** Remove the state dir; false if it had gone already. */
  static boolean remove(Container container) throws IOException {
    Path dir = container.stateDir();
    if (!Files.exists(dir)) {
      return false;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(path);
      }
    }
    return true;
  }

  /** Every state dir there is now: of running containers, and of any not yet cleaned up. */
  static List<Path> all() {
    if (!Files.isDirectory(Container.STATE_ROOT)) {
      return List.of();
    }
    try (Stream<Path> dirs = Files.list(Container.STATE_ROOT)) {
      return dirs.filter(Files::isDirectory).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

}
