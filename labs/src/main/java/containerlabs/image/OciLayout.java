package containerlabs.image;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * An OCI image layout (umoci, skopeo {@code oci:}, buildah, docker 25's save): index.json
 * lists the images by tag, blobs/ALGORITHM/HEX holds every blob by its digest.
 */
final class OciLayout {
  static final String REF_NAME = "org.opencontainers.image.ref.name";
  static final String CONTAINERD_NAME = "io.containerd.image.name";

  private OciLayout() {}

  static ImageParts read(Archive archive, String tag) throws IOException {
    Map<String, Object> index = Json.object(archive.json("index.json"), "index.json");
    List<Map<String, Object>> entries = Tags.choose(
        Manifests.objects(index.get("manifests"), "index.json manifests"), OciLayout::names, tag, archive.source);
    Manifests manifests = new Manifests(archive, blobs(archive), blobs(archive));
    return manifests.image(Manifests.Platforms.choose(entries, archive.source));
  }

  private static Function<String, Path> blobs(Archive archive) {
    return digest -> archive.file("blobs/" + digest.replace(':', '/'));
  }

  private static List<String> names(Map<String, Object> entry) {
    if (!(entry.get("annotations") instanceof Map<?, ?> annotations)) {
      return List.of();
    }
    return Tags.strings(Arrays.asList(annotations.get(REF_NAME), annotations.get(CONTAINERD_NAME)));
  }
}
