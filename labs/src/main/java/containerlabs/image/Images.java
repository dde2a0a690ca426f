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
        Images.Busybox.class, Images.ImportDisk.class})
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

  @Command(name = "import", description = "Import a tarball: docker export, docker save, or an OCI layout.")
  static final class Import implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--allow-devices", description = "Keep device files (only from an image you trust).")
    boolean allowDevices;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1", paramLabel = "TARBALL")
    Path tarball;

    @Override
    public Integer call() {
      ImageStore.Image image = ImageImport.importTarball(STORE, name, tarball, allowDevices);
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
