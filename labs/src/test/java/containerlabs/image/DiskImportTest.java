package containerlabs.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerlabs.kernel.Kernel;
import containerlabs.testing.Host;
import containerlabs.testing.LabRunner;
import containerlabs.testing.LabRunner.Result;
import containerlabs.testing.LabTest;
import containerlabs.testing.VmDisk;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code ./lab images import-disk}: disks the test builds as an installer would, imported
 * without running a container. NothingLeftBehind checks mounts, loop devices and the image
 * store after each test; this class also checks the work folders in /var/tmp.
 */
@LabTest
@DisplayName("images import-disk")
class DiskImportTest {
  private static final Path IMAGES = Path.of("/var/lib/container-labs/images");
  private final LabRunner images = LabRunner.of(Images.class);
  private final String name = "disk-test-" + ThreadLocalRandom.current().nextInt(1_000_000);
  private final String marker = "PRETTY_NAME=\"disk test " + ThreadLocalRandom.current().nextInt(1_000_000) + "\"\n";
  private Path work;
  private List<Path> workFolders;

  @BeforeEach
  void workDir() throws Exception {
    work = Files.createTempDirectory("container-labs-disk-test");
    workFolders = workFolders();
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (Files.isDirectory(IMAGES.resolve(name))) {
      images.run("rm", name);
    }
    Host.sh("rm -rf '" + work + "'");
    assertEquals(workFolders, workFolders(), "import-disk left its work folder in /var/tmp");
  }

  private static List<Path> workFolders() throws Exception {
    try (Stream<Path> all = Files.list(Path.of("/var/tmp"))) {
      return all.filter(p -> p.getFileName().toString().contains("container-labs-disk-")).sorted().toList();
    }
  }

  /** A 32 MB ext4 root filesystem of busybox with the test's os-release, as a raw file. */
  private Path rootFs(String file) {
    return VmDisk.ext4(VmDisk.busyboxTree(work.resolve(file + ".d"), marker), work.resolve(file), 32);
  }

  private Path layer() {
    return IMAGES.resolve(name).resolve("layers/0");
  }

  @Test
  @DisplayName("a qcow2 whose whole disk is ext4 imports as one layer of its files, owners kept")
  void qcow2WholeDisk() throws Exception {
    Path tree = VmDisk.busyboxTree(work.resolve("tree"), marker);
    Files.writeString(tree.resolve("home-file"), "mine\n");
    Host.sh("chown 1234:5678 '" + tree.resolve("home-file") + "'");
    Path disk = VmDisk.convert(VmDisk.ext4(tree, work.resolve("disk.raw"), 32), "qcow2", work.resolve("disk.qcow2"));
    Result run = images.run("import-disk", name, disk.toString());
    assertEquals(0, run.exitStatus(), run::toString);
    assertTrue(run.out().contains("1 layer(s) from VM disk (qcow2, the whole disk, ext4)"), run::toString);
    assertEquals(marker, Files.readString(layer().resolve("etc/os-release")));
    assertEquals(-1, Files.mismatch(VmDisk.BUSYBOX.resolve("bin/busybox"), layer().resolve("bin/busybox")));
    assertEquals(1234, Files.getAttribute(layer().resolve("home-file"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
    assertEquals(5678, Files.getAttribute(layer().resolve("home-file"), "unix:gid", LinkOption.NOFOLLOW_LINKS));
    assertTrue(images.run("list").stdout().contains(name));
  }

  @Test
  @DisplayName("raw and vmdk disks import too")
  void rawAndVmdk() throws Exception {
    Path raw = rootFs("disk.raw");
    for (Path disk : List.of(raw, VmDisk.convert(raw, "vmdk", work.resolve("disk.vmdk")))) {
      String format = disk.toString().endsWith("vmdk") ? "vmdk" : "raw";
      Result run = images.run("import-disk", name, disk.toString());
      assertEquals(0, run.exitStatus(), run::toString);
      assertTrue(run.out().contains("(" + format + ", the whole disk, ext4)"), run::toString);
      assertEquals(marker, Files.readString(layer().resolve("etc/os-release")));
      images.run("rm", name);
    }
  }

  @Test
  @DisplayName("a GPT disk: the root is the partition with /etc/os-release, not the first or the largest")
  void gptChoosesTheRoot() throws Exception {
    Path data = work.resolve("data.d");
    Files.createDirectories(data.resolve("srv"));
    Files.writeString(data.resolve("srv/data-partition"), "data\n");
    Path dataFs = VmDisk.ext4(data, work.resolve("data.raw"), 48);
    Path disk = VmDisk.convert(VmDisk.partitioned(work.resolve("gpt.raw"), "gpt", dataFs, rootFs("root.raw")),
        "qcow2", work.resolve("gpt.qcow2"));
    Result run = images.run("import-disk", name, disk.toString());
    assertEquals(0, run.exitStatus(), run::toString);
    assertTrue(run.out().contains("(qcow2, partition 2, ext4)"), run::toString);
    assertEquals(marker, Files.readString(layer().resolve("etc/os-release")));
    images.run("rm", name);

    run = images.run("import-disk", "--partition", "1", name, disk.toString());
    assertEquals(0, run.exitStatus(), run::toString);
    assertTrue(run.out().contains("(qcow2, partition 1, ext4)"), run::toString);
    assertTrue(Files.exists(layer().resolve("srv/data-partition")));
  }

  @Test
  @DisplayName("an MBR disk: the ext4 in partition 1 is the root")
  void mbrPartition() throws Exception {
    Path disk = VmDisk.convert(VmDisk.partitioned(work.resolve("mbr.raw"), "dos", rootFs("root.raw")),
        "qcow2", work.resolve("mbr.qcow2"));
    Result run = images.run("import-disk", name, disk.toString());
    assertEquals(0, run.exitStatus(), run::toString);
    assertTrue(run.out().contains("(qcow2, partition 1, ext4)"), run::toString);
    assertEquals(marker, Files.readString(layer().resolve("etc/os-release")));
  }

  @Test
  @DisplayName("a disk that would make qemu-img read host files is refused: a backing file, a vmdk extent")
  void hostFilesRefused() throws Exception {
    Path backed = work.resolve("backed.qcow2");
    Host.sh("qemu-img create -q -f qcow2 -b /etc/shadow -F raw '" + backed + "'");
    refused(backed.toString(), "has a backing file (/etc/shadow)");
    Path flat = Files.writeString(work.resolve("flat.vmdk"), "# Disk DescriptorFile\nversion=1\nCID=fffffffe\n"
        + "parentCID=ffffffff\ncreateType=\"monolithicFlat\"\nRW 2048 FLAT \"/etc/passwd\" 0\n");
    refused(flat.toString(), "names another file (/etc/passwd)");
  }

  @Test
  @DisplayName("what is not a VM disk with a Linux root is refused, in one line naming the fix")
  void notADisk() throws Exception {
    refused(Files.writeString(work.resolve("notes.txt"), "not a disk\n".repeat(100)).toString(),
        "holds no filesystem or partition table blkid knows");
    refused("/dev/null", "is not a regular file");
    refused(work.resolve("missing.qcow2").toString(), "no such disk");
    Path mbr = VmDisk.partitioned(work.resolve("mbr.raw"), "dos", rootFs("root.raw"));
    refused(mbr.toString(), "has no partition 3; it has 1 (ext4)", "--partition", "3");
    // LUKS: only its header's magic, which is what blkid (and the refusal) looks at.
    Path luks = work.resolve("luks.raw");
    Files.write(luks, new byte[4 << 20]);
    Host.sh("printf 'label: dos\\nstart=2048, type=L\\n' | sfdisk -q '" + luks + "'"
        + " && printf 'LUKS\\272\\276\\000\\001' | dd of='" + luks + "' bs=512 seek=2048 conv=notrunc status=none");
    refused(luks.toString(), "partition 1 of " + luks + " is encrypted (LUKS)");
  }

  @Test
  @DisplayName("the disk's files go through the checked tar path: device files need --allow-devices,"
      + " links may not climb out")
  void checkedLikeATarball() throws Exception {
    Path tree = VmDisk.busyboxTree(work.resolve("tree"), marker);
    Host.sh("mknod '" + tree.resolve("dev/sda") + "' b 8 0");
    Path disk = VmDisk.ext4(tree, work.resolve("devices.raw"), 32);
    refused(disk.toString(), "dev/sda is a device file");
    refused(disk.toString(), "import again with --allow-devices");
    Result run = images.run("import-disk", "--allow-devices", name, disk.toString());
    assertEquals(0, run.exitStatus(), run::toString);
    assertEquals("block special file 8:0", Host.sh("stat -c '%F %Hr:%Lr' '" + layer().resolve("dev/sda") + "'").strip());
    images.run("rm", name);

    Path escape = VmDisk.busyboxTree(work.resolve("escape"), marker);
    Files.createSymbolicLink(escape.resolve("etc/host-shadow"), Path.of("../../../../../etc/shadow"));
    refused(VmDisk.ext4(escape, work.resolve("escape.raw"), 32).toString(), "climbs out of the image");
  }

  @Test
  @DisplayName("Ctrl-C during an import leaves no mount, loop device, copy or half image")
  void interrupted() throws Exception {
    Path tree = VmDisk.busyboxTree(work.resolve("tree"), marker);
    Host.sh("head -c 96M /dev/urandom > '" + tree.resolve("big") + "'");
    Path disk = VmDisk.convert(VmDisk.ext4(tree, work.resolve("big.raw"), 128), "qcow2", work.resolve("big.qcow2"));
    Host.sh("rm -r '" + tree + "' '" + work.resolve("big.raw") + "'");
    Process importing = images.start("import-disk", name, disk.toString());
    boolean seen = false;
    while (!seen && importing.isAlive()) { // the import's mount: then it is copying files
      seen = Host.mountinfo().stream().anyMatch(l -> l.contains("/var/tmp/container-labs-disk-"));
      Thread.sleep(2);
    }
    assertTrue(seen, () -> "the import ended before its disk was mounted: " + LabRunner.finish(importing));
    Kernel.kill((int) importing.pid(), Kernel.SIGINT); // as Ctrl-C does

    assertTrue(importing.waitFor(30, TimeUnit.SECONDS));
    Result run = LabRunner.finish(importing);
    assertEquals(130, run.exitStatus(), run::toString); // 128 + SIGINT: the signal ended it
    assertFalse(Files.exists(IMAGES.resolve(name)), "an interrupted import left an image");
    try (Stream<Path> store = Files.list(IMAGES)) {
      assertEquals(List.of(), store.filter(p -> p.getFileName().toString().contains(name)).toList());
    }
    assertFalse(VmDisk.loopDevices().stream().anyMatch(l -> l.contains("container-labs-disk-")));
  }

  /** The import fails with exit status 125 and one line containing {@code reason}, and makes no image. */
  private void refused(String disk, String reason, String... options) {
    List<String> args = new java.util.ArrayList<>(List.of("import-disk"));
    args.addAll(List.of(options));
    args.addAll(List.of(name, disk));
    Result run = images.run(args.toArray(String[]::new));
    assertEquals(125, run.exitStatus(), run::toString);
    assertEquals(1, run.stderr().lines().count(), run::toString);
    assertTrue(run.stderr().contains(reason), "expected '" + reason + "': " + run);
    assertFalse(Files.exists(IMAGES.resolve(name)), "a refused import left an image");
  }
}
