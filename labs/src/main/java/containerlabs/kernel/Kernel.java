package containerlabs.kernel;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.StringArray;
import com.sun.jna.ptr.IntByReference;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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
  public static final int PR_CAPBSET_DROP = 24;
  public static final int PR_SET_NO_NEW_PRIVS = 38;
  public static final int PR_SET_SECCOMP = 22;
  public static final int SECCOMP_MODE_FILTER = 2;
  public static final int RLIMIT_NOFILE = 7;

  private static final LibC C = LibC.INSTANCE;
  private static final int KEYCTL_JOIN_SESSION_KEYRING = 1;
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
    invoke(call, CloneFlags.unshareCommand(flags), () -> C.unshare(flags));
  }
  // end::unshare[]

  public static void setns(int fd, int nstype) {
    String call = "setns(" + fd + ", " + CloneFlags.names(nstype) + ")";
    invoke(call, CloneFlags.nsenterCommand(nstype), () -> C.setns(fd, nstype));
  }

  public static void sethostname(String name) {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    String call = "sethostname(" + quote(name) + ", " + bytes.length + ")";
    invoke(call, "hostname " + name, () -> C.sethostname(bytes, bytes.length));
  }

  public static void mount(String source, String target, String fstype, long flags, String data) {
    String call = "mount(" + quote(source) + ", " + quote(target) + ", " + quote(fstype) + ", "
        + MountFlags.names(flags) + ", " + quote(data) + ")";
    invoke(call, MountFlags.mountCommand(source, target, fstype, flags, data), () -> C.mount(source, target, fstype, flags, data));
  }

  public static void umount2(String target, int flags) {
    String call = "umount2(" + quote(target) + ", "
        + (flags == MountFlags.MNT_DETACH ? "MNT_DETACH" : Integer.toString(flags)) + ")";
    invoke(call, (flags == MountFlags.MNT_DETACH ? "umount -l " : "umount ") + target, () -> C.umount2(target, flags));
  }

  public static void pivotRoot(String newRoot, String putOld) {
    String call = "pivot_root(" + quote(newRoot) + ", " + quote(putOld) + ")";
    invoke(call, "pivot_root " + newRoot + " " + putOld,
        () -> C.syscall(Architecture.current().pivotRoot, newRoot, putOld));
  }

  public static void chdir(String path) {
    String call = "chdir(" + quote(path) + ")";
    invoke(call, "cd " + path, () -> C.chdir(path));
  }

  /** setgroups(2), then setgid(2), then setuid(2): the order in which each is still allowed. */
  public static void becomeUser(int uid, int gid, int[] groups) {
    String list = java.util.Arrays.stream(groups).mapToObj(Integer::toString).collect(Collectors.joining(","));
    invoke("setgroups(" + groups.length + ", [" + list + "])", null, () -> C.setgroups(groups.length, groups));
    invoke("setgid(" + gid + ")", null, () -> C.setgid(gid));
    invoke("setuid(" + uid + ")", "setpriv --reuid=" + uid + " --regid=" + gid
        + (list.isEmpty() ? " --clear-groups" : " --groups=" + list), () -> C.setuid(uid));
  }

  public static void fchdir(int fd) {
    invoke("fchdir(" + fd + ")", null, () -> C.fchdir(fd));
  }

  public static void chroot(String path) {
    String call = "chroot(" + quote(path) + ")";
    invoke(call, "chroot " + path, () -> C.chroot(path));
  }

  /** mknod(2) of a character device, as /dev needs them. */
  public static void mknodChar(String path, int mode, int major, int minor) {
    mknod(path, true, mode, major, minor);
  }

  public static void mknod(String path, boolean character, int mode, int major, int minor) {
    String call = String.format("mknod(%s, %s|%04o, makedev(%d, %d))", quote(path),
        character ? "S_IFCHR" : "S_IFBLK", mode, major, minor);
    String shell = String.format("mknod -m %04o %s %s %d %d", mode, path, character ? "c" : "b",
        major, minor);
    long dev = ((long) (major & 0xfffff000) << 32) | ((major & 0xfff) << 8)
        | ((long) (minor & 0xffffff00) << 12) | (minor & 0xff); // glibc's makedev()
    invoke(call, shell, () -> C.mknod(path, (character ? 0020000 : 0060000) | mode, dev));
  }

  public static void mkfifo(String path, int mode) {
    String call = String.format("mkfifo(%s, %04o)", quote(path), mode);
    invoke(call, null, () -> C.mkfifo(path, mode));
  }

  public static void chmod(String path, int mode) {
    String call = String.format("chmod(%s, %04o)", quote(path), mode);
    invoke(call, null, () -> C.chmod(path, mode));
  }

  /** lchown(2): the owner of the path itself, not of what a symlink points to. */
  public static void lchown(String path, int uid, int gid) {
    String call = "lchown(" + quote(path) + ", " + uid + ", " + gid + ")";
    invoke(call, null, () -> C.lchown(path, uid, gid));
  }

  public static void setxattr(String path, String name, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    String call = "lsetxattr(" + quote(path) + ", " + quote(name) + ", " + quote(value) + ")";
    String shell = "setfattr -h -n " + name + " -v " + value + " " + path;
    invoke(call, shell, () -> C.lsetxattr(path, name, bytes, bytes.length, 0));
  }

  public static void prctl(int option, long arg) {
    String name = option == PR_SET_PDEATHSIG ? "PR_SET_PDEATHSIG" : Integer.toString(option);
    String call = "prctl(" + name + ", " + arg + ")";
    invoke(call, null, () -> C.prctl(option, arg, 0, 0, 0));
  }

  /** prctl(PR_SET_NO_NEW_PRIVS, 1): no execve of this thread or its children can gain privileges. */
  public static void setNoNewPrivileges() {
    invoke("prctl(PR_SET_NO_NEW_PRIVS, 1)", "setpriv --no-new-privs",
        () -> C.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
  }

  // tag::seccomp[]
  /**
   * {@code prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)}: from now on the kernel runs this
   * classic BPF program on every system call of this thread and of what it starts. Each
   * instruction is a struct sock_filter {u16 code; u8 jt; u8 jf; u32 k}, given as
   * {code, jt, jf, k}; struct sock_fprog is {u16 len; struct sock_filter *filter}.
   */
  public static void setSeccompFilter(List<int[]> instructions) {
    Memory filter = new Memory(8L * instructions.size());
    for (int i = 0; i < instructions.size(); i++) {
      int[] instruction = instructions.get(i);
      filter.setShort(8L * i, (short) instruction[0]);
      filter.setByte(8L * i + 2, (byte) instruction[1]);
      filter.setByte(8L * i + 3, (byte) instruction[2]);
      filter.setInt(8L * i + 4, instruction[3]);
    }
    Memory program = new Memory(16);
    program.clear();
    program.setShort(0, (short) instructions.size());
    program.setPointer(8, filter);
    String call = "prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, {len=" + instructions.size() + ", filter=...})";
    invoke(call, null, () -> C.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER,
        com.sun.jna.Pointer.nativeValue(program), 0, 0));
    java.lang.ref.Reference.reachabilityFence(filter); // the kernel copied it: only now may it go
    java.lang.ref.Reference.reachabilityFence(program);
  }
  // end::seccomp[]

  /** keyctl(KEYCTL_JOIN_SESSION_KEYRING, name): a new session keyring of that name, joined. */
  public static void joinNewSessionKeyring(String name) {
    String call = "keyctl(KEYCTL_JOIN_SESSION_KEYRING, " + quote(name) + ")";
    invoke(call, "keyctl session " + name, () -> C.syscall(Architecture.current().keyctl, KEYCTL_JOIN_SESSION_KEYRING, name));
  }

  /** setrlimit(2) of the open-file limit: {@code soft} is what applies, {@code hard} its ceiling. */
  public static void setOpenFileLimit(long soft, long hard) {
    String call = "setrlimit(RLIMIT_NOFILE, {" + soft + ", " + hard + "})";
    invoke(call, "ulimit -n " + soft, () -> C.setrlimit(RLIMIT_NOFILE, new long[] {soft, hard}));
  }

  /** The hard open-file limit of this process: what setrlimit may lower but, unprivileged, not raise. */
  public static long openFileCeiling() {
    long[] limits = new long[2];
    quietly("getrlimit(RLIMIT_NOFILE)", () -> C.getrlimit(RLIMIT_NOFILE, limits));
    return limits[1];
  }

  /** Remove a capability from the bounding set: no execve can give it back. */
  public static void dropBoundingCapability(int capability, String name) {
    String call = "prctl(PR_CAPBSET_DROP, " + name + ")";
    invoke(call, "capsh --drop=" + name.toLowerCase(), () -> C.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0));
  }

  /** capset(2) of this process: each set is a bit mask of CAP_* numbers. */
  public static void setCapabilities(long effective, long permitted, long inheritable) {
    String call = String.format("capset(effective=%#x, permitted=%#x, inheritable=%#x)",
        effective, permitted, inheritable);
    Memory header = new Memory(8);
    header.setInt(0, 0x20080522); // _LINUX_CAPABILITY_VERSION_3: two 32-bit words per set
    header.setInt(4, 0);
    Memory data = new Memory(24);
    long[] sets = {effective, permitted, inheritable};
    for (int word = 0; word < 2; word++) {
      for (int set = 0; set < 3; set++) {
        data.setInt(word * 12 + set * 4, (int) (sets[set] >>> (32 * word)));
      }
    }
    invoke(call, null, () -> C.capset(header, data));
  }

  /** The highest capability number this kernel knows. */
  public static int lastCapability() {
    try {
      return Integer.parseInt(readFile(Path.of("/proc/sys/kernel/cap_last_cap")));
    } catch (IOException e) {
      return 40; // CAP_CHECKPOINT_RESTORE, the last one in Linux 6.x
    }
  }

  /**
   * A file of the kernel's (/proc, /sys), stripped. Not with Files.readString: it trusts the
   * size stat reports, and these files report 0 (it then reads one byte) or 4096.
   */
  public static String readFile(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    }
  }

  /** True if stdin is a terminal and this process's group is its foreground: an interactive run. */
  public static boolean inForegroundOfTerminal() {
    return C.isatty(0) == 1 && C.tcgetpgrp(0) == C.getpgrp();
  }

  /**
   * tcsetpgrp(3) on stdin: make {@code pgrp} the terminal's foreground group, the one that
   * gets Ctrl-C. A background process asking this is stopped by SIGTTOU, unless it blocks it.
   */
  public static void giveTerminalTo(int pgrp) {
    Memory ttou = new Memory(128);
    Memory previous = new Memory(128);
    C.sigemptyset(ttou);
    C.sigaddset(ttou, 22); // SIGTTOU
    C.pthread_sigmask(0, ttou, previous); // SIG_BLOCK, on this thread only
    try {
      invoke("tcsetpgrp(0, " + pgrp + ")", null, () -> C.tcsetpgrp(0, pgrp));
    } finally {
      C.pthread_sigmask(2, previous, null); // SIG_SETMASK: as it was
    }
  }

  public static int getpgrp() {
    return C.getpgrp();
  }

  public static void kill(int pid, int signal) {
    String call = "kill(" + pid + ", " + signal + ")";
    invoke(call, "kill -" + signal + " " + pid, () -> C.kill(pid, signal));
  }

  /**
   * execve(2): replace this process (the whole JVM, every thread) with {@code path}.
   * Returns only by throwing.
   */
  // tag::execve[]
  public static void execve(String path, List<String> argv, List<String> env) {
    String call = "execve(" + quote(path) + ", " + list(argv) + ", " + list(env) + ")";
    StringArray args = new StringArray(argv.toArray(String[]::new));
    StringArray environment = new StringArray(env.toArray(String[]::new));
    invoke(call, "exec " + String.join(" ", argv), () -> C.execve(path, args, environment));
  }
  // end::execve[]

  /** Mark every file descriptor from {@code first} on close-on-exec: none reaches execve. */
  public static void closeOnExecFrom(int first) {
    String call = "close_range(" + first + ", ~0U, CLOSE_RANGE_CLOEXEC)";
    invoke(call, null, () -> C.close_range(first, -1, CLOSE_RANGE_CLOEXEC));
  }

  /**
   * posix_spawn(3): start {@code argv[0]} as a child of this thread, in this thread's
   * namespaces. Signal dispositions and mask are reset and no descriptor above 2 is
   * inherited, so the child starts clean whatever the JVM had. With {@code ownProcessGroup}
   * it leads a new process group, which takes the terminal on stdin. {@code shown} is what the
   * trace shows of argv (a JVM's is hundreds of characters of options).
   */
  public static int spawn(List<String> argv, String shown, List<String> env, boolean ownProcessGroup) {
    return spawn(argv.get(0), argv, shown, env, ownProcessGroup);
  }

  /** The same, with the program's path apart from its argv[0] (as a shell passes "ps", not "/bin/ps"). */
  public static int spawn(String path, List<String> argv, String shown, List<String> env, boolean ownProcessGroup) {
    return spawn(path, argv, shown, env, ownProcessGroup, ownProcessGroup, -1);
  }

  /**
   * The same, with {@code fd} as the child's descriptor 3 (its only one above 2), and with
   * {@code ownProcessGroup} a group of its own that does not take the terminal: the engine's
   * early init (see the engine's EarlyInit), which waits for its arguments on that descriptor.
   */
  public static int spawnWithDescriptor(List<String> argv, String shown, List<String> env,
      boolean ownProcessGroup, int fd) {
    return spawn(argv.get(0), argv, shown, env, ownProcessGroup, false, fd);
  }

  private static int spawn(String path, List<String> argv, String shown, List<String> env,
      boolean ownProcessGroup, boolean takeTerminal, int fd3) {
    String call = "posix_spawn(" + shown + ")";
    Memory actions = new Memory(256); // posix_spawn_file_actions_t is 80 bytes in glibc
    Memory attr = new Memory(512); // posix_spawnattr_t is 336 bytes in glibc
    Memory none = new Memory(128); // sigset_t
    Memory all = new Memory(128);
    IntByReference pid = new IntByReference();
    C.posix_spawn_file_actions_init(actions);
    C.posix_spawnattr_init(attr);
    try {
      if (fd3 >= 0) {
        C.posix_spawn_file_actions_adddup2(actions, fd3, 3); // dup2 leaves close-on-exec off
      }
      C.posix_spawn_file_actions_addclosefrom_np(actions, fd3 >= 0 ? 4 : 3);
      C.sigemptyset(none);
      C.sigfillset(all);
      C.posix_spawnattr_setsigmask(attr, none);
      C.posix_spawnattr_setsigdefault(attr, all);
      short flags = 0x04 | 0x08; // SETSIGDEF | SETSIGMASK
      if (ownProcessGroup) {
        C.posix_spawnattr_setpgroup(attr, 0); // a new group, whose id is the child's pid
        flags |= 0x02; // SETPGROUP
      }
      if (takeTerminal) {
        // ...which takes the terminal before it execs: a shell that starts in the background
        // of its terminal stops itself (SIGTTIN) before its parent could hand it over.
        C.posix_spawn_file_actions_addtcsetpgrp_np(actions, 0);
      }
      C.posix_spawnattr_setflags(attr, flags);
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

  /** pipe2(2), both ends close-on-exec: {read end, write end}. */
  public static int[] pipe() {
    int[] fds = new int[2];
    quietly("pipe2(O_CLOEXEC)", () -> C.pipe2(fds, O_CLOEXEC));
    return fds;
  }

  /** write(2), all of {@code bytes} (a pipe takes at most 64 KiB at once). */
  public static void write(int fd, byte[] bytes) {
    for (int done = 0; done < bytes.length; ) {
      byte[] rest = done == 0 ? bytes : Arrays.copyOfRange(bytes, done, bytes.length);
      long[] written = new long[1];
      quietly("write(" + fd + ", " + rest.length + " bytes)", () -> written[0] = C.write(fd, rest, rest.length));
      done += (int) written[0];
    }
  }

  private static final int O_CLOEXEC = 0x80000;
  private static final int O_RDONLY_CLOEXEC = 0x80000;

  /** open(2) read-only: for namespace files, whose descriptor is what setns wants. */
  public static int open(String path) {
    int[] fd = new int[1];
    invoke("open(" + quote(path) + ", O_RDONLY|O_CLOEXEC)", null, () -> fd[0] = C.open(path, O_RDONLY_CLOEXEC));
    return fd[0];
  }

  public static void close(int fd) {
    quietly("close(" + fd + ")", () -> C.close(fd));
  }

  /** socket(2), close-on-exec: never inherited by the container's command. */
  public static int socket(int domain, int type, int protocol) {
    int[] fd = new int[1];
    String call = "socket(" + domain + ", " + type + "|SOCK_CLOEXEC, " + protocol + ")";
    quietly(call, () -> fd[0] = C.socket(domain, type | 0x80000, protocol));
    return fd[0];
  }

  public static void send(int fd, byte[] message) {
    quietly("send(" + fd + ", ..., " + message.length + ")", () -> C.send(fd, message, message.length, 0));
  }

  public static int recv(int fd, byte[] buffer) {
    long[] n = new long[1];
    quietly("recv(" + fd + ")", () -> n[0] = C.recv(fd, buffer, buffer.length, 0));
    return (int) n[0];
  }

  /** The index of a network device in this thread's network namespace, or 0 if none. */
  public static int ifNameToIndex(String name) {
    return C.if_nametoindex(name);
  }

  public static boolean isatty(int fd) {
    return C.isatty(fd) == 1;
  }

  public static int getpid() {
    return C.getpid();
  }

  public static int geteuid() {
    return C.geteuid();
  }

  /** A libc call that sets errno: traced first, then made, and checked. */
  @FunctionalInterface
  private interface NativeCall {
    void run() throws LastErrorException;
  }

  private static void invoke(String call, String shell, NativeCall nativeCall) {
    Trace.call(call, shell);
    try {
      nativeCall.run();
    } catch (LastErrorException e) {
      throw new SyscallException(call, e.getErrorCode());
    }
  }

  /** A call not worth narrating (the plumbing of netlink): checked all the same. */
  private static void quietly(String call, NativeCall nativeCall) {
    try {
      nativeCall.run();
    } catch (LastErrorException e) {
      throw new SyscallException(call, e.getErrorCode());
    }
  }

  private static String quote(String s) {
    return s == null ? "NULL" : '"' + s + '"';
  }

  private static String list(List<String> items) {
    // An argument longer than a line (a script, a class path) is elided; every other one is kept.
    return items.stream().map(s -> s.length() > 80 ? "..." : quote(s))
        .collect(Collectors.joining(", ", "[", "]"));
  }
}
