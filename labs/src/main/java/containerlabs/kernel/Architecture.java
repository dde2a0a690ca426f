package containerlabs.kernel;

/**
 * The processors the labs run on, and what differs between them. Little does: the constants
 * the labs pass (CLONE_*, MS_*, signals, errno, O_CLOEXEC) come from the kernel's generic
 * headers on both, and the structures they fill (netlink messages, capability sets) are laid
 * out alike. System call numbers are not: x86_64 keeps its own table
 * (arch/x86/entry/syscalls/syscall_64.tbl), aarch64 uses the generic one
 * (include/uapi/asm-generic/unistd.h), in which x86_64's pivot_root, 155, is getpgid. glibc
 * knows its own machine's numbers, so only a call glibc has no function for is made by
 * number, and its number is here.
 */
public enum Architecture {
  X86_64("amd64", 155, 250),
  AARCH64("arm64", 41, 219);

  /** Its name in images: an OCI index's {@code platform.architecture}, as Docker names it. */
  public final String imageName;

  /** pivot_root(2), which glibc has no function for. */
  final long pivotRoot;

  /** keyctl(2): glibc has no function for it either (libkeyutils has). */
  final long keyctl;

  Architecture(String imageName, long pivotRoot, long keyctl) {
    this.imageName = imageName;
    this.pivotRoot = pivotRoot;
    this.keyctl = keyctl;
  }

  /** This machine's; on any other, an exception whose message is {@link #refusal}'s. */
  public static Architecture current() {
    String refusal = refusal();
    if (refusal != null) {
      throw new IllegalStateException(refusal);
    }
    return of(System.getProperty("os.arch"));
  }

  /** Java's name of a processor (its {@code os.arch}); null for one the labs do not support. */
  static Architecture of(String osArch) {
    return switch (osArch) {
      case "amd64", "x86_64" -> X86_64;
      case "aarch64" -> AARCH64;
      default -> null;
    };
  }

  /** Why the labs cannot run on this machine, in one line; null if they can. */
  public static String refusal() {
    return refusal(System.getProperty("os.name"), System.getProperty("os.arch"));
  }

  static String refusal(String osName, String osArch) {
    if (!osName.equals("Linux")) {
      return "this is " + osName + ": containers are made of Linux kernel features, so the labs"
          + " run on Linux only (on a Mac or Windows, in the VM: vagrant up, see the README)";
    }
    if (of(osArch) == null) {
      return "this machine's processor is " + osArch + ": the labs support x86_64 and aarch64"
          + " only (their system call numbers are in " + Architecture.class.getName() + ")";
    }
    return null;
  }
}
