package containerlabs.rootfs;

import containerlabs.kernel.Kernel;
import java.util.List;

/**
 * What root in the container may still do. Root holds every capability, and with
 * CAP_SYS_ADMIN it could undo the masks (umount /proc/kcore), remount /proc/sys read-write,
 * or mount a fresh proc whose sys/ is writable; with CAP_MKNOD it could make a node for the
 * host's disk and read it. So, last before the command starts, everything goes but what
 * docker leaves a container: its default list, less CAP_MKNOD (docker relies on a device
 * cgroup to make such nodes useless; these labs have none).
 */
// tag::capabilities[]
final class Capabilities {
  private static final String[] NAMES = {"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH",
      "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
      "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
      "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO",
      "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
      "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
      "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP"};

  private static final List<String> KEPT = List.of("CAP_CHOWN",
      "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID",
      "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SYS_CHROOT", "CAP_AUDIT_WRITE",
      "CAP_SETFCAP");

  private Capabilities() {}

  static void dropAllButDefaults() {
    long kept = 0;
    for (int cap = 0; cap <= Kernel.lastCapability(); cap++) {
      String name = cap < NAMES.length ? NAMES[cap] : "CAP_" + cap;
      if (KEPT.contains(name)) {
        kept |= 1L << cap;
      } else {
        // The bounding set limits what any later execve can grant, even to root.
        Kernel.dropBoundingCapability(cap, name);
      }
    }
    // And this process's own sets: execve gives root its inheritable set back on top.
    Kernel.setCapabilities(kept, kept, 0);
  }
}
// end::capabilities[]
