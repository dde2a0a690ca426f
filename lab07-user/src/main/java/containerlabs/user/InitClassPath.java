package containerlabs.user;

import containerlabs.engine.ContainerException;
import containerlabs.engine.ExitStatus;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The init JVM is the container's root from its first instruction: uid 100000 on the host,
 * which may read only what anyone may. Maven's jars are in /root/.m2, and /root is 0700: a
 * class path entry only root can read is copied, once, where anyone can.
 */
final class InitClassPath {
  static final Path COPIES = Path.of("/var/lib/container-labs/classpath");

  private InitClassPath() {}

  /** The init's command line, its -cp made of entries uid {@code uid} can read. */
  static List<String> readableBy(int uid, List<String> argv) {
    List<String> result = new ArrayList<>(argv);
    int cp = result.indexOf("-cp");
    if (cp < 0) {
      return result;
    }
    List<String> entries = new ArrayList<>();
    for (String entry : result.get(cp + 1).split(File.pathSeparator)) {
      Path path = Path.of(entry).toAbsolutePath();
      entries.add(!Files.exists(path) || readableByAnyone(path) ? entry : copy(path).toString());
    }
    result.set(cp + 1, String.join(File.pathSeparator, entries));
    return result;
  }

  private static boolean readableByAnyone(Path path) {
    try {
      Set<PosixFilePermission> own = Files.getPosixFilePermissions(path);
      if (!own.contains(PosixFilePermission.OTHERS_READ)
          || Files.isDirectory(path) && !own.contains(PosixFilePermission.OTHERS_EXECUTE)) {
        return false;
      }
      for (Path dir = path.getParent(); dir != null; dir = dir.getParent()) {
        if (!Files.getPosixFilePermissions(dir).contains(PosixFilePermission.OTHERS_EXECUTE)) {
          return false;
        }
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** A copy named after the entry's path, size and times: a changed entry gets a new copy. */
  private static Path copy(Path entry) {
    try (Stream<Path> files = Files.walk(entry)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(entry.toString().getBytes());
      for (Path file : (Iterable<Path>) files.sorted()::iterator) {
        digest.update((file + " " + Files.size(file) + " " + Files.getLastModifiedTime(file)).getBytes());
      }
      String name = HexFormat.of().formatHex(digest.digest()).substring(0, 16) + "-" + entry.getFileName();
      Path copy = COPIES.resolve(name);
      if (!Files.exists(copy)) {
        Files.createDirectories(COPIES);
        Path staging = COPIES.resolve("." + name + "-" + ProcessHandle.current().pid());
        Process cp = new ProcessBuilder("cp", "-r", entry.toString(), staging.toString()).inheritIO().start();
        Process chmod = cp.waitFor() == 0 ? new ProcessBuilder("chmod", "-R", "a+rX", staging.toString()).start() : null;
        if (chmod == null || chmod.waitFor() != 0) {
          throw new ContainerException(ExitStatus.RUNTIME_ERROR, "cannot copy " + entry + " to " + staging);
        }
        try {
          Files.move(staging, copy, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
          new ProcessBuilder("rm", "-rf", staging.toString()).start().waitFor(); // another lab's copy is there
        }
      }
      return copy;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
