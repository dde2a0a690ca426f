package containerlabs.rootfs;

import static containerlabs.kernel.MountFlags.MS_BIND;
import static containerlabs.kernel.MountFlags.MS_NODEV;
import static containerlabs.kernel.MountFlags.MS_NOEXEC;
import static containerlabs.kernel.MountFlags.MS_NOSUID;
import static containerlabs.kernel.MountFlags.MS_STRICTATIME;

import containerlabs.kernel.Kernel;
import containerlabs.kernel.SyscallException;
import containerlabs.mnt.IpcNamespace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The container's /dev: a tmpfs with only the devices every program expects, as runc makes
 * it. Never the host's /dev, where the disks are.
 */
final class Devices {
  private Devices() {}

  // tag::dev[]
  static void populate(String dev) {
    // BEGIN SOLUTION(make /dev a tmpfs with null, zero, full, random, urandom, tty, pts, shm, mqueue and links; §4.4)
    Kernel.mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
    node(dev, "null", 1, 3);
    node(dev, "zero", 1, 5);
    node(dev, "full", 1, 7);
    node(dev, "random", 1, 8);
    node(dev, "urandom", 1, 9);
    node(dev, "tty", 5, 0);
    // A devpts of its own (newinstance): the container's terminals are numbered from 0 and
    // the host's are not in it. /dev/ptmx opens a new one.
    mkdir(dev + "/pts");
    Kernel.mount("devpts", dev + "/pts", "devpts", MS_NOSUID | MS_NOEXEC,
        "newinstance,ptmxmode=0666,mode=0620");
    symlink(dev + "/ptmx", "pts/ptmx");
    mkdir(dev + "/shm");
    Kernel.mount("shm", dev + "/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k");
    mkdir(dev + "/mqueue");
    IpcNamespace.mountQueues(dev + "/mqueue"); // the container's POSIX message queues (lab 03)
    symlink(dev + "/fd", "/proc/self/fd");
    symlink(dev + "/stdin", "/proc/self/fd/0");
    symlink(dev + "/stdout", "/proc/self/fd/1");
    symlink(dev + "/stderr", "/proc/self/fd/2");
    // The terminal the lab runs in becomes the container's console (runc does the same). Bound
    // by its name, since a bind's source must be in this mount namespace; a terminal whose name
    // leads nowhere here (a VM's console after switch_root: "/dev/console (deleted)") is left out.
    String tty = Kernel.isatty(0) ? readlink("/proc/self/fd/0") : "";
    if (tty.startsWith("/dev/") && Files.exists(Path.of(tty))) {
      touch(dev + "/console");
      Kernel.mount(tty, dev + "/console", null, MS_BIND, null);
    }
    // END SOLUTION
  }
  // end::dev[]

  /** mknod, then chmod: mknod's mode is cut by the umask. */
  private static void node(String dev, String name, int major, int minor) {
    try {
      Kernel.mknodChar(dev + "/" + name, 0666, major, minor);
    } catch (SyscallException e) {
      if (!e.errnoName().equals("EPERM")) {
        throw e;
      }
      // In a user namespace (lab 07) no one may mknod: a node is a door to a host's device,
      // and root there is not root here. The host's own node is bound instead, as rootless runc does.
      touch(dev + "/" + name);
      Kernel.mount("/dev/" + name, dev + "/" + name, null, MS_BIND, null);
      return;
    }
    Kernel.chmod(dev + "/" + name, 0666);
  }

  private static void mkdir(String path) {
    try {
      Files.createDirectory(Path.of(path));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void touch(String path) {
    try {
      Files.createFile(Path.of(path));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void symlink(String link, String target) {
    try {
      Files.createSymbolicLink(Path.of(link), Path.of(target));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String readlink(String link) {
    try {
      return Files.readSymbolicLink(Path.of(link)).toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
