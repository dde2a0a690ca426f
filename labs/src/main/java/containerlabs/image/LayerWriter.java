package containerlabs.image;

import containerlabs.kernel.Kernel;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes one image layer's tar entries into a folder that overlayfs can use as a lower
 * layer. An image is untrusted input, so every entry is checked first: no {@code ..}, no
 * write through a symlink (a link to /etc followed by etc/passwd would write the host's),
 * no symlink that climbs out of the image, no device file unless allowed. OCI whiteouts
 * become overlayfs whiteouts.
 */
final class LayerWriter {
  private static final String WHITEOUT = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";

  private final Path root;
  private final boolean allowDevices;
  private final List<Runnable> directoryTimes = new ArrayList<>();

  LayerWriter(Path root, boolean allowDevices) {
    this.root = root;
    this.allowDevices = allowDevices;
  }

  void write(TarReader tar) throws IOException {
    for (TarReader.Entry entry = tar.next(); entry != null; entry = tar.next()) {
      write(entry, tar.data());
    }
    directoryTimes.forEach(Runnable::run); // last: writing into a directory changes its mtime
  }

  private void write(TarReader.Entry entry, InputStream data) throws IOException {
    List<String> parts = components(entry.name());
    if (parts.isEmpty()) {
      return; // "./": the root itself
    }
    String base = parts.get(parts.size() - 1);
    Path parent = directoryFor(entry, parts.subList(0, parts.size() - 1));
    if (base.equals(OPAQUE)) {
      Kernel.setxattr(parent.toString(), "trusted.overlay.opaque", "y");
      return;
    }
    if (base.startsWith(WHITEOUT)) {
      Path hidden = parent.resolve(base.substring(WHITEOUT.length()));
      removeExisting(hidden);
      Kernel.mknodChar(hidden.toString(), 0, 0, 0); // overlayfs: a 0/0 device hides the name below
      return;
    }
    Path target = parent.resolve(base);
    switch (entry.type()) {
      case DIRECTORY -> {
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
          removeExisting(target);
          Files.createDirectory(target);
        }
        owner(target, entry);
        directoryTimes.add(() -> time(target, entry));
      }
      case FILE -> {
        removeExisting(target);
        Files.copy(data, target);
        owner(target, entry);
        time(target, entry);
      }
      case SYMLINK -> {
        checkSymlink(entry, parts);
        removeExisting(target);
        Files.createSymbolicLink(target, Path.of(entry.linkName()));
        Kernel.lchown(target.toString(), entry.uid(), entry.gid());
      }
      case HARDLINK -> {
        Path existing = root.resolve(String.join("/", inside(entry, entry.linkName())));
        if (!Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
          throw refuse(entry, "is a hard link to " + entry.linkName() + ", which is not in the layer");
        }
        removeExisting(target);
        Files.createLink(target, existing);
      }
      case CHAR, BLOCK -> {
        if (!allowDevices) {
          throw refuse(entry, "is a device file (debootstrap and mmdebstrap root filesystems have them in /dev): import again with --allow-devices if you trust the image");
        }
        removeExisting(target);
        Kernel.mknod(target.toString(), entry.type() == TarReader.Type.CHAR, entry.mode() & 07777,
            entry.devMajor(), entry.devMinor());
        owner(target, entry);
      }
      case FIFO -> {
        removeExisting(target);
        Kernel.mkfifo(target.toString(), entry.mode() & 07777);
        owner(target, entry);
      }
    }
  }

  /** The entry's parent folder in the layer, made if missing, never through a symlink. */
  private Path directoryFor(TarReader.Entry entry, List<String> parents) throws IOException {
    Path dir = root;
    for (String part : parents) {
      dir = dir.resolve(part);
      if (Files.isSymbolicLink(dir)) {
        throw refuse(entry, "would be written through the symlink " + root.relativize(dir) + " ("
            + Files.readSymbolicLink(dir) + "), which could lead out of the image");
      }
      if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(dir);
      } else if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        throw refuse(entry, "is inside " + root.relativize(dir) + ", which is not a directory");
      }
    }
    return dir;
  }

  /**
   * A relative symlink that climbs above the image's root ({@code ../../..}) can only be
   * meant to escape. Absolute ones are fine: in the container they resolve inside its root.
   */
  private static void checkSymlink(TarReader.Entry entry, List<String> parts) {
    String link = entry.linkName();
    if (link.isEmpty()) {
      throw refuse(entry, "is a symlink to nothing");
    }
    if (link.startsWith("/")) {
      return;
    }
    int depth = parts.size() - 1;
    for (String part : link.split("/")) {
      if (part.equals("..")) {
        depth--;
      } else if (!part.isEmpty() && !part.equals(".")) {
        depth++;
      }
      if (depth < 0) {
        throw refuse(entry, "is a symlink to " + link + ", which climbs out of the image's root");
      }
    }
  }

  private static List<String> components(String name) {
    List<String> parts = new ArrayList<>();
    for (String part : name.split("/")) {
      if (part.equals("..")) {
        throw new ImageException("refused: the entry " + name + " has '..' in its path (path traversal)");
      }
      if (!part.isEmpty() && !part.equals(".")) {
        parts.add(part);
      }
    }
    return parts;
  }

  private static List<String> inside(TarReader.Entry entry, String name) {
    try {
      return components(name);
    } catch (ImageException e) {
      throw refuse(entry, "is a hard link to " + name + ", outside the image");
    }
  }

  private static void removeExisting(Path path) throws IOException {
    ImageStore.deleteTree(path); // a file, a symlink (not followed) or a whole folder
  }

  private static void owner(Path path, TarReader.Entry entry) {
    Kernel.lchown(path.toString(), entry.uid(), entry.gid());
    Kernel.chmod(path.toString(), entry.mode() & 07777); // after chown, which clears setuid bits
  }

  private static void time(Path path, TarReader.Entry entry) {
    try {
      Files.setLastModifiedTime(path, FileTime.fromMillis(entry.mtime() * 1000));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ImageException refuse(TarReader.Entry entry, String why) {
    return new ImageException("refused: the entry " + entry.name() + " " + why);
  }

}
