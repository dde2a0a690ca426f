package containerlabs.image;

import containerlabs.kernel.Kernel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Writes one image layer's tar entries into a folder that overlayfs can use as a lower
 * layer. An image is untrusted input, so every entry is checked first: no {@code ..}, no
 * write through a symlink (a link to /etc followed by etc/passwd would write the host's),
 * no symlink that climbs out of the image, no device file unless allowed. OCI whiteouts
 * become overlayfs whiteouts.
 *
 * <p>The kernel trap behind most of it: every path lookup (open, link, utimensat, chmod)
 * follows symlinks in every component but the last, and this process's root is the host's,
 * so a path in the layer that crosses a symlink the image made ({@code etc -> /etc}) leads
 * to the host. {@code NOFOLLOW_LINKS} only guards the last component. So no path here is
 * ever used through a symlink of the layer: each component is checked with lstat first
 * (nobody else writes in the fresh staging folder, so what lstat saw is what the kernel will
 * walk). runc's securejoin and openat2(2)'s RESOLVE_IN_ROOT solve the general problem,
 * following links as if the layer were {@code /}; an honest tarball never needs that.
 */
final class LayerWriter {
  private static final String WHITEOUT = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";

  private final Path root;
  private final boolean allowDevices;
  private final Map<List<String>, Long> directoryTimes = new LinkedHashMap<>();

  LayerWriter(Path root, boolean allowDevices) {
    this.root = root;
    this.allowDevices = allowDevices;
  }

  void write(TarReader tar) throws IOException {
    for (TarReader.Entry entry = tar.next(); entry != null; entry = tar.next()) {
      try {
        write(entry, tar.data());
      } catch (InvalidPathException e) {
        String encoding = System.getProperty("sun.jnu.encoding"); // from the locale, at JVM start
        throw refuse(entry, "has a name this JVM cannot store (" + e.getReason() + ")"
            + ("UTF-8".equals(encoding) ? "" : ": it reads file names as " + encoding
                + ", so run it in a UTF-8 locale (LC_ALL=C.UTF-8)"));
      } catch (FileSystemException e) {
        throw refuse(entry, "cannot be written: " + (e.getReason() != null ? e.getReason() : e));
      }
    }
    // Last, as writing into a folder changes its mtime. A later entry may have replaced the
    // folder, or a folder above it, with a symlink (d/, then d -> /etc/passwd): such a path is
    // skipped, never followed, or the host's file would get the image's time.
    for (Map.Entry<List<String>, Long> dir : directoryTimes.entrySet()) {
      Path path = realDirectory(dir.getKey());
      if (path != null) {
        setTime(path, dir.getValue());
      }
    }
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
      String name = base.substring(WHITEOUT.length());
      if (name.isEmpty() || name.equals(".") || name.equals("..")) { // ".wh..." would hide the parent's parent
        throw refuse(entry, "is a whiteout of '" + name + "', which is no file's name");
      }
      Path hidden = parent.resolve(name);
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
        directoryTimes.put(parts, entry.mtime());
      }
      case FILE -> {
        removeExisting(target);
        Files.copy(data, target);
        owner(target, entry);
        setTime(target, entry.mtime());
      }
      case SYMLINK -> {
        checkSymlink(entry, parts);
        removeExisting(target);
        Files.createSymbolicLink(target, Path.of(entry.linkName()));
        Kernel.lchown(target.toString(), entry.uid(), entry.gid());
      }
      case HARDLINK -> {
        Path existing = hardLinkTarget(entry);
        if (existing.equals(target)) {
          throw refuse(entry, "is a hard link to itself");
        }
        removeExisting(target);
        Files.createLink(target, existing); // link(2): the last component, if a symlink, is not followed
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
            + TarReader.shown(Files.readSymbolicLink(dir).toString()) + "), which could lead out of the image");
      }
      if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(dir);
      } else if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        throw refuse(entry, "is inside " + root.relativize(dir) + ", which is not a directory");
      }
    }
    return dir;
  }

  // tag::hard-link[]
  /**
   * The file a hard link names, looked up in the layer only. link(2) would follow a symlink
   * in any component but the last, from the host's root: with {@code h -> /etc} in the layer,
   * a hard link to {@code h/shadow} would put the host's shadow file in the image, for any
   * container to read. So every folder on the way must be a real folder of the layer.
   */
  private Path hardLinkTarget(TarReader.Entry entry) throws IOException {
    String link = entry.linkName();
    List<String> parts = inside(entry, link);
    if (parts.isEmpty()) {
      throw refuse(entry, "is a hard link to the image's root folder: a hard link cannot name a folder");
    }
    Path path = root;
    for (String part : parts.subList(0, parts.size() - 1)) {
      path = path.resolve(part);
      if (Files.isSymbolicLink(path)) {
        throw refuse(entry, "is a hard link to " + TarReader.shown(link) + " through the symlink "
            + root.relativize(path) + ": a link target is looked up in the image only, never through a symlink");
      }
      if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
        throw refuse(entry, "is a hard link to " + TarReader.shown(link) + ", which is not in the layer");
      }
    }
    path = path.resolve(parts.get(parts.size() - 1));
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      throw refuse(entry, "is a hard link to " + TarReader.shown(link) + ", which is not in the layer");
    }
    if (attributes.isDirectory()) {
      throw refuse(entry, "is a hard link to the folder " + TarReader.shown(link) + ": a hard link cannot name a folder");
    }
    return path;
  }
  // end::hard-link[]

  /** The folder at {@code parts} if it and every folder above it are real ones, not symlinks; else null. */
  private Path realDirectory(List<String> parts) {
    Path path = root;
    for (String part : parts) {
      path = path.resolve(part);
      if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
        return null;
      }
    }
    return path;
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
        throw refuse(entry, "is a symlink to " + TarReader.shown(link) + ", which climbs out of the image's root");
      }
    }
  }

  private static List<String> components(String name) {
    List<String> parts = new ArrayList<>();
    for (String part : name.split("/")) {
      if (part.equals("..")) {
        throw new ImageException("refused: the entry " + TarReader.shown(name) + " has '..' in its path (path traversal)");
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
      throw refuse(entry, "is a hard link to " + TarReader.shown(name) + ", outside the image");
    }
  }

  private static void removeExisting(Path path) throws IOException {
    ImageStore.deleteTree(path); // a file, a symlink (not followed) or a whole folder
  }

  /** Owner and mode of a file this writer has just made (so not a symlink: chmod follows one). */
  private static void owner(Path path, TarReader.Entry entry) {
    Kernel.lchown(path.toString(), entry.uid(), entry.gid());
    Kernel.chmod(path.toString(), entry.mode() & 07777); // after chown, which clears setuid bits
  }

  /** The mtime of the path itself, never of a link's target (the JDK opens it O_NOFOLLOW). */
  private static void setTime(Path path, long seconds) throws IOException {
    Files.getFileAttributeView(path, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
        .setTimes(FileTime.from(seconds, TimeUnit.SECONDS), null, null);
  }

  private static ImageException refuse(TarReader.Entry entry, String why) {
    return new ImageException("refused: the entry " + TarReader.shown(entry.name()) + " " + why);
  }

}
