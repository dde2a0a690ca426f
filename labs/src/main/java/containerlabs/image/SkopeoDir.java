package containerlabs.image;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * skopeo's {@code dir:} format: manifest.json is the image's manifest itself, each blob a file
 * named by its digest's hex (sha256) or ALGORITHM-HEX, and "version" the format's version. A
 * multi-platform copy ({@code --all}) keeps each platform's manifest as HEX.manifest.json.
 */
final class SkopeoDir {
  private SkopeoDir() {}

  static ImageParts read(Archive archive, Map<String, Object> manifest, String tag) throws IOException {
    if (tag != null) {
      throw new ImageException(archive.source + " is a skopeo dir: copy, which holds one image and no"
          + " tags: import it without --tag");
    }
    Manifests manifests = new Manifests(archive, d -> archive.file(file(d)),
        d -> archive.file(file(d) + ".manifest.json"));
    return manifests.resolve(manifest, "manifest.json", 0);
  }

  private static String file(String digest) {
    return digest.startsWith("sha256:") ? digest.substring(7) : digest.replace(':', '-');
  }
}
