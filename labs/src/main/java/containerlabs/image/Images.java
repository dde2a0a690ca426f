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

/** {@code ./lab images}: list, import, inspect, remove images, and make the default busybox image. */
@Command(name = "images", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "The images containers start from, in " + "/var/lib/container-labs/images.",
    subcommands = {Images.ListImages.class, Images.Import.class, Images.Remove.class,
        Images.Busybox.class, Images.Pull.class, Images.ImportDisk.class, Images.Inspect.class})
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

  @Command(name = "inspect", description = {"Show an image: where it came from, its layers, and how it"
      + " runs (its config: environment, entrypoint, command, working folder, user).",
      "An image without a config.json runs with docker's defaults, shown as such."})
  static final class Inspect implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "Print the image's config.json as it is, nothing else.")
    boolean json;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() throws Exception {
      ImageStore.Image image = STORE.get(name);
      ImageConfig config = image.config(); // checked, even for --json: a bad one is refused
      Path file = image.directory().resolve(ImageStore.CONFIG);
      var out = spec.commandLine().getOut();
      if (json) {
        if (!java.nio.file.Files.exists(file)) {
          throw new ImageException("image '" + name + "' has no config.json: it runs with docker's"
              + " defaults, which ./lab images inspect " + name + " shows");
        }
        out.print(java.nio.file.Files.readString(file));
        out.flush(); // print, unlike println and printf, does not flush
        return 0;
      }
      boolean own = java.nio.file.Files.exists(file);
      String line = "%-13s%s%n";
      out.printf(line, "name", image.name());
      out.printf(line, "source", image.source());
      out.printf(line, "layers", image.layers().size() + " (lowest first)");
      for (Path layer : image.layers()) {
        out.printf(line, "", layer);
      }
      out.printf(line, "config", own ? file : "none: docker's defaults");
      out.printf(line, "architecture", config.architecture().isEmpty() ? "-" : config.architecture());
      out.printf(line, "os", config.os().isEmpty() ? "-" : config.os());
      for (int i = 0; i < config.env().size(); i++) {
        out.printf(line, i == 0 ? "env" : "", printable(config.env().get(i)));
      }
      out.printf(line, "entrypoint", quoted(config.entrypoint()));
      out.printf(line, "cmd", quoted(config.cmd()));
      out.printf(line, "workdir", printable(config.workingDir()));
      out.printf(line, "user", config.user().isEmpty() ? "root (none named)" : config.user());
      return 0;
    }

    /** A command as a JSON list, so that an argument with spaces reads as one. */
    private static String quoted(List<String> command) {
      if (command.isEmpty()) {
        return "-";
      }
      List<String> items = command.stream()
          .map(a -> '"' + printable(a.replace("\\", "\\\\").replace("\"", "\\\"")) + '"').toList();
      return "[" + String.join(", ", items) + "]";
    }

    /** One line per value, whatever the image holds: control characters show escaped, as in JSON. */
    private static String printable(String s) {
      StringBuilder b = new StringBuilder();
      for (char c : s.toCharArray()) {
        if (c == '\n') {
          b.append("\\n");
        } else if (c == '\t') {
          b.append("\\t");
        } else if (c < 0x20 || c == 0x7f) {
          b.append(String.format("\\u%04x", (int) c));
        } else {
          b.append(c);
        }
      }
      return b.toString();
    }
  }

  @Command(name = "pull", description = {
      "Pull an image from a registry (Docker Hub, or any that speaks the Distribution API v2):",
      "  ./lab images pull alpine              docker.io/library/alpine:latest, as image alpine",
      "  ./lab images pull debian:12           as image debian-12",
      "  ./lab images pull 127.0.0.1:5000/tools/sh:1 --name sh",
      "REFERENCE is read as docker reads it: the first component is a registry if it has a . or :"
          + " or is localhost (else docker.io, and library/ for a one-component name); the tag is"
          + " latest unless given; @sha256:DIGEST pins the exact image.",
      "The image's name is the repository's last component, then -TAG unless the tag is latest"
          + " (-DIGEST's first 12 digits with a digest only), lowercase; --name chooses another.",
      "From a multi-platform image, the linux image for this machine's processor is taken. Every"
          + " blob is checked against its sha256; the image gets its name only once complete.",
      "https, except to a registry on this machine (localhost, 127.x.x.x), which is asked in plain"
          + " http. Anonymous only: public images, and registries that give anonymous tokens."})
  static final class Pull implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--name", paramLabel = "NAME", description = "The local image's name.")
    String name;

    @Option(names = "--replace", description = "Replace an existing image of that name, once the new one is complete.")
    boolean replace;

    @Option(names = "--trace", description = "Show each HTTP request and the registry's answer.")
    boolean trace;

    @Parameters(index = "0", paramLabel = "REFERENCE", description = "[REGISTRY/]NAME[:TAG|@sha256:DIGEST]")
    String reference;

    @Override
    public Integer call() {
      ImageReference image = ImageReference.parse(reference);
      Registry.Pulled pulled = Registry.pull(STORE, image, name != null ? name : image.localName(), replace,
          trace ? System.err : null, System.console() != null);
      spec.commandLine().getOut().println("pulled " + image + " (" + pulled.digest() + ") as "
          + pulled.image().name() + ": " + pulled.image().layers().size() + " layer(s), "
          + Registry.size(pulled.bytes()));
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

  @Command(name = "import-disk", mixinStandardHelpOptions = true, versionProvider = Version.class, description = {
      "Import a VM's disk (qcow2, raw, vmdk, vdi, vhdx, vpc: what qemu-img reads) as a one-layer image:"
          + " the files of its root filesystem, as systemd-nspawn --image uses a VM's disk.",
      "The root is the whole disk's filesystem, or the partition (MBR or GPT) with /etc/os-release"
          + " or /usr, else the largest Linux one (ext2/3/4, xfs, btrfs). Refused: a disk with a backing"
          + " file or other external files, encrypted (LUKS) or LVM disks.",
      "Needs qemu-img (apt install qemu-utils), sfdisk (fdisk), losetup, mount, blkid, tar; root."})
  static final class ImportDisk implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--partition", paramLabel = "N", description = "Use partition N (1 is the first)"
        + " as the root, not the one import-disk would choose.")
    Integer partition;

    @Option(names = "--allow-devices", description = "Keep device files (only from a disk you trust).")
    boolean allowDevices;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1", paramLabel = "DISK")
    Path disk;

    @Override
    public Integer call() {
      ImageStore.Image image = DiskImport.importDisk(STORE, name, disk, partition, allowDevices);
      spec.commandLine().getOut().println("imported " + image.name() + ": " + image.layers().size()
          + " layer(s) from " + image.source());
      return 0;
    }
  }
}
