package containerlabs.kernel;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.StringArray;
import com.sun.jna.ptr.IntByReference;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The kernel calls of the labs. Each one is traced (see {@link Trace}) and checked: a
 * failure throws {@link SyscallException} naming the call and errno, never a silent -1.
 */
public final class Kernel {
  public static final int SIGINT = 2;
  public static final int SIGKILL = 9;
  public static final int SIGTERM = 15;

  public static final int PR_SET_PDEATHSIG = 1;
  public static final int PR_SET_NAME = 15;

  private static final LibC C = LibC.INSTANCE;
  private static final long SYS_PIVOT_ROOT = 155; // x86_64
  private static final int CLOSE_RANGE_CLOEXEC = 1 << 2;

  /** Keeps JNA's cleaner thread alive for the life of the JVM: see {@link #startHelperThreads}. */
  private static Memory helperThreadAnchor;

  private Kernel() {}

  /**
   * JNA frees native memory from a thread of its own, which it starts lazily on the first
   * allocation. A thread that has unshared CLONE_NEWPID can no longer create threads
   * (clone(CLONE_THREAD) fails with EINVAL), so that first allocation must happen before.
   */
  public static synchronized void startHelperThreads() {
    if (helperThreadAnchor == null) {
      helperThreadAnchor = new Memory(8);
    }
  }

  // tag::unshare[]
  public static void unshare(int flags) {
    String call = "unshare(" + CloneFlags.names(flags) + ")";
    Trace.call(call, CloneFlags.unshareCommand(flags));
    try {
      C.unshare(flags);
    } catch (LastErrorException e) {
      throw new SyscallException(call, e.getErrorCode());
    }
  }
  // end::unshare[]

  public static void setns(int fd, int nstype) {
    String call = "setns(" + fd + ", " + CloneFlags.names(nstype) + ")";
    Trace.call(call, "nsenter");
    try {
      C.setns(fd, nstype);
    } catch (LastErrorException e) {
      throw new SyscallException(call, e.getErrorCode());
    }
  }

  public static void sethostname(String name) {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    String call = "sethostname(" + quote(name) + ", " + bytes.length + ")";
    Trace.call(call, "hostname " + name);
    try {
      C.sethostname(bytes, bytes.length);
    } catch (LastErrorException e) {
      throw new SyscallException(call, e.getErrorCode());
    }
  }

  public static void mount(String source, String target, String fstype, long flags, String data) {
    String call = "mount(" + quote(source) + ", " + quote(target) + ", " + quote(fstype) + ", "
        + MountFlags.names(flags) + ", " + quote(data) + ")";
    Trace.call(call, MountFlags.mountCommand(source, target, fstype, flags, data));
    try {
      C.mount(source, target, fstype, flags, data);
    } catch (LastErrorException e) {
      throw new SyscallException(call, e.getErrorCode());
    }
  }

  public static void umount2(String target, int flags) {
    String call = "umount2(" + quote(target) + ", "
        + (flags == MountFlags.MNT_DETACH ? "MNT_DETACH" : Integer.toString(flags)) + ")";
    Trace.call(call, (flags == MountFlags.MNT_DETACH ? "umount -l " : "umount ") + target);
    try {
      C.umount2(target, flags);
    } catch (LastErrorException e) {
      throw new SyscallException(call, e.getErrorCode());
    }
  }

  public static void pivotRoot(String newRoot, String putOld) {
    String call = "pivot_root(" + quote(newRoot) + ", " + quote(putOld) + ")";
    Trace.call(call, "pivot_root " + newRoot + " " + putOld);
    try {
      C.syscall(SYS_PIVOT_ROOT, newRoot, putOld);
    } catch (LastErrorException e) {
      throw new SyscallException(call, e.getErrorCode());
    }
  }

  public static void chdir(String path) {
    String call = "chdir(" + quote(path) + ")";
    Trace.call(call, "cd " + path);
    try {
      C.chdir(path);
    } catch (LastErrorException e) {
      throw new SyscallException(call, e.getErrorCode());
    }
  }

  public static void chroot(String path) {
    String call = "chroot(" + quote(path) + ")";
    Trace.call(call, "chroot " + path);
    try {
      C.chroot(path);
    } catch (LastErrorException e) {
      throw new SyscallException(call, e.getErrorCode());
    }
  }

  /** mknod(2) of a character device. */
  public static void mknodChar(String path, int mode, int major, int minor) {
    String call = String.format("mknod(%s, S_IFCHR|%04o, makedev(%d, %d))", quote(path), mode,
        major, minor);
    Trace.call(call, String.format("mknod -m %04o %s c %d %d", mode, path, major, minor));
    try {
      long dev = ((long) major << 8) | minor; // old-style encoding, enough below major 4096
      C.mknod(path, 0020000 | mode, dev);
    } catch (LastErrorException e) {
      throw new SyscallException(call, e.getErrorCode());
    }
  }

  public static void prctl(int option, long arg) {
    String name = option == PR_SET_PDEATHSIG ? "PR_SET_PDEATHSIG" : Integer.toString(option);
    String call = "prctl(" + name + ", " + arg + ")";
    Trace.call(call, null);
    try {
      C.prctl(option, arg, 0, 0, 0);
    } catch (LastErrorException e) {
      throw new SyscallException(call, e.getErrorCode());
    }
  }

  public static void kill(int pid, int signal) {
    String call = "kill(" + pid + ", " + signal + ")";
    Trace.call(call, "kill -" + signal + " " + pid);
    try {
      C.kill(pid, signal);
    } catch (LastErrorException e) {
      throw new SyscallException(call, e.getErrorCode());
    }
  }

  /**
   * execve(2): replace this process (the whole JVM, every thread) with {@code path}.
   * Returns only by throwing.
   */
  // tag::execve[]
  public static void execve(String path, List<String> argv, List<String> env) {
    String call = "execve(" + quote(path) + ", " + list(argv) + ", " + list(env) + ")";
    Trace.call(call, "exec " + String.join(" ", argv));
    try {
      C.execve(path, new StringArray(argv.toArray(String[]::new)),
          new StringArray(env.toArray(String[]::new)));
    } catch (LastErrorException e) {
      throw new SyscallException(call, e.getErrorCode());
    }
  }
  // end::execve[]

  /** Mark every file descriptor from {@code first} on close-on-exec: none reaches execve. */
  public static void closeOnExecFrom(int first) {
    String call = "close_range(" + first + ", ~0U, CLOSE_RANGE_CLOEXEC)";
    Trace.call(call, null);
    try {
      C.close_range(first, -1, CLOSE_RANGE_CLOEXEC);
    } catch (LastErrorException e) {
      throw new SyscallException(call, e.getErrorCode());
    }
  }

  /**
   * posix_spawn(3): start {@code path} as a child of this thread, in this thread's
   * namespaces. Signal dispositions and mask are reset and no descriptor above 2 is
   * inherited, so the child starts clean whatever the JVM had.
   */
  public static int spawn(String path, List<String> argv, List<String> env) {
    String call = "posix_spawn(" + quote(path) + ", " + list(argv) + ")";
    Memory actions = new Memory(256); // posix_spawn_file_actions_t is 80 bytes in glibc
    Memory attr = new Memory(512); // posix_spawnattr_t is 336 bytes in glibc
    Memory none = new Memory(128); // sigset_t
    Memory all = new Memory(128);
    IntByReference pid = new IntByReference();
    C.posix_spawn_file_actions_init(actions);
    C.posix_spawnattr_init(attr);
    try {
      C.posix_spawn_file_actions_addclosefrom_np(actions, 3);
      C.sigemptyset(none);
      C.sigfillset(all);
      C.posix_spawnattr_setsigmask(attr, none);
      C.posix_spawnattr_setsigdefault(attr, all);
      C.posix_spawnattr_setflags(attr, (short) (0x04 | 0x08)); // SETSIGDEF | SETSIGMASK
      int error = C.posix_spawn(pid, path, actions, attr,
          new StringArray(argv.toArray(String[]::new)), new StringArray(env.toArray(String[]::new)));
      if (error != 0) {
        throw new SyscallException(call, error);
      }
    } finally {
      C.posix_spawnattr_destroy(attr);
      C.posix_spawn_file_actions_destroy(actions);
    }
    Trace.call(call + " = " + pid.getValue(), null);
    return pid.getValue();
  }

  /** waitpid(2) until {@code pid} ends; returns its raw wait status. */
  public static int waitpid(int pid) {
    IntByReference status = new IntByReference();
    while (true) {
      try {
        C.waitpid(pid, status, 0);
        return status.getValue();
      } catch (LastErrorException e) {
        if (e.getErrorCode() != 4) { // EINTR: a signal arrived, wait again
          throw new SyscallException("waitpid(" + pid + ")", e.getErrorCode());
        }
      }
    }
  }

  public static int getpid() {
    return C.getpid();
  }

  public static int geteuid() {
    return C.geteuid();
  }

  private static String quote(String s) {
    return s == null ? "NULL" : '"' + s + '"';
  }

  private static String list(List<String> items) {
    // A class path is hundreds of characters of jars: elide it, keep every other argument.
    return items.stream().map(s -> s.length() > 80 ? "…" : quote(s))
        .collect(Collectors.joining(", ", "[", "]"));
  }
}
