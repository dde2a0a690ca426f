package containerlabs.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import containerlabs.image.Images;
import containerlabs.testing.Host;
import containerlabs.testing.LabRunner;
import containerlabs.testing.LabRunner.Result;
import containerlabs.testing.LabTest;
import containerlabs.testing.VmDisk;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A container whose root is a VM's disk, imported with {@code ./lab images import-disk}. */
@LabTest
@Tag("reliability")
@DisplayName("lab04-rootfs: a VM disk as the root")
class DiskImageTest {
  private final LabRunner images = LabRunner.of(Images.class);
  private final LabRunner lab = LabRunner.of(Lab04.class);
  private final String name = "disk-test-" + ThreadLocalRandom.current().nextInt(1_000_000);
  private final String release = "PRETTY_NAME=\"VM disk " + ThreadLocalRandom.current().nextInt(1_000_000) + "\"";
  private Path work;

  @BeforeEach
  void workDir() throws Exception {
    work = Files.createTempDirectory("container-labs-disk-test");
  }

  @AfterEach
  void cleanUp() {
    if (images.run("list").stdout().contains(name + " ")) {
      images.run("rm", name);
    }
    Host.sh("rm -rf '" + work + "'");
  }

  @Test
  @DisplayName("a container runs on the files of a qcow2 disk: its /etc/os-release, its busybox")
  void qcow2() {
    Path tree = VmDisk.busyboxTree(work.resolve("tree"), release + "\n");
    Host.sh("echo 'from the disk' > '" + tree.resolve("root/disk-file") + "'");
    Path disk = VmDisk.convert(VmDisk.ext4(tree, work.resolve("disk.raw"), 32), "qcow2", work.resolve("disk.qcow2"));
    Result imported = images.run("import-disk", name, disk.toString());
    assertEquals(0, imported.exitStatus(), imported::toString);
    Result run = lab.run("--image", name, "--", "sh", "-c", "cat /etc/os-release /root/disk-file");
    assertEquals(List.of(release, "from the disk"), run.lines(), run::toString);
  }

  @Test
  @DisplayName("a container runs on the root partition of a partitioned disk, and writes only its own layer")
  void partitioned() throws Exception {
    Path data = VmDisk.ext4(Files.createDirectories(work.resolve("data.d/srv")).getParent(), work.resolve("data.raw"), 40);
    Path root = VmDisk.ext4(VmDisk.busyboxTree(work.resolve("tree"), release + "\n"), work.resolve("root.raw"), 32);
    Path disk = VmDisk.convert(VmDisk.partitioned(work.resolve("gpt.raw"), "gpt", data, root), "qcow2",
        work.resolve("gpt.qcow2"));
    Result imported = images.run("import-disk", name, disk.toString());
    assertEquals(0, imported.exitStatus(), imported::toString);
    String script = "grep PRETTY_NAME /etc/os-release; echo changed > /etc/os-release; cat /etc/os-release";
    assertEquals(List.of(release, "changed"), lab.run("--image", name, "--", "sh", "-c", script).lines());
    Result again = lab.run("--image", name, "--", "cat", "/etc/os-release");
    assertEquals(release, again.out(), again::toString);
  }
}
