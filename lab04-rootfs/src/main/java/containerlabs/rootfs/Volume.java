package containerlabs.rootfs;

import static containerlabs.kernel.MountFlags.MS_BIND;
import static containerlabs.kernel.MountFlags.MS_RDONLY;
import static containerlabs.kernel.MountFlags.MS_REC;
import static containerlabs.kernel.MountFlags.MS_REMOUNT;

import containerlabs.engine.ContainerException;
import containerlabs.engine.ExitStatus;
import containerlabs.kernel.Kernel;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/** {@code -v HOST:CONTAINER[:ro]}: a host file or folder, bind-mounted into the container. */
record Volume(Path host, String container, boolean readOnly) {
  /** Where the lab mounts the kernel's own files, and hides some of them. */
  private static final List<String> KERNEL_FILESYSTEMS = List.of("/proc", "/sys", "/dev");

  static Volume parse(String spec) {
    String[] parts = spec.split(":", -1);
    boolean valid = (parts.length == 2 || parts.length == 3 && parts[2].matches("ro|rw"))
        && parts[0].startsWith("/") && parts[1].startsWith("/");
    if (!valid) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "malformed -v '" + spec
          + "': write HOST:CONTAINER[:ro] with two absolute paths, e.g. -v /srv/data:/data:ro");
    }
    String container = destination(spec, parts[1]);
    Path host = Path.of(parts[0]);
    if (!Files.exists(host)) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "-v '" + spec + "': " + host
          + " does not exist on the host: create it first, or check the path");
    }
    return new Volume(host, container, parts.length == 3 && parts[2].equals("ro"));
  }

  /**
   * The destination, normalized (/./proc, //proc and /x/../proc are /proc), if a volume may go
   * there. Over / it would replace the whole root: no /proc, no /dev, no masked paths. On or
   * under /proc, /sys or /dev it would hide or replace what the lab mounted there, masks
   * included (runc refuses mounts over /proc for the same reason). Normalizing only reads
   * names: a symlink on the way is refused when the mount point is made, see createTarget.
   */
  private static String destination(String spec, String destination) {
    String path = Path.of(destination).normalize().toString();
    if (path.equals("/")) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "-v '" + spec + "': a volume over /"
          + " would replace the container's whole root (its /proc, /dev and masks): mount it on a folder, e.g. /data");
    }
    for (String kernel : KERNEL_FILESYSTEMS) {
      if (path.equals(kernel) || path.startsWith(kernel + "/")) {
        throw new ContainerException(ExitStatus.RUNTIME_ERROR, "-v '" + spec + "': no volume on or under "
            + kernel + ", where the lab mounts the kernel's own files: mount it elsewhere, e.g. /data");
      }
    }
    return path;
  }

  /** Mount into the new root, before pivot_root, while the host's path is still reachable. */
  void mount(String newRoot) {
    String target = createTarget(newRoot);
    Kernel.mount(host.toString(), target, null, MS_BIND | MS_REC, null);
    if (readOnly) {
      // A bind mount takes the source's flags; read-only needs a second call, a remount.
      Kernel.mount("none", target, null, MS_BIND | MS_REMOUNT | MS_RDONLY, null);
    }
  }

  /**
   * The mount point, made in the container's root if missing. Each component is checked: a
   * symlink in the image (say /data → /etc) would otherwise point the mount at the host's
   * /etc, since the host resolves it before pivot_root (the bug behind runc's CVE-2021-30465).
   */
  private String createTarget(String newRoot) {
    Path path = Path.of(newRoot);
    String[] parts = container.substring(1).split("/");
    try {
      for (int i = 0; i < parts.length; i++) {
        if (parts[i].isEmpty()) {
          continue;
        }
        path = path.resolve(parts[i]);
        if (Files.isSymbolicLink(path)) {
          throw new ContainerException(ExitStatus.RUNTIME_ERROR, "-v " + host + ":" + container
              + ": " + container + " goes through a symlink in the image: mount it somewhere else");
        }
        boolean last = i == parts.length - 1;
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
          if (last && !Files.isDirectory(host)) {
            Files.createFile(path);
          } else {
            Files.createDirectory(path);
          }
        }
      }
    } catch (IOException e) {
      String reason = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.toString();
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "-v " + host + ":" + container
          + ": cannot make " + container + " in the container (" + reason + "): mount it somewhere else");
    }
    return path.toString();
  }
}
