package containerlabs.image;

import containerlabs.kernel.Architecture;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * From a descriptor to an image, as a runtime walks it: an index (a multi-platform image)
 * leads to this machine's manifest, a manifest to a config and layers. Every blob on the way
 * is checked against the digest and size its descriptor gives.
 */
final class Manifests {
  private static final int MAX_DEPTH = 8; // an index in an index in ...: real ones nest once or twice

  private final Archive archive;
  private final Function<String, Path> blob;
  private final Function<String, Path> manifest;

  /** {@code blob}: where the archive keeps a blob, by digest; {@code manifest}: a manifest. */
  Manifests(Archive archive, Function<String, Path> blob, Function<String, Path> manifest) {
    this.archive = archive;
    this.blob = blob;
    this.manifest = manifest;
  }

  /** The image a descriptor (an index.json entry) leads to. */
  ImageParts image(Map<String, Object> descriptor) throws IOException {
    return image(descriptor, 0);
  }

  private ImageParts image(Map<String, Object> descriptor, int depth) throws IOException {
    Path file = verified(descriptor, manifest, "manifest");
    return resolve(archive.json(file), archive.root.relativize(file).toString(), depth);
  }

  /** A manifest or an index, parsed. */
  ImageParts resolve(Object json, String what, int depth) throws IOException {
    Map<String, Object> node = Json.object(json, what);
    if (node.containsKey("manifests")) {
      if (depth >= MAX_DEPTH) {
        throw new ImageException("unexpected image manifest in " + archive.source + ": indexes nest"
            + " deeper than " + MAX_DEPTH);
      }
      return image(Platforms.choose(objects(node.get("manifests"), what + " manifests"), archive.source), depth + 1);
    }
    if (Objects.equals(node.get("schemaVersion"), 1.0) || Objects.equals(node.get("schemaVersion"), 1)) {
      throw new ImageException(archive.source + " has a Docker schema 1 manifest, which is obsolete:"
          + " convert it first, e.g. skopeo copy --format oci SOURCE oci-archive:FILE");
    }
    if (!node.containsKey("layers") || !node.containsKey("config")) {
      throw new ImageException("unexpected image manifest in " + archive.source + ": " + what
          + " is neither an image manifest (config, layers) nor an index (manifests)");
    }
    Path config = verified(Json.object(node.get("config"), what + " config"), blob, "the image config");
    List<Map<String, Object>> descriptors = objects(node.get("layers"), what + " layers");
    List<Path> layers = new ArrayList<>();
    for (int i = 0; i < descriptors.size(); i++) {
      layers.add(verified(descriptors.get(i), blob, "layer " + (i + 1) + " of " + descriptors.size()));
    }
    return new ImageParts(config, layers);
  }

  private Path verified(Map<String, Object> descriptor, Function<String, Path> where, String what)
      throws IOException {
    Object digest = descriptor.get("digest");
    String name = digest instanceof String s ? s : null;
    Digests.algorithm(name, what); // a well-formed digest before it becomes a file name
    Path file = where.apply(name);
    Digests.verify(file, name, descriptor.get("size"), what); // the digest names the blob
    return file;
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> objects(Object value, String what) {
    List<Map<String, Object>> objects = new ArrayList<>();
    for (Object item : Json.array(value, what)) {
      objects.add(Json.object(item, what + " entry"));
    }
    return objects;
  }

  /** Which entry of an index is this machine's: linux and its processor. */
  static final class Platforms {
    private Platforms() {}

    // tag::platform[]
    static Map<String, Object> choose(List<Map<String, Object>> entries, String source) {
      String architecture = Architecture.current().imageName;
      if (entries.size() == 1 && !(entries.get(0).get("platform") instanceof Map)) {
        return entries.get(0); // one image, no platform said: the only choice
      }
      List<Map<String, Object>> fit = new ArrayList<>();
      List<String> platforms = new ArrayList<>();
      for (Map<String, Object> entry : entries) {
        if (entry.get("platform") instanceof Map<?, ?> p) {
          platforms.add(p.get("os") + "/" + p.get("architecture") + (p.get("variant") != null ? "/" + p.get("variant") : ""));
          if ("linux".equals(p.get("os")) && architecture.equals(p.get("architecture"))) {
            fit.add(entry);
          }
        }
      }
      if (fit.isEmpty()) {
        throw new ImageException(platforms.isEmpty()
            ? source + " holds " + entries.size() + " images and says for no platform which is which"
            : "no image for linux/" + architecture + " in " + source + ", only for " + String.join(", ", platforms)
                + ": a container runs on this machine's kernel and processor, so it needs a linux/" + architecture + " one");
      }
      // A variant (arm64's v8) matters only when there is a choice: the plain one first.
      return fit.stream().filter(e -> ((Map<?, ?>) e.get("platform")).get("variant") == null).findFirst()
          .orElse(fit.get(0));
    }
    // end::platform[]
  }
}
