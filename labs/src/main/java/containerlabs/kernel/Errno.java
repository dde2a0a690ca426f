package containerlabs.kernel;

import java.util.Map;

/** errno numbers by their names, as errno(3) and strace print them (x86_64 and arm64 agree). */
final class Errno {
  private static final Map<Integer, String> NAMES = Map.ofEntries(
      Map.entry(1, "EPERM"), Map.entry(2, "ENOENT"), Map.entry(3, "ESRCH"),
      Map.entry(4, "EINTR"), Map.entry(5, "EIO"), Map.entry(7, "E2BIG"),
      Map.entry(8, "ENOEXEC"), Map.entry(9, "EBADF"), Map.entry(10, "ECHILD"),
      Map.entry(11, "EAGAIN"), Map.entry(12, "ENOMEM"), Map.entry(13, "EACCES"),
      Map.entry(14, "EFAULT"), Map.entry(15, "ENOTBLK"), Map.entry(16, "EBUSY"),
      Map.entry(17, "EEXIST"), Map.entry(18, "EXDEV"), Map.entry(19, "ENODEV"),
      Map.entry(20, "ENOTDIR"), Map.entry(21, "EISDIR"), Map.entry(22, "EINVAL"),
      Map.entry(23, "ENFILE"), Map.entry(24, "EMFILE"), Map.entry(26, "ETXTBSY"),
      Map.entry(28, "ENOSPC"), Map.entry(30, "EROFS"), Map.entry(31, "EMLINK"),
      Map.entry(36, "ENAMETOOLONG"), Map.entry(38, "ENOSYS"), Map.entry(39, "ENOTEMPTY"),
      Map.entry(40, "ELOOP"), Map.entry(95, "EOPNOTSUPP"), Map.entry(98, "EADDRINUSE"),
      Map.entry(99, "EADDRNOTAVAIL"), Map.entry(105, "ENOBUFS"), Map.entry(110, "ETIMEDOUT"));

  private Errno() {}

  static String name(int errno) {
    return NAMES.getOrDefault(errno, "errno " + errno);
  }
}
