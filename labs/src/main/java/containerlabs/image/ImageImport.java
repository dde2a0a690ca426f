package containerlabs.image;

import containerlabs.kernel.Architecture;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Imports a tarball as an image. Three kinds, told apart by what is in them:
 * a root filesystem ({@code docker export}: one layer), a {@code docker save} archive
 * ({@code manifest.json} naming the layers), or an OCI image layout ({@code index.json}).
 */
public final class ImageImport {
  private ImageImport() {}

  public static ImageStore.Image importTarball(ImageStore store, String name, Path tarball,
      boolean allowDevices) {
    ImageStore.checkName(name);
    if (!Files.isRegularFile(tarball)) {
      throw new ImageException("no such tarball: " + tarball);
    }
    Set<String> top = topLevelNames(tarball);
    if (top.isEmpty()) {
      throw new ImageException("the tarball " + tarball + " is empty or holds no files: give a"
          + " docker save or docker export tarball, or an OCI layout");
    }
    boolean archive = top.contains("manifest.json") || top.contains("index.json");
    String kind = top.contains("manifest.json") ? "docker save archive"
        : top.contains("index.json") ? "OCI image layout" : "root filesystem (docker export)";
    return store.create(name, kind + " " + tarball.toAbsolutePath(), layers -> {
      if (!archive) {
        unpack(tarball, layers.resolve("0"), allowDevices);
        return 1;
      }
      Path unpacked = layers.resolve("archive");
      unpack(tarball, unpacked, false);
      List<Path> blobs = top.contains("manifest.json") ? dockerSaveLayers(unpacked) : ociLayers(unpacked);
      for (int i = 0; i < blobs.size(); i++) {
        unpack(blobs.get(i), layers.resolve(Integer.toString(i)), allowDevices);
      }
      ImageStore.deleteTree(unpacked);
      return blobs.size();
    });
  }

  /** Unpack a (possibly gzipped) tar into a new folder, entry by entry, checked. */
  static void unpack(Path tarball, Path dir, boolean allowDevices) throws IOException {
    Files.createDirectory(dir);
    try (InputStream in = open(tarball)) {
      new LayerWriter(dir, allowDevices).write(new TarReader(in));
    }
  }

  private static InputStream open(Path tarball) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(tarball), 1 << 16);
    in.mark(2);
    int b1 = in.read();
    int b2 = in.read();
    in.reset();
    if (b1 == 0x1f && b2 == 0x8b) {
      try {
        return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
      } catch (IOException e) {
        in.close();
        throw new ImageException("the tarball's gzip stream is damaged: " + e.getMessage(), e);
      }
    }
    return in;
  }

  private static Set<String> topLevelNames(Path tarball) {
    Set<String> names = new HashSet<>();
    try (InputStream in = open(tarball)) {
      TarReader tar = new TarReader(in);
      for (TarReader.Entry entry = tar.next(); entry != null; entry = tar.next()) {
        String name = entry.name().startsWith("./") ? entry.name().substring(2) : entry.name();
        names.add(name.contains("/") ? name.substring(0, name.indexOf('/')) : name); // "d/x": d
      }
    } catch (java.util.zip.ZipException e) {
      throw new ImageException("the tarball's gzip stream is damaged: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new ImageException("the tarball is truncated or unreadable: " + e.getMessage(), e);
    }
    return names;
  }

  /** docker save: manifest.json is [{"Config": …, "RepoTags": […], "Layers": ["…/layer.tar", …]}]. */
  private static List<Path> dockerSaveLayers(Path archive) throws IOException {
    List<?> manifests = Json.array(Json.parse(read(archive.resolve("manifest.json"))), "manifest.json");
    if (manifests.isEmpty()) {
      throw new ImageException("unexpected image manifest: manifest.json lists no image");
    }
    Map<String, Object> manifest = Json.object(manifests.get(0), "manifest.json[0]");
    List<Path> layers = new ArrayList<>();
    for (Object layer : Json.array(manifest.get("Layers"), "manifest.json Layers")) {
      layers.add(inArchive(archive, Json.string(layer, "an entry of manifest.json's Layers")));
    }
    return layers;
  }

  /** OCI: index.json → a manifest (perhaps through a multi-platform index) → its layers' blobs. */
  private static List<Path> ociLayers(Path archive) throws IOException {
    Map<String, Object> node = Json.object(Json.parse(read(archive.resolve("index.json"))), "index.json");
    for (int depth = 0; node.containsKey("manifests"); depth++) {
      if (depth == 4) { // an index of indexes is rare; one that names itself would loop forever
        throw new ImageException("unexpected image manifest: indexes nested more than 4 deep");
      }
      List<?> manifests = Json.array(node.get("manifests"), "manifests");
      if (manifests.isEmpty()) {
        throw new ImageException("unexpected image manifest: an index lists no manifest");
      }
      Object chosen = manifests.get(0);
      String architecture = Architecture.current().imageName;
      for (Object m : manifests) { // a multi-platform index: take this machine's
        Object platform = Json.object(m, "manifest").get("platform");
        if (platform instanceof Map<?, ?> p && architecture.equals(p.get("architecture"))) {
          chosen = m;
          break;
        }
      }
      String digest = Json.string(Json.object(chosen, "manifest").get("digest"), "a manifest's digest");
      node = Json.object(Json.parse(read(blob(archive, digest))), digest);
    }
    List<Path> layers = new ArrayList<>();
    for (Object layer : Json.array(node.get("layers"), "layers")) {
      layers.add(blob(archive, Json.string(Json.object(layer, "layer").get("digest"), "a layer's digest")));
    }
    return layers;
  }

  private static Path blob(Path archive, String digest) {
    if (digest == null || !digest.matches("[a-z0-9]+:[a-f0-9]{32,128}")) {
      throw new ImageException("unexpected image manifest: bad digest " + digest);
    }
    return inArchive(archive, "blobs/" + digest.replace(':', '/'));
  }

  /**
   * A file of the unpacked archive, symlinks resolved (docker save links a repeated layer to
   * the first), which must still be in the archive: {@code x -> /} would reach any host file.
   */
  private static Path inArchive(Path archive, String name) {
    Path path;
    try {
      path = archive.resolve(name).toRealPath();
      archive = archive.toRealPath();
    } catch (IOException | java.nio.file.InvalidPathException e) {
      path = null;
    }
    if (path == null || !path.startsWith(archive) || !Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
      throw new ImageException("unexpected image manifest: it names " + TarReader.shown(name)
          + ", which is not in the archive");
    }
    return path;
  }

  private static String read(Path file) throws IOException {
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new ImageException("unexpected image archive: no " + file.getFileName());
    }
    if (Files.size(file) > Json.MAX_CHARS) {
      throw new ImageException("unexpected image manifest: " + file.getFileName()
          + " is larger than 4 MiB, far more than any manifest needs");
    }
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new ImageException("unexpected image manifest: " + file.getFileName() + " is not UTF-8 text");
    }
  }
}
