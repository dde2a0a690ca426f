package containerlabs.image;

import containerlabs.kernel.Kernel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Imports a virtual machine's disk (qcow2, raw, vmdk, ...: what {@code qemu-img} reads) as a
 * one-layer image holding the files of the disk's root filesystem, as
 * {@code systemd-nspawn --image} boots a container from a VM's disk. The steps, in order:
 * <ol>
 * <li>ask {@code qemu-img info} what the disk is, and refuse one that would make qemu read
 *     other files of the host (a backing file, an external data file, vmdk extents);</li>
 * <li>get a raw view of the disk: the file itself if it is raw, else a raw copy made by
 *     {@code qemu-img convert} (the kernel's loop driver reads only raw bytes);</li>
 * <li>find the root filesystem: the whole disk, or a partition of its MBR or GPT table;</li>
 * <li>attach it to a read-only loop device, and mount that read-only;</li>
 * <li>copy the files into the image's layer through the same checked tar path as any other
 *     import ({@link ImageImport#unpack}): a disk is untrusted input like any tarball;</li>
 * <li>unmount, detach, delete the copy: always, also on an error or Ctrl-C.</li>
 * </ol>
 */
public final class DiskImport {
  // A raw copy of a disk can be gigabytes: /var/tmp is on disk, where /tmp may be in memory.
  private static final Path WORK_ROOT = Path.of("/var/tmp");
  private static final Duration QUICK = Duration.ofSeconds(30);
  // qemu-img on a hostile disk may loop or crawl: it never gets longer than this.
  private static final Duration CONVERT = Duration.ofMinutes(10);
  private static final Set<String> FORMATS = Set.of("raw", "qcow2", "vmdk", "vdi", "vhdx", "vpc", "qed");
  private static final Set<String> LINUX_FILESYSTEMS = Set.of("ext2", "ext3", "ext4", "xfs", "btrfs");

  private DiskImport() {}

  /** A filesystem on the disk: the whole disk, or a partition (number &gt; 0). */
  private record Volume(int partition, long offset, long size, String type) {
    String describe() {
      return (partition == 0 ? "the whole disk" : "partition " + partition) + ", " + type;
    }
  }

  public static ImageStore.Image importDisk(ImageStore store, String name, Path disk, Integer partition,
      boolean allowDevices) {
    ImageStore.checkName(name);
    if (store.exists(name)) {
      throw new ImageException("an image '" + name + "' exists already: remove it first with"
          + " ./lab images rm " + name + ", or choose another name");
    }
    if (Kernel.geteuid() != 0) {
      throw new ImageException("import-disk needs root (it uses loop devices and mount): run it with sudo");
    }
    for (String[] tool : new String[][] {{"qemu-img", "qemu-utils"}, {"sfdisk", "fdisk"},
        {"blkid", "util-linux"}, {"losetup", "mount"}, {"mount", "mount"}, {"tar", "tar"}}) {
      requireTool(tool[0], tool[1]);
    }
    // tag::steps[]
    Path source = diskFile(disk);
    Work work = new Work();
    try (work) {
      String format = checkedFormat(work, source);
      Path raw = rawView(work, source, format);
      Volume root = rootVolume(work, raw, partition, disk);
      return store.create(name, "VM disk (" + format + ", " + root.describe() + ") " + source, layers -> {
        work.deleteOnClose(layers.getParent()); // Ctrl-C may end us before the store's own clean-up
        try (Mounted mounted = work.mount(raw, root)) {
          copyFiles(work, mounted.dir, layers.resolve("0"), allowDevices);
        }
        return 1;
      });
    } catch (RuntimeException e) { // Work.close has unmounted, detached, deleted the raw copy
      throw work.signalled ? Work.interrupted() : e; // not what failed once Ctrl-C took it all away
    }
    // end::steps[]
  }

  /** Step 1a: only a file. qemu-img would also read "nbd:..." or "json:{...}" names, or a device. */
  private static Path diskFile(Path disk) {
    Path real;
    try {
      real = disk.toRealPath();
    } catch (IOException e) {
      throw new ImageException("no such disk: " + disk);
    }
    if (!Files.isRegularFile(real)) {
      throw new ImageException(disk + " is not a regular file: import-disk reads only a disk image"
          + " file (qcow2, raw, vmdk); copy a device into a file first (qemu-img convert -O qcow2 DEVICE FILE)");
    }
    return real; // absolute: a path that starts with / is never taken for a qemu protocol
  }

  /**
   * Step 1b: a disk may name other files that qemu then reads as root: a qcow2 backing file or
   * data file, a vmdk's extents. Pointing those at /etc/shadow would copy the host's file into
   * the image. A VM's own disk stands alone: refuse the others.
   */
  private static String checkedFormat(Work work, Path source) {
    String json = work.run(QUICK, "qemu-img cannot read " + source, "qemu-img", "info", "--output=json",
        source.toString());
    Map<String, Object> info = Json.object(Json.parse(json), "qemu-img info");
    String format = String.valueOf(info.get("format"));
    if (!FORMATS.contains(format)) {
      throw new ImageException(source + " is a " + format + " disk, which import-disk does not read:"
          + " convert it first (qemu-img convert -O qcow2 " + source + " disk.qcow2)");
    }
    Object backing = info.getOrDefault("full-backing-filename", info.get("backing-filename"));
    if (backing != null) {
      throw new ImageException("refused: " + source + " has a backing file (" + backing + "), which qemu-img"
          + " would read from this host: flatten it on the machine it comes from (qemu-img convert -O qcow2"
          + " DISK flat.qcow2) and import flat.qcow2");
    }
    if (Boolean.TRUE.equals(info.get("encrypted"))) {
      throw new ImageException(source + " is encrypted: import-disk cannot open it; decrypt it with qemu-img"
          + " convert first");
    }
    Object specific = info.get("format-specific");
    if (specific instanceof Map<?, ?> s && s.get("data") instanceof Map<?, ?> data) {
      if (data.get("data-file") != null) {
        throw new ImageException("refused: " + source + " keeps its data in another file (" + data.get("data-file")
            + "), which qemu-img would read from this host: convert it to a plain qcow2 where it comes from");
      }
      if (data.get("extents") instanceof List<?> extents) {
        for (Object extent : extents) {
          Object file = extent instanceof Map<?, ?> e ? e.get("filename") : null;
          if (file == null || !source.resolveSibling(file.toString()).normalize().equals(source)) {
            throw new ImageException("refused: the vmdk " + source + " names another file (" + file
                + "), which qemu-img would read from this host: convert it to a single-file disk"
                + " (qemu-img convert -O qcow2) where it comes from");
          }
        }
      }
    }
    return format;
  }

  /**
   * Step 2: the loop driver shows a file's bytes as a block device, so it needs the disk's
   * bytes in order: a raw file. A qcow2 or vmdk stores clusters in its own order, with holes
   * and compression: qemu-img writes them out as raw, in a sparse file (holes take no space).
   */
  private static Path rawView(Work work, Path source, String format) {
    if (format.equals("raw")) {
      return source;
    }
    Path raw = work.dir.resolve("disk.raw");
    work.run(CONVERT, "qemu-img cannot convert " + source, "qemu-img", "convert", "-f", format, "-O", "raw",
        source.toString(), raw.toString());
    return raw;
  }

  /**
   * Step 3: the root filesystem. blkid reads the signatures at the start of the disk (or of a
   * partition, at its offset) without a device; sfdisk reads the partition table of a file.
   */
  private static Volume rootVolume(Work work, Path raw, Integer wanted, Path disk) {
    Map<String, String> whole = probe(work, raw, 0, 0);
    String type = whole.getOrDefault("TYPE", "");
    if (!whole.containsKey("PTTYPE")) {
      if (wanted != null) {
        throw new ImageException(disk + " has no partition table: leave out --partition");
      }
      Volume volume = new Volume(0, 0, 0, type);
      if (!LINUX_FILESYSTEMS.contains(type)) {
        throw new ImageException(unusable(disk, volume, whole));
      }
      return volume;
    }
    List<Volume> partitions = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    Map<String, Object> table = Json.object(Json.object(Json.parse(work.run(QUICK,
        "cannot read the partition table of " + disk, "sfdisk", "--json", raw.toString())), "sfdisk")
        .get("partitiontable"), "partitiontable");
    long sector = ((Number) table.getOrDefault("sectorsize", 512)).longValue();
    for (Object p : Json.array(table.get("partitions"), "partitions")) {
      Map<String, Object> part = Json.object(p, "partition");
      String node = String.valueOf(part.get("node"));
      int number = Integer.parseInt(node.replaceAll(".*?(\\d+)$", "$1"));
      long offset = ((Number) part.get("start")).longValue() * sector;
      long size = ((Number) part.get("size")).longValue() * sector;
      Map<String, String> found = probe(work, raw, offset, size);
      Volume volume = new Volume(number, offset, size, found.getOrDefault("TYPE", "unknown"));
      if (wanted != null && wanted == number) {
        if (!LINUX_FILESYSTEMS.contains(volume.type)) {
          throw new ImageException(unusable(disk, volume, found));
        }
        return volume;
      }
      partitions.add(volume);
      seen.add(volume.partition + " (" + volume.type + ")");
    }
    if (wanted != null) {
      throw new ImageException(disk + " has no partition " + wanted + "; it has " + String.join(", ", seen));
    }
    List<Volume> linux = partitions.stream().filter(v -> LINUX_FILESYSTEMS.contains(v.type)).toList();
    if (linux.isEmpty()) {
      Volume locked = partitions.stream().filter(v -> v.type.equals("crypto_LUKS") || v.type.equals("LVM2_member"))
          .findFirst().orElse(null);
      throw new ImageException(locked != null ? unusable(disk, locked, Map.of())
          : "no Linux filesystem on " + disk + ": its partitions are " + String.join(", ", seen));
    }
    if (linux.size() == 1) {
      return linux.get(0);
    }
    // Several: the root is the one with /etc/os-release or /usr (a VM also has /boot, /home...).
    for (Volume volume : linux) {
      try (Mounted mounted = work.mount(raw, volume)) {
        if (Files.exists(mounted.dir.resolve("etc/os-release"), LinkOption.NOFOLLOW_LINKS)
            || Files.isDirectory(mounted.dir.resolve("usr"), LinkOption.NOFOLLOW_LINKS)) {
          return volume;
        }
      }
    }
    return linux.stream().max((a, b) -> Long.compare(a.size, b.size)).orElseThrow();
  }

  private static String unusable(Path disk, Volume volume, Map<String, String> found) {
    String where = volume.partition == 0 ? disk.toString() : "partition " + volume.partition + " of " + disk;
    return switch (volume.type) {
      case "crypto_LUKS" -> where + " is encrypted (LUKS): import-disk cannot open it; open it with"
          + " cryptsetup, copy the opened volume into a file (dd) and import that";
      case "LVM2_member" -> where + " is an LVM volume group: import-disk cannot read LVM; activate it"
          + " (vgchange -ay), copy the root logical volume into a file (dd) and import that";
      case "", "unknown" -> where + " holds no filesystem or partition table blkid knows:"
          + (found.isEmpty() && volume.partition == 0 ? " is it a VM disk?" : " choose another with --partition N");
      default -> where + " holds " + volume.type + ", not a Linux root filesystem ("
          + String.join(", ", LINUX_FILESYSTEMS.stream().sorted().toList()) + ")"
          + (volume.partition == 0 ? "" : ": choose another with --partition N");
    };
  }

  /** blkid's low-level probe (-p: read the disk, not a cache) of the bytes at an offset. */
  private static Map<String, String> probe(Work work, Path raw, long offset, long size) {
    List<String> command = new ArrayList<>(List.of("blkid", "-p", "-o", "export"));
    if (size > 0) {
      command.addAll(List.of("-O", Long.toString(offset), "-S", Long.toString(size)));
    }
    command.add(raw.toString());
    Work.Result result = work.exec(QUICK, command);
    Map<String, String> tags = new LinkedHashMap<>();
    if (result.status() == 0) {
      for (String line : result.out().lines().toList()) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          tags.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
    } // 2: nothing found; 8: ambivalent (two signatures): both "unknown", never a guess
    return tags;
  }

  /**
   * Step 5: GNU tar reads the mounted tree (--numeric-owner: the disk's uids, not this host's
   * names for them; --xattrs: file capabilities too) into a tarball, and unpack reads it as
   * it reads any imported tarball, checking every entry: device files need --allow-devices,
   * and no link leads a write out of the layer. The disk's own files are never trusted.
   * A file, not a pipe: unpack's tar reader skips by seeking, which a pipe cannot do.
   */
  private static void copyFiles(Work work, Path tree, Path layer, boolean allowDevices) throws IOException {
    Path tarball = work.dir.resolve("files.tar");
    work.run(CONVERT, "tar cannot read the disk's files", "tar", "--numeric-owner", "--xattrs", "-C",
        tree.toString(), "-cf", tarball.toString(), ".");
    ImageImport.unpack(tarball, layer, allowDevices);
    Files.delete(tarball);
  }

  private static void requireTool(String tool, String aptPackage) {
    for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
        return;
      }
    }
    throw new ImageException(tool + " not found: apt install " + aptPackage);
  }

  /** Step 4: a filesystem of the disk, on a read-only loop device, mounted read-only. */
  private static final class Mounted implements AutoCloseable {
    final Path dir;
    private final Work work;
    private final Path raw;
    private final Volume volume;
    private boolean attaching; // losetup was started: it may have attached a device
    private String loop; // the device, once losetup has said which

    Mounted(Work work, Path dir, Path raw, Volume volume) {
      this.work = work;
      this.dir = dir;
      this.raw = raw;
      this.volume = volume;
    }

    @Override
    public void close() {
      work.release(this);
    }
  }

  /**
   * What one import makes on the host, undone on close, or by a JVM shutdown hook on Ctrl-C
   * or kill (SIGINT, SIGTERM): child processes, mounts, loop devices, the work folder with the
   * raw copy, the image's staging folder. The hook runs while the import's own thread goes on,
   * so each thing is noted before it is made, and found again from the kernel's own lists.
   */
  private static final class Work implements AutoCloseable {
    record Result(int status, String out) {}

    final Path dir;
    private final List<Process> processes = new ArrayList<>();
    private final List<Mounted> mounts = new ArrayList<>();
    private final List<Path> folders = new ArrayList<>();
    private final Thread hook = new Thread(this::close, "import-disk clean-up");
    private boolean closed;
    private volatile boolean signalled; // closed by the shutdown hook: Ctrl-C or kill
    private int mountCount;

    Work() {
      try {
        dir = Files.createTempDirectory(WORK_ROOT, "container-labs-disk-");
      } catch (IOException e) {
        throw new ImageException("cannot make a work folder in " + WORK_ROOT + ": " + e.getMessage());
      }
      try {
        Runtime.getRuntime().addShutdownHook(hook);
      } catch (IllegalStateException e) { // Ctrl-C came first
        remove(dir);
        throw interrupted();
      }
    }

    /** Run a command to its end (killed after the timeout); its output, or an ImageException. */
    String run(Duration timeout, String failure, String... command) {
      Result result = exec(timeout, List.of(command));
      if (result.status() != 0) {
        throw new ImageException(failure + ": " + lastError());
      }
      return result.out();
    }

    Result exec(Duration timeout, List<String> command) {
      Path out = dir.resolve("stdout");
      try {
        Process process = start(command, out);
        return new Result(waitFor(process, timeout), Files.readString(out, StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw closed ? interrupted() : new UncheckedIOException(e);
      }
    }

    // Output to files, not pipes: a hung command cannot block us reading, only the timeout ends it.
    private synchronized Process start(List<String> command, Path out) throws IOException {
      if (closed) {
        throw interrupted();
      }
      Process process = new ProcessBuilder(command).directory(dir.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .redirectOutput(out.toFile()).redirectError(dir.resolve("stderr").toFile()).start();
      processes.add(process);
      return process;
    }

    int waitFor(Process process, Duration timeout) {
      try {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly().waitFor();
          throw new ImageException(process.info().command().orElse("a command") + " took more than "
              + timeout.toSeconds() + " s and was stopped: is the disk damaged?");
        }
        return process.exitValue();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw interrupted();
      } finally {
        synchronized (this) {
          processes.remove(process);
        }
      }
    }

    private static ImageException interrupted() {
      return new ImageException("import-disk was interrupted");
    }

    /** The last line the last command wrote on stderr. */
    String lastError() {
      try {
        List<String> lines = Files.readAllLines(dir.resolve("stderr"), StandardCharsets.UTF_8);
        return lines.stream().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("(no message)").strip();
      } catch (IOException e) {
        return "(no message)";
      }
    }

    /** losetup -r: the loop device is read-only, so nothing, not even a journal replay, writes the disk. */
    Mounted mount(Path raw, Volume volume) {
      Mounted mounted;
      synchronized (this) {
        mounted = new Mounted(this, dir.resolve("root" + mountCount++), raw, volume);
        mounts.add(mounted);
        mounted.attaching = true;
      }
      try {
        Files.createDirectory(mounted.dir);
        List<String> losetup = new ArrayList<>(List.of("losetup", "--read-only", "--find", "--show"));
        if (volume.partition > 0) { // a partition is a window of the disk: its offset and size
          losetup.addAll(List.of("--offset", Long.toString(volume.offset), "--sizelimit",
              Long.toString(volume.size)));
        }
        losetup.add(raw.toString());
        String device = run(QUICK, "cannot attach a loop device", losetup.toArray(String[]::new)).strip();
        synchronized (this) {
          mounted.loop = device;
        }
        // nodev, nosuid, noexec: nothing on a foreign disk runs or opens a device on this host.
        // noload (ext3/4), norecovery (xfs): a VM's journal is replayed by the VM, not here.
        String options = "ro,nodev,nosuid,noexec" + switch (volume.type) {
          case "ext3", "ext4" -> ",noload";
          case "xfs" -> ",norecovery";
          default -> "";
        };
        run(QUICK, "cannot mount " + volume.describe(), "mount", "-t", volume.type, "-o", options, device,
            mounted.dir.toString());
        return mounted;
      } catch (IOException | RuntimeException e) {
        release(mounted);
        throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
      }
    }

    /** Unmount and detach; false if the mount stays (then its loop device stays too). */
    synchronized boolean release(Mounted mounted) {
      String dir = mounted.dir.toString();
      if (isMountPoint(dir) && quiet("umount", dir).status() != 0) {
        // Busy (a process still reads it): detach it now; the kernel frees it when the last file closes.
        quiet("umount", "--lazy", dir);
      }
      if (isMountPoint(dir)) {
        return false;
      }
      if (mounted.attaching) {
        // A losetup stopped by Ctrl-C may have attached a device before it could say which:
        // the kernel lists the devices of a file at an offset.
        List<String> devices = mounted.loop != null ? List.of(mounted.loop)
            : quiet("losetup", "--list", "--noheadings", "--output", "NAME", "--associated",
                mounted.raw.toString(), "--offset", Long.toString(mounted.volume.offset)).out().lines().toList();
        for (String device : devices) {
          quiet("losetup", "--detach", device.strip()); // a device still busy is freed when it is closed
        }
        mounted.attaching = false;
      }
      mounts.remove(mounted);
      return true;
    }

    private static boolean isMountPoint(String dir) {
      try {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
            .anyMatch(line -> line.split(" ")[4].equals(dir));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** A clean-up command: it runs also after close, and its failure is only reported by its status. */
    private static Result quiet(String... command) {
      try {
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(process.waitFor(), out);
      } catch (IOException e) {
        return new Result(-1, "");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Result(-1, "");
      }
    }

    synchronized void deleteOnClose(Path folder) {
      folders.add(folder);
    }

    @Override
    public void close() {
      signalled |= Thread.currentThread() == hook;
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        for (Process process : processes) { // first: a process reading the mount keeps it busy
          process.destroyForcibly();
          try {
            process.waitFor(5, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        boolean unmounted = true;
        for (Mounted mounted : new ArrayList<>(mounts)) {
          unmounted &= release(mounted);
        }
        folders.forEach(Work::remove);
        if (unmounted) {
          remove(dir);
        } else { // never delete through a mount: those are the disk's files
          System.err.println("warning: cannot unmount what is mounted in " + dir + ": unmount it, detach"
              + " its loop device (losetup -d), and remove " + dir);
        }
      }
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down: this is the hook running
      }
    }

    /**
     * Rename, then delete: an import still writing (the hook runs beside it) writes by the old
     * name, so it fails at its next file instead of filling the folder again as it is emptied.
     */
    private static void remove(Path folder) {
      Path doomed = folder.resolveSibling(".removing-" + folder.getFileName());
      try {
        Files.move(folder, doomed, StandardCopyOption.ATOMIC_MOVE);
      } catch (NoSuchFileException e) {
        return; // made into an image, or removed by the store
      } catch (IOException e) {
        doomed = folder;
      }
      for (int attempt = 1; ; attempt++) {
        try {
          ImageStore.deleteTree(doomed);
          return;
        } catch (IOException e) {
          if (attempt == 5) {
            System.err.println("warning: cannot remove " + doomed + ": " + e);
            return;
          }
          try {
            Thread.sleep(100); // a file the import was writing as we renamed: it is closed soon
          } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    }
  }
}
