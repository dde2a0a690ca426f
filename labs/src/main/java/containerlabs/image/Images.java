package containerlabs.image;

import containerlabs.tool.Tool;
import containerlabs.tool.Version;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ./lab images}: list, import, remove images, and make the default busybox image. */
@Command(name = "images", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "The images containers start from, in " + "/var/lib/container-labs/images.",
    subcommands = {Images.ListImages.class, Images.Import.class, Images.Remove.class,
        Images.Busybox.class})
public final class Images {
  private static final ImageStore STORE = new ImageStore();

  public static void main(String... args) {
    Tool.main("images", new Images(), args);
  }

  @Command(name = "list", description = "List the images.")
  static final class ListImages implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      var out = spec.commandLine().getOut();
      out.printf("%-20s %-6s %s%n", "NAME", "LAYERS", "SOURCE");
      for (ImageStore.Image image : STORE.list()) {
        out.printf("%-20s %-6d %s%n", image.name(), image.layers().size(), image.source());
      }
      return 0;
    }
  }

  @Command(name = "import", description = {
      "Import an image from a tarball or a folder: a root filesystem (docker export, debootstrap,"
          + " mmdebstrap), a docker save or docker-archive: tarball, an OCI layout (oci: or oci-archive:),"
          + " or a skopeo dir: copy; gzip or zstd layers. Every blob is checked against its digest.",
      "SOURCE:TAG or --tag TAG chooses one image of an archive that holds several."})
  static final class Import implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--allow-devices", description = "Keep device files (a debootstrap or mmdebstrap"
        + " root filesystem has them in /dev; only from an image you trust).")
    boolean allowDevices;

    @Option(names = "--tag", paramLabel = "TAG", description = "The image to import from an archive"
        + " that holds several: an OCI layout's org.opencontainers.image.ref.name, a docker save's RepoTags.")
    String tag;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1", paramLabel = "SOURCE")
    Path source;

    @Override
    public Integer call() {
      ImageStore.Image image = ImageImport.importImage(STORE, name, source, tag, allowDevices);
      spec.commandLine().getOut().println("imported " + image.name() + ": " + image.layers().size()
          + " layer(s) from " + image.source());
      return 0;
    }
  }

  @Command(name = "rm", description = "Remove images.")
  static final class Remove implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "NAME")
    List<String> names;

    @Override
    public Integer call() {
      names.forEach(STORE::remove);
      return 0;
    }
  }

  @Command(name = "busybox", description = "Make the default image from Debian's busybox-static (if it is not there yet).")
  static final class Busybox implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", defaultValue = "busybox")
    String name;

    @Override
    public Integer call() throws Exception {
      if (STORE.exists(name)) {
        spec.commandLine().getOut().println("image " + name + " is there already");
        return 0;
      }
      ImageStore.Image image = BusyboxImage.create(STORE, name);
      spec.commandLine().getOut().println("made image " + image.name() + " from " + image.source());
      return 0;
    }
  }
}
