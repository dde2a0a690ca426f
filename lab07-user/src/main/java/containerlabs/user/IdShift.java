package containerlabs.user;

import containerlabs.engine.ContainerException;
import containerlabs.engine.ExitStatus;
import containerlabs.kernel.Trace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * Files seen under the mapped ids. In a user namespace a file whose owner is not mapped
 * belongs to nobody (65534), and overlayfs there refuses layers whose owners are not mapped:
 * so the image's layers are copied once per range, each owner shifted by START (Docker's
 * userns-remap keeps such a copy per range too: /var/lib/docker/100000.100000/).
 */
final class IdShift {
  private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

  private IdShift() {}

  /** The layer's copy for this range, made beside the image's layers the first time it is asked for. */
  static Path shiftedLayer(Path layer, int start) {
    Path layers = layer.getParent();
    Path shifted = layers.resolveSibling(layers.getFileName() + "-" + start);
    if (!Files.isDirectory(shifted)) {
      copyShifted(layers, shifted, start);
    }
    return shifted.resolve(layer.getFileName());
  }

  /** cp -a, then every owner shifted; made under another name and renamed, so never seen half-made. */
  private static void copyShifted(Path layers, Path shifted, int start) {
    long began = System.nanoTime();
    Path staging = layers.resolveSibling("." + shifted.getFileName() + "-" + ProcessHandle.current().pid());
    try {
      run(List.of("cp", "-a", layers.toString(), staging.toString()));
      try (Stream<Path> paths = Files.walk(staging)) {
        for (Path path : (Iterable<Path>) paths::iterator) {
          int mode = (Integer) Files.getAttribute(path, "unix:mode", NOFOLLOW);
          shift(path, start);
          if ((mode & 06000) != 0 && !Files.isSymbolicLink(path)) {
            Files.setAttribute(path, "unix:mode", mode & 07777); // chown clears setuid and setgid
          }
        }
      }
      try {
        Files.move(staging, shifted, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
        // another lab made it meanwhile: the same copy
      }
      Trace.note("copied " + layers + " to " + shifted + ", owners shifted by " + start + " ("
          + (System.nanoTime() - began) / 1_000_000 + " ms, once for this image and range)");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (Files.exists(staging, NOFOLLOW)) {
        run(List.of("rm", "-rf", staging.toString()));
      }
    }
  }

  /** Every file of a tree the lab made (owned by the host's root) to the container's root. */
  static void chownTree(Path dir, int start) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        shift(path, start);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void chown(Path path, int uid) {
    try {
      Files.setAttribute(path, "unix:uid", uid, NOFOLLOW);
      Files.setAttribute(path, "unix:gid", uid, NOFOLLOW);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** lchown(path, uid + start, gid + start): id 0 becomes START, id 1 START+1... */
  private static void shift(Path path, int start) throws IOException {
    int uid = (Integer) Files.getAttribute(path, "unix:uid", NOFOLLOW);
    int gid = (Integer) Files.getAttribute(path, "unix:gid", NOFOLLOW);
    Files.setAttribute(path, "unix:uid", start + uid, NOFOLLOW);
    Files.setAttribute(path, "unix:gid", start + gid, NOFOLLOW);
  }

  private static void run(List<String> command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes());
      if (process.waitFor() != 0) {
        throw new ContainerException(ExitStatus.RUNTIME_ERROR, String.join(" ", command) + " failed: " + output.strip());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "interrupted: " + String.join(" ", command));
    }
  }
}
