package containerlabs.image;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A {@code docker save} archive (also skopeo's and podman's {@code docker-archive:}):
 * manifest.json is [{"Config": FILE, "RepoTags": [...], "Layers": [FILE, ...]}]. Its file names
 * are digests only by custom, so a name that is one (HEX.json, HEX.tar, blobs/sha256/HEX) is
 * checked; the layers are checked against the config's diff_ids as they are unpacked.
 */
final class DockerSave {
  private DockerSave() {}

  static ImageParts read(Archive archive, List<?> manifest, String tag) throws IOException {
    List<Map<String, Object>> images = Tags.choose(Manifests.objects(manifest, "manifest.json"),
        image -> Tags.strings(image.get("RepoTags")), tag, archive.source);
    if (images.size() > 1) {
      throw new ImageException(archive.source + " holds " + images.size() + " images with the same tags:"
          + " it is ambiguous; save one image per archive");
    }
    Map<String, Object> image = images.get(0);
    Path config = named(archive, image.get("Config"), "the image config");
    List<Path> layers = new ArrayList<>();
    List<?> names = Json.array(image.get("Layers"), "manifest.json Layers");
    for (int i = 0; i < names.size(); i++) {
      layers.add(named(archive, names.get(i), "layer " + (i + 1) + " of " + names.size()));
    }
    return new ImageParts(config, layers);
  }

  private static Path named(Archive archive, Object name, String what) throws IOException {
    if (!(name instanceof String file)) {
      throw new ImageException("unexpected image manifest in " + archive.source + ": " + what + " is not a file name");
    }
    Path path = archive.file(file);
    String base = file.substring(file.lastIndexOf('/') + 1).replaceFirst("\\.(json|tar)$", "");
    if (base.matches("[a-f0-9]{64}")) {
      Digests.verify(path, "sha256:" + base, null, what);
    }
    return path;
  }
}
