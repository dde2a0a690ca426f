package containerlabs.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * An image archive laid out as a folder (a user's folder, or a tarball unpacked): its files
 * are found by the names its manifests give, and never outside it.
 */
final class Archive {
  private static final int MAX_JSON = 4 << 20; // manifests and configs are kilobytes

  final Path root;
  final String source; // as the user named it, for messages

  Archive(Path root, String source) throws IOException {
    this.root = root.toRealPath();
    this.source = source;
  }

  boolean has(String name) {
    return Files.isRegularFile(root.resolve(name));
  }

  /** The file a manifest names: a regular file inside the archive (a symlink may lead there). */
  Path file(String name) {
    if (name == null || name.isEmpty()) {
      throw new ImageException("unexpected image manifest in " + source + ": a file name is missing");
    }
    Path path = root.resolve(name).normalize();
    try {
      Path real = path.toRealPath();
      if (path.startsWith(root) && real.startsWith(root) && Files.isRegularFile(real)) {
        return real;
      }
    } catch (NoSuchFileException e) {
      // said below
    } catch (IOException e) {
      throw new ImageException("cannot read " + name + " in " + source + ": " + e.getMessage(), e);
    }
    throw new ImageException("unexpected image manifest in " + source + ": it names " + name
        + ", which is not in the archive");
  }

  /** A JSON file of the archive, parsed. */
  Object json(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes(MAX_JSON + 1);
      if (bytes.length > MAX_JSON) {
        throw new ImageException("unexpected image archive " + source + ": " + root.relativize(file)
            + " is over " + (MAX_JSON >> 20) + " MiB, too big for a manifest");
      }
      return Json.parse(new String(bytes, StandardCharsets.UTF_8));
    }
  }

  Object json(String name) throws IOException {
    return json(file(name));
  }
}
