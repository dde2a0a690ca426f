package containerlabs.kernel;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;
import com.sun.jna.ptr.IntByReference;

/**
 * The C library functions the labs call, as JNA maps them. Each one that sets errno
 * declares {@link LastErrorException}, so a failure can never be a silent -1.
 * Call them through {@link Kernel}, which checks, names and traces every call.
 */
interface LibC extends Library {
  LibC INSTANCE = QuickJna.load("c", LibC.class);

  int unshare(int flags) throws LastErrorException;

  int setns(int fd, int nstype) throws LastErrorException;

  int sethostname(byte[] name, long len) throws LastErrorException;

  int mount(String source, String target, String fstype, long flags, String data)
      throws LastErrorException;

  int umount2(String target, int flags) throws LastErrorException;

  /** glibc has no pivot_root wrapper: call the syscall by number. */
  long syscall(long number, String a, String b) throws LastErrorException;

  /** keyctl(2), which glibc lacks too: an operation and a name. */
  long syscall(long number, long operation, String name) throws LastErrorException;

  /** struct rlimit is two longs: the soft limit, then the hard one. */
  int setrlimit(int resource, long[] limits) throws LastErrorException;

  int getrlimit(int resource, long[] limits) throws LastErrorException;

  int chdir(String path) throws LastErrorException;

  // glibc's set*id and setgroups change every thread of the process, not only the caller.
  int setgroups(long size, int[] list) throws LastErrorException;

  int setgid(int gid) throws LastErrorException;

  int setuid(int uid) throws LastErrorException;

  int chroot(String path) throws LastErrorException;

  int fchdir(int fd) throws LastErrorException;

  int execve(String path, StringArray argv, StringArray envp) throws LastErrorException;

  int mknod(String path, int mode, long dev) throws LastErrorException;

  int chmod(String path, int mode) throws LastErrorException;

  int lchown(String path, int uid, int gid) throws LastErrorException;

  int lsetxattr(String path, String name, byte[] value, long size, int flags)
      throws LastErrorException;

  int mkfifo(String path, int mode) throws LastErrorException;

  int prctl(int option, long arg2, long arg3, long arg4, long arg5) throws LastErrorException;

  int kill(int pid, int signal) throws LastErrorException;

  int waitpid(int pid, IntByReference status, int options) throws LastErrorException;

  int close_range(int first, int last, int flags) throws LastErrorException;

  int pipe2(int[] fds, int flags) throws LastErrorException;

  long write(int fd, byte[] buffer, long count) throws LastErrorException;

  int isatty(int fd);

  int tcgetpgrp(int fd);

  int tcsetpgrp(int fd, int pgrp) throws LastErrorException;

  int getpgrp();

  int pthread_sigmask(int how, Pointer set, Pointer oldset);

  int sigaddset(Pointer set, int signal);

  int capget(Pointer header, Pointer data) throws LastErrorException;

  int capset(Pointer header, Pointer data) throws LastErrorException;

  int open(String path, int flags) throws LastErrorException;

  int close(int fd) throws LastErrorException;

  int socket(int domain, int type, int protocol) throws LastErrorException;

  long send(int fd, byte[] buffer, long length, int flags) throws LastErrorException;

  long recv(int fd, byte[] buffer, long length, int flags) throws LastErrorException;

  int if_nametoindex(String name);

  int getpid();

  int geteuid();

  String strerror(int errnum);

  // posix_spawn returns the error number instead of setting errno.
  int posix_spawn(IntByReference pid, String path, Pointer fileActions, Pointer attr,
      StringArray argv, StringArray envp);

  int posix_spawn_file_actions_init(Pointer fileActions);

  int posix_spawn_file_actions_addclosefrom_np(Pointer fileActions, int from);

  int posix_spawn_file_actions_adddup2(Pointer fileActions, int fd, int newfd);

  int posix_spawn_file_actions_addtcsetpgrp_np(Pointer fileActions, int fd);

  int posix_spawn_file_actions_destroy(Pointer fileActions);

  int posix_spawnattr_init(Pointer attr);

  int posix_spawnattr_setflags(Pointer attr, short flags);

  int posix_spawnattr_setsigmask(Pointer attr, Pointer sigset);

  int posix_spawnattr_setsigdefault(Pointer attr, Pointer sigset);

  int posix_spawnattr_setpgroup(Pointer attr, int pgroup);

  int posix_spawnattr_destroy(Pointer attr);

  int sigemptyset(Pointer set);

  int sigfillset(Pointer set);
}
