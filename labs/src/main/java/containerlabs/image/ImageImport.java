package containerlabs.image;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Imports an image from what other tools make, as a tarball or a folder: a root filesystem
 * ({@code docker export}, debootstrap: one layer), a {@code docker save} archive
 * ({@code manifest.json} naming the layers), an OCI image layout ({@code index.json}), or a
 * skopeo {@code dir:} copy ({@code manifest.json} and {@code version}).
 */
public final class ImageImport {
  private ImageImport() {}

  /** The formats, told apart by the files at their top. */
  enum Format {
    ROOTFS("root filesystem"), DOCKER_SAVE("docker save archive"), OCI_LAYOUT("OCI image layout"),
    SKOPEO_DIR("skopeo dir: copy");

    final String description;

    Format(String description) {
      this.description = description;
    }

    static Format of(Set<String> top) {
      if (top.contains("manifest.json")) {
        return top.contains("version") && !top.contains("index.json") ? SKOPEO_DIR : DOCKER_SAVE;
      }
      return top.contains("index.json") ? OCI_LAYOUT : ROOTFS;
    }
  }

  public static ImageStore.Image importTarball(ImageStore store, String name, Path tarball,
      boolean allowDevices) {
    return importImage(store, name, tarball, null, allowDevices);
  }

  /**
   * Imports SOURCE (a tarball or a folder; {@code SOURCE:TAG} names a tag as skopeo does) as
   * image NAME; {@code tag}, if not null, chooses among the images an archive holds.
   */
  public static ImageStore.Image importImage(ImageStore store, String name, Path source, String tag,
      boolean allowDevices) {
    ImageStore.checkName(name);
    String text = source.toString();
    int colon = text.lastIndexOf(':');
    if (!Files.exists(source) && colon > 0 && Files.exists(Path.of(text.substring(0, colon)))) {
      String named = text.substring(colon + 1);
      if (tag != null && !tag.equals(named)) {
        throw new ImageException("two tags asked for, " + named + " and --tag " + tag + ": give one");
      }
      return importImage(store, name, Path.of(text.substring(0, colon)), named, allowDevices);
    }
    if (Files.isDirectory(source)) {
      return importFolder(store, name, source, tag, allowDevices);
    }
    if (!Files.isRegularFile(source)) {
      throw new ImageException("no such tarball or folder: " + source);
    }
    Set<String> top = topLevelNames(source);
    if (top.isEmpty()) {
      throw new ImageException("the tarball " + source + " is empty or holds no files: give a"
          + " docker save or docker export tarball, or an OCI layout");
    }
    Format format = Format.of(top);
    String description = format.description + " " + source.toAbsolutePath() + (tag != null ? ", tag " + tag : "");
    if (format == Format.ROOTFS) {
      if (tag != null) {
        throw new ImageException(source + " is a root filesystem tarball, one image with no tags:"
            + " import it without --tag");
      }
      return store.create(name, description, layers -> {
        unpack(source, layers.resolve("0"), allowDevices);
        return 1;
      });
    }
    return store.create(name, description, layers -> {
      Path unpacked = layers.resolve("archive");
      unpack(source, unpacked, false);
      int count = write(read(new Archive(unpacked, source.toString()), tag), layers, allowDevices);
      ImageStore.deleteTree(unpacked);
      return count;
    });
  }

  /** An archive laid out as a folder is read in place, and checked before anything is made. */
  private static ImageStore.Image importFolder(ImageStore store, String name, Path folder, String tag,
      boolean allowDevices) {
    try {
      Archive archive = new Archive(folder, folder.toString());
      Format format = Format.of(Set.of(Stream.of("manifest.json", "index.json", "version")
          .filter(archive::has).toArray(String[]::new)));
      if (format == Format.ROOTFS) {
        throw new ImageException(folder + " is a folder but not an image: an OCI layout has index.json,"
            + " a skopeo dir: copy manifest.json; for a root filesystem, import a tarball of it"
            + " (tar -C " + folder + " -cf rootfs.tar .)");
      }
      ImageParts parts = read(archive, tag);
      return store.create(name, format.description + " " + archive.root + (tag != null ? ", tag " + tag : ""),
          layers -> write(parts, layers, allowDevices));
    } catch (IOException e) {
      throw new ImageException("cannot read " + folder + ": " + e.getMessage(), e);
    }
  }

  private static ImageParts read(Archive archive, String tag) throws IOException {
    if (archive.has("manifest.json")) {
      Object manifest = archive.json("manifest.json");
      if (manifest instanceof List<?> images) {
        return DockerSave.read(archive, images, tag);
      }
      if (manifest instanceof Map<?, ?> && !archive.has("index.json")) {
        return SkopeoDir.read(archive, Json.object(manifest, "manifest.json"), tag);
      }
    }
    if (archive.has("index.json")) {
      return OciLayout.read(archive, tag);
    }
    throw new ImageException("unexpected image archive " + archive.source + ": manifest.json is neither"
        + " a docker save list nor an image manifest");
  }

  /**
   * The image's layers, unpacked, each checked against the config's rootfs.diff_ids (the
   * digest of the layer's uncompressed tar), and the config kept as it came.
   */
  private static int write(ImageParts parts, Path layers, boolean allowDevices) throws IOException {
    Files.copy(parts.config(), layers.resolveSibling(ImageStore.CONFIG));
    List<String> diffIds = diffIds(parts);
    for (int i = 0; i < parts.layers().size(); i++) {
      unpack(parts.layers().get(i), layers.resolve(Integer.toString(i)), allowDevices,
          diffIds == null ? null : new Digests.Checked(diffIds.get(i),
              "layer " + (i + 1) + " of " + parts.layers().size() + " uncompressed (the config's rootfs.diff_ids)"));
    }
    return parts.layers().size();
  }

  private static List<String> diffIds(ImageParts parts) throws IOException {
    Map<String, Object> config = Json.object(Json.parse(Files.readString(parts.config())), "the image config");
    if (!(config.get("rootfs") instanceof Map<?, ?> rootfs) || rootfs.get("diff_ids") == null) {
      return null; // a config that does not list its layers: nothing to check them against
    }
    List<String> diffIds = Tags.strings(rootfs.get("diff_ids"));
    if (diffIds.size() != parts.layers().size()) {
      throw new ImageException("refused: the image config lists " + diffIds.size() + " layers (rootfs.diff_ids)"
          + " but its manifest " + parts.layers().size() + ": the image is damaged or was tampered with");
    }
    return diffIds;
  }

  /** Unpack a (possibly gzip- or zstd-compressed) tar into a new folder, entry by entry, checked. */
  static void unpack(Path tarball, Path dir, boolean allowDevices) throws IOException {
    unpack(tarball, dir, allowDevices, null);
  }

  static void unpack(Path tarball, Path dir, boolean allowDevices, Digests.Checked diffId) throws IOException {
    Files.createDirectory(dir);
    try (InputStream tar = open(tarball)) {
      InputStream in = diffId == null ? tar : diffId.wrap(tar);
      new LayerWriter(dir, allowDevices).write(new TarReader(in));
      if (diffId != null) {
        in.transferTo(OutputStream.nullOutputStream()); // the end-of-archive blocks count too
        diffId.verify();
      }
    }
  }

  // tag::open[]
  private static InputStream open(Path tarball) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(tarball), 1 << 16);
    in.mark(4);
    byte[] magic = in.readNBytes(4);
    in.reset();
    try {
      if (magic.length >= 2 && magic[0] == 0x1f && magic[1] == (byte) 0x8b) {
        return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
      }
      if (Arrays.equals(magic, Zstd.MAGIC)) {
        return new BufferedInputStream(Zstd.decompress(in), 1 << 16);
      }
    } catch (IOException e) {
      in.close();
      throw new ImageException("the tarball's gzip stream is damaged: " + e.getMessage(), e);
    }
    return in;
  }
  // end::open[]

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
}
