package containerlabs.net;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import containerlabs.kernel.Kernel;

/**
 * The C library calls of the switch's plumbing, as JNA maps them: a TAP device's descriptor,
 * a Unix socket that carries descriptors, and the poll loop. The labs' Kernel class has loaded
 * JNA and found the C library by the time these are used. 64-bit Linux only, as the labs are.
 */
interface NetLibC extends Library {
  NetLibC C = load();

  int AF_UNIX = 1;
  int SOCK_STREAM = 1;
  int SOCK_CLOEXEC = 0x80000;
  int O_RDWR = 2;
  int O_NONBLOCK = 0x800;
  int O_CLOEXEC = 0x80000;
  int F_GETFL = 3;
  int F_SETFL = 4;
  int MSG_NOSIGNAL = 0x4000;
  int MSG_CMSG_CLOEXEC = 0x40000000;
  short POLLIN = 0x1;
  int EINTR = 4;
  int EAGAIN = 11;
  int ECONNREFUSED = 111;
  int ENOENT = 2;

  int open(String path, int flags) throws LastErrorException;

  int close(int fd) throws LastErrorException;

  int ioctl(int fd, long request, Pointer argument) throws LastErrorException;

  int fcntl(int fd, int command, int argument) throws LastErrorException;

  long read(int fd, Pointer buffer, long size) throws LastErrorException;

  long write(int fd, Pointer buffer, long size) throws LastErrorException;

  int socket(int domain, int type, int protocol) throws LastErrorException;

  int bind(int fd, byte[] address, int length) throws LastErrorException;

  int listen(int fd, int backlog) throws LastErrorException;

  int accept4(int fd, Pointer address, Pointer length, int flags) throws LastErrorException;

  int connect(int fd, byte[] address, int length) throws LastErrorException;

  long sendmsg(int fd, Pointer message, int flags) throws LastErrorException;

  long recvmsg(int fd, Pointer message, int flags) throws LastErrorException;

  int poll(Pointer fds, long count, int timeoutMillis) throws LastErrorException;

  private static NetLibC load() {
    Kernel.getpid(); // Kernel loads JNA the quick way (QuickJna): then the C library is found at once
    return Native.load("c", NetLibC.class);
  }
}
