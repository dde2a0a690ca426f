package containerlabs.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.Properties;

/**
 * The images on this host: {@code /var/lib/container-labs/images/NAME/} holds an image's
 * read-only layers, {@code layers/0} the lowest, each one a folder overlayfs can stack.
 */
public final class ImageStore {
  public static final Path ROOT = Path.of("/var/lib/container-labs/images");
  private static final String NAME = "[a-z0-9][a-z0-9._-]{0,63}";

  private final Path root;

  public ImageStore() {
    this(ROOT);
  }

  ImageStore(Path root) {
    this.root = root;
  }

  /** An image: its layers, lowest first, where it came from, and its folder here. */
  public record Image(String name, List<Path> layers, String source, Path directory) {
    /**
     * How the image means to be run: its config.json, or docker's defaults if it has none.
     * Read when asked, not with the layers: the init reads the layers, and parses no JSON.
     */
    public ImageConfig config() {
      try {
        return ImageConfig.read(directory.resolve(CONFIG));
      } catch (ImageException e) {
        throw new ImageException("image '" + name + "': " + e.getMessage());
      }
    }
  }

  /** The image's config blob, verbatim: docker's Config JSON or the OCI image config. */
  public static final String CONFIG = "config.json";

  public Image get(String name) {
    Path dir = root.resolve(checkName(name));
    if (!Files.isDirectory(dir)) {
      throw new ImageException("no image '" + name + "' here: ./lab images list shows the images"
          + " there are; ./lab images pull " + name + " gets it from a registry, ./lab images import "
          + name + " SOURCE from a file");
    }
    Properties properties = new Properties();
    try (InputStream in = Files.newInputStream(dir.resolve("image.properties"))) {
      properties.load(in);
    } catch (IOException e) {
      throw new ImageException("image '" + name + "' is damaged (" + e.getMessage()
          + "): remove it with ./lab images rm " + name + " and make it again");
    }
    int count = Integer.parseInt(properties.getProperty("layers"));
    List<Path> layers = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      layers.add(dir.resolve("layers").resolve(Integer.toString(i)));
    }
    return new Image(name, layers, properties.getProperty("source"), dir);
  }

  public boolean exists(String name) {
    return Files.isDirectory(root.resolve(checkName(name)));
  }

  public List<Image> list() {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> dirs = Files.list(root)) {
      return dirs.map(p -> p.getFileName().toString()).filter(n -> n.matches(NAME)).sorted()
          .map(this::get).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void remove(String name) {
    Path dir = root.resolve(checkName(name));
    if (!Files.isDirectory(dir)) {
      throw new ImageException("no image '" + name + "' here: ./lab images list shows the images there are");
    }
    // Rename first: a half-removed image is never mistaken for a whole one.
    Path doomed = root.resolve(".removing-" + name + "-" + random());
    try {
      Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
      deleteTree(doomed);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What builds an image's layers in a folder: layer i goes in {@code layers.resolve("i")}. */
  @FunctionalInterface
  interface LayerBuilder {
    int build(Path layers) throws IOException;
  }

  /**
   * Builds an image in a staging folder, and renames it to its name only once complete:
   * a failed or interrupted import leaves nothing that looks like an image.
   */
  Image create(String name, String source, LayerBuilder builder) {
    return create(name, source, false, builder);
  }

  /**
   * As {@link #create(String, String, LayerBuilder)}; with {@code replace}, an existing image of
   * that name is moved aside only once the new one is complete, then removed.
   */
  Image create(String name, String source, boolean replace, LayerBuilder builder) {
    if (!replace && exists(name)) {
      throw new ImageException("an image '" + name + "' exists already: remove it first with"
          + " ./lab images rm " + name + ", or choose another name");
    }
    Path staging = root.resolve(".staging-" + name + "-" + random());
    try {
      Files.createDirectories(staging.resolve("layers"));
      int layers = builder.build(staging.resolve("layers"));
      ImageConfig.read(staging.resolve(CONFIG)); // a config no container could use is refused now
      Properties properties = new Properties();
      properties.setProperty("layers", Integer.toString(layers));
      properties.setProperty("source", source);
      try (OutputStream out = Files.newOutputStream(staging.resolve("image.properties"))) {
        properties.store(out, "Container Labs image " + name);
      }
      Path target = root.resolve(name);
      Path old = root.resolve(".removing-" + name + "-" + random());
      boolean replacing = replace && Files.isDirectory(target);
      if (replacing) {
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
      }
      try {
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        if (replacing) {
          Files.move(old, target, StandardCopyOption.ATOMIC_MOVE); // the old image stays
        }
        throw e;
      }
      if (replacing) {
        try {
          deleteTree(old);
        } catch (IOException e) { // the new image is in place: what is left of the old one is no image
          System.err.println("warning: cannot remove " + old + ": " + e);
        }
      }
      return get(name);
    } catch (IOException e) {
      throw new ImageException("cannot make image '" + name + "': " + e, e);
    } finally {
      try {
        deleteTree(staging);
      } catch (IOException e) {
        System.err.println("warning: cannot remove " + staging + ": " + e);
      }
    }
  }

  static String checkName(String name) {
    if (!name.matches(NAME)) {
      throw new ImageException("'" + name + "' is not an image name: use 1 to 64 of a-z 0-9 . _ -,"
          + " starting with a letter or digit");
    }
    return name;
  }

  public static void deleteTree(Path dir) throws IOException {
    containerlabs.engine.Folders.deleteTree(dir);
  }

  private static String random() {
    return Long.toString(new SecureRandom().nextLong() & Long.MAX_VALUE, 36);
  }
}
