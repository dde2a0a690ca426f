package containerlabs.rootfs;

import static containerlabs.kernel.MountFlags.MNT_DETACH;
import static containerlabs.kernel.MountFlags.MS_BIND;
import static containerlabs.kernel.MountFlags.MS_NODEV;
import static containerlabs.kernel.MountFlags.MS_NOEXEC;
import static containerlabs.kernel.MountFlags.MS_NOSUID;
import static containerlabs.kernel.MountFlags.MS_RDONLY;
import static containerlabs.kernel.MountFlags.MS_REC;
import static containerlabs.kernel.MountFlags.MS_REMOUNT;

import containerlabs.engine.Container;
import containerlabs.engine.ContainerException;
import containerlabs.engine.ExitStatus;
import containerlabs.engine.Feature;
import containerlabs.image.ImageConfig;
import containerlabs.image.ImageProcess;
import containerlabs.image.ImageStore;
import containerlabs.kernel.Kernel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import picocli.CommandLine.Option;

/**
 * Lab 04: an image as the container's root. The image's read-only layers, a layer with this
 * container's /etc/hostname, hosts and resolv.conf, and a writable layer of its own are
 * stacked with overlayfs; the init mounts /proc, /sys, /dev and tmpfs into it, moves into it
 * with pivot_root, and hides what of the host's kernel a container must not see.
 */
public class RootFilesystem implements Feature {
  /** Each container's writable layer, on disk like the images (in /run it would fill memory). */
  public static final Path CONTAINERS = Path.of("/var/lib/container-labs/containers");

  /** What runc hides: files that leak the host's memory or keys, or are the hardware's. */
  private static final List<String> MASKED_PATHS = List.of("/proc/acpi", "/proc/asound",
      "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
      "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap");

  /** What runc leaves readable but not writable: these reconfigure the whole machine. */
  private static final List<String> READ_ONLY_PATHS = List.of("/proc/bus", "/proc/fs",
      "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

  /** The size of /tmp and /run: Docker's for /dev/shm, and our /dev/shm's. */
  static final String TMPFS_SIZE = "65536k";

  @Option(names = "--image", paramLabel = "NAME",
      description = "The image to run (default: busybox; see ./lab images list).")
  String image;

  @Option(names = "--rootfs", paramLabel = "DIR",
      description = "Run a folder instead of an image (it is not modified either).")
  Path rootfs;

  @Option(names = {"-v", "--volume"}, paramLabel = "HOST:CONTAINER[:ro]",
      description = "Bind-mount a host file or folder into the container, read-only with :ro.")
  List<String> volumes = new ArrayList<>();

  @Option(names = "--read-only", description = "Mount the container's root read-only.")
  boolean readOnly;

  @Option(names = "--keep",
      description = "Keep the container's writable layer after it exits, to look at it.")
  boolean keep;

  @Option(names = "--chroot",
      description = "Use chroot instead of pivot_root. Insecure: for the escape demo only.")
  boolean chroot;

  @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE",
      description = "Set an environment variable (KEY alone: the lab's own value), over the image's.")
  List<String> env = new ArrayList<>();

  @Option(names = "--entrypoint", paramLabel = "PROGRAM",
      description = "Run PROGRAM instead of the image's entrypoint, and not the image's command (\"\": none).")
  String entrypoint;

  @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "The working folder in the container.")
  String workdir;

  @Option(names = {"-u", "--user"}, paramLabel = "USER[:GROUP]",
      description = "Run as this user (a name in the image's /etc/passwd, or a number).")
  String user;

  /** What later labs add to the new root (lab 06: its cgroups), while the init may still mount. */
  private final List<Consumer<String>> alsoMounted = new ArrayList<>();

  /** Lab 07: where the init reads the image's layers from, and what more overlayfs is told. */
  private UnaryOperator<Path> imageLayer = UnaryOperator.identity();
  private String overlayOptions = "";

  /** For a later lab (lab 07): the image's layers as {@code where} maps them, and more overlay options. */
  public void readImageLayers(UnaryOperator<Path> where, String options) {
    imageLayer = where;
    overlayOptions = options;
  }

  /** For a later lab: {@code mountInto} gets the new root's path, after /sys and /dev, before pivot_root. */
  public void alsoMount(Consumer<String> mountInto) {
    alsoMounted.add(mountInto);
  }

  @Override
  public void prepare(Container container) {
    if (image != null && rootfs != null) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR,
          "--image and --rootfs both name the root: give one of them");
    }
    volumes.forEach(Volume::parse);
    layers(container);
    // The image also says how to run it (Entrypoint, Cmd, Env, WorkingDir, User), as docker
    // run's options may change; the engine's init applies it, last before execve.
    ImageProcess.configure(container, rootfs != null ? ImageConfig.DEFAULT : image().config(),
        entrypoint, env, workdir, user);
    Path layer = CONTAINERS.resolve(container.id());
    // Written down before it is made, so that whichever lab runs next removes it, even if this
    // one is killed. With --keep only the work folder goes: the writes stay, to look at.
    container.madeOnHost().tree(keep ? layer.resolve("work") : layer);
    try {
      Files.createDirectories(layer.resolve("upper"));
      Files.createDirectories(layer.resolve("work"));
      Files.createDirectories(container.stateDir().resolve("rootfs"));
      writeConfigLayer(container, Files.createDirectories(container.stateDir().resolve("config/etc")));
      if (keep) {
        Files.createFile(container.stateDir().resolve("keep")); // clean-up reads it, even after a crash
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // tag::sequence[]
  @Override
  public void initContainer(Container container) {
    String root = mountLayers(container);
    mountKernelFilesystems(root);
    Devices.populate(root + "/dev");
    alsoMounted.forEach(mount -> mount.accept(root));
    for (String volume : volumes) {
      Volume.parse(volume).mount(root);
    }
    if (chroot) {
      Kernel.chdir(root);
      Kernel.chroot("."); // the host's / is still in this mount namespace: see the guide
    } else {
      pivotInto(root);
    }
    hideHostKernelFiles();
    if (readOnly) {
      Kernel.mount("none", "/", null, MS_BIND | MS_REMOUNT | MS_RDONLY, null);
    }
    ProcessAttributes.setFor(container.id()); // a keyring of its own, no_new_privs, open-file limit
    Capabilities.dropAllButDefaults(); // else root inside could undo all of the above
  }
  // end::sequence[]

  /** ./lab exec: a command that joins the container gets what the init gave itself last. */
  @Override
  public void joinContainer(Container container) {
    ProcessAttributes.setFor(container.id());
    Capabilities.dropAllButDefaults();
  }

  // tag::overlay[]
  private String mountLayers(Container container) {
    String root = container.stateDir().resolve("rootfs").toString();
    // A later lab's options go last (lab 07: userxattr, for overlayfs in a user namespace).
    Kernel.mount("overlay", root, "overlay", 0, overlayData(container) + overlayOptions);
    // pivot_root needs the new root to be a mount point. An overlay is one; runc binds every
    // root onto itself, so that a plain folder is one too.
    Kernel.mount(root, root, null, MS_BIND | MS_REC, null);
    return root;
  }

  /** overlayfs's options: which folders it stacks, and where the container's writes go. */
  private String overlayData(Container container) {
    Path layer = CONTAINERS.resolve(container.id());
    // lowerdir: read-only layers, the leftmost on top; upperdir: where every write goes
    // (a changed file is copied up first); workdir: overlayfs's scratch space.
    // BEGIN SOLUTION(overlayfs's options: the image's layers as lowerdir, the container's upper and work folders; §4.4)
    String lower = layers(container).stream().map(Path::toString).collect(Collectors.joining(":"));
    return "lowerdir=" + lower + ",upperdir=" + layer.resolve("upper") + ",workdir=" + layer.resolve("work");
    // END SOLUTION
  }
  // end::overlay[]

  private static void mountKernelFilesystems(String root) {
    for (String dir : List.of("proc", "sys", "dev", "tmp", "run")) {
      mkdirs(root + "/" + dir); // a minimal image may lack a mount point
    }
    Kernel.mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, null);
    Kernel.mount("sysfs", root + "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, null);
    // A tmpfs is memory. Without size= it may grow to half the host's RAM, each; with it, a
    // full /tmp is ENOSPC in the container, not memory pressure on the host. (Its pages are
    // charged to the memory cgroup of the process that writes them: lab 06's -m counts them.)
    Kernel.mount("tmpfs", root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=" + TMPFS_SIZE);
    Kernel.mount("tmpfs", root + "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=" + TMPFS_SIZE);
  }

  // tag::pivot[]
  private static void pivotInto(String root) {
    Kernel.chdir(root);
    // pivot_root(".", "."): the new root becomes "/", and the old root is stacked on top of
    // it, where "." still is. Detaching it leaves no path to the host's files at all: not
    // like chroot, which changes one process's view and leaves the host's / in the mount
    // namespace. (pivot_root also requires both roots to be private mounts: lab 03 did it.)
    // BEGIN SOLUTION(pivot_root into the new root and detach the old one; §4.4)
    Kernel.pivotRoot(".", ".");
    Kernel.umount2(".", MNT_DETACH);
    Kernel.chdir("/");
    // END SOLUTION
  }
  // end::pivot[]

  // tag::masks[]
  private static void hideHostKernelFiles() {
    // BEGIN SOLUTION(mask runc's masked paths and make its read-only paths read-only; §4.4)
    for (String path : MASKED_PATHS) {
      if (Files.isDirectory(Path.of(path))) {
        Kernel.mount("tmpfs", path, "tmpfs", MS_RDONLY, null);
      } else if (Files.exists(Path.of(path))) {
        Kernel.mount("/dev/null", path, null, MS_BIND, null);
      }
    }
    for (String path : READ_ONLY_PATHS) {
      if (Files.exists(Path.of(path))) {
        Kernel.mount(path, path, null, MS_BIND | MS_REC, null);
        Kernel.mount(path, path, null, MS_BIND | MS_REMOUNT | MS_RDONLY, null);
      }
    }
    // END SOLUTION
  }
  // end::masks[]

  @Override
  public void cleanUp(Container container) {
    // The engine removes the layer (or, with --keep, its work folder): prepare() recorded it.
    Path upper = CONTAINERS.resolve(container.id()).resolve("upper");
    if (Files.exists(container.stateDir().resolve("keep")) && Files.isDirectory(upper)) {
      System.err.println("kept the container's writes (its upper layer) in " + upper
          + "; remove it with rm -r " + upper.getParent());
    }
  }

  /** The read-only layers, top first: this container's configuration, then the image's. */
  private List<Path> layers(Container container) {
    List<Path> layers = new ArrayList<>();
    layers.add(container.stateDir().resolve("config"));
    if (rootfs != null) {
      if (!Files.isDirectory(rootfs)) {
        throw new ContainerException(ExitStatus.RUNTIME_ERROR, "--rootfs " + rootfs
            + ": no such folder: give a folder that holds a root filesystem");
      }
      layers.add(rootfs.toAbsolutePath());
    } else {
      List<Path> imageLayers = new ArrayList<>(image().layers());
      Collections.reverse(imageLayers);
      imageLayers.stream().map(imageLayer).forEach(layers::add);
    }
    return layers;
  }

  private ImageStore.Image image() {
    return new ImageStore().get(image == null ? "busybox" : image);
  }

  /** A file of the container's configuration layer (/etc/hosts…), for later labs to adjust. */
  public static Path configFile(Container container, String name) {
    return container.stateDir().resolve("config/etc").resolve(name);
  }

  private static void writeConfigLayer(Container container, Path etc) throws IOException {
    String name = container.hostname();
    Files.writeString(etc.resolve("hostname"), name + "\n");
    Files.writeString(etc.resolve("hosts"), "127.0.0.1\tlocalhost\n"
        + "::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t" + name + "\n");
    Path resolv = Path.of("/etc/resolv.conf"); // the host's resolvers: never one of our choosing
    Files.writeString(etc.resolve("resolv.conf"), Files.isReadable(resolv) ? Files.readString(resolv) : "");
  }

  private static void mkdirs(String dir) {
    try {
      Files.createDirectories(Path.of(dir));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
