package containerlabs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds small VM disks for tests, as an installer would: a root filesystem made with
 * {@code mkfs.ext4 -d}, alone or in a partition table, then converted by {@code qemu-img}.
 */
public final class VmDisk {
  /** The default image's files: copied, never changed (other tests and helpers share it). */
  public static final Path BUSYBOX = Path.of("/var/lib/container-labs/images/busybox/layers/0");

  private VmDisk() {}

  /** A root filesystem tree in {@code dir}: busybox's files, with this /etc/os-release. */
  public static Path busyboxTree(Path dir, String osRelease) {
    if (!Files.isDirectory(BUSYBOX)) {
      throw new AssertionError("no busybox image to copy: make it with ./lab images busybox");
    }
    Host.sh("mkdir -p '" + dir + "' && cp -a '" + BUSYBOX + "/.' '" + dir + "/'");
    try {
      Path release = dir.resolve("etc/os-release");
      Files.deleteIfExists(release); // a copy of the image's file, or a link: replaced, not written through
      Files.writeString(release, osRelease);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  /** An ext4 filesystem of {@code megabytes} holding the tree, in a raw file. */
  public static Path ext4(Path tree, Path file, int megabytes) {
    Host.sh("mkfs.ext4 -q -d '" + tree + "' '" + file + "' " + megabytes + "M");
    return file;
  }

  /** qemu-img convert to another format (qcow2, vmdk, ...). */
  public static Path convert(Path raw, String format, Path out) {
    Host.sh("qemu-img convert -f raw -O " + format + " '" + raw + "' '" + out + "'");
    return out;
  }

  /**
   * A raw disk with a partition table ("gpt" or "dos") and one Linux partition per raw
   * filesystem, each copied with dd at the offset sfdisk chose for it.
   */
  public static Path partitioned(Path out, String label, Path... filesystems) {
    try {
      long megabytes = 2; // the table before, and GPT's backup table after
      StringBuilder script = new StringBuilder("label: " + label + "\n");
      for (Path fs : filesystems) {
        long size = Files.size(fs);
        megabytes += (size + (1 << 20) - 1) >> 20;
        script.append("size=").append(size / 512).append(", type=L\n");
      }
      Host.sh("truncate -s " + megabytes + "M '" + out + "' && printf '" + script.toString().replace("\n", "\\n")
          + "' | sfdisk -q '" + out + "'");
      List<Long> starts = new ArrayList<>();
      Matcher start = Pattern.compile("\"start\":\\s*(\\d+)").matcher(Host.sh("sfdisk --json '" + out + "'"));
      while (start.find()) {
        starts.add(Long.parseLong(start.group(1)));
      }
      for (int i = 0; i < filesystems.length; i++) {
        Host.sh("dd if='" + filesystems[i] + "' of='" + out + "' bs=512 seek=" + starts.get(i)
            + " conv=notrunc status=none");
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The loop devices bound to a file now: {@code losetup -a}, one line each. */
  public static List<String> loopDevices() {
    return Host.sh("losetup -a").lines().toList();
  }
}
