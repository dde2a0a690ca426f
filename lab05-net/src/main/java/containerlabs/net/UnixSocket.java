package containerlabs.net;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import containerlabs.kernel.SyscallException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A Unix stream socket that carries file descriptors along with its bytes (SCM_RIGHTS):
 * the receiver gets a new descriptor of the same open file, as if it had opened it. Java's
 * own Unix sockets carry bytes only, hence JNA. Descriptors are close-on-exec throughout.
 */
final class UnixSocket {
  private static final int SOL_SOCKET = 1;
  private static final int SCM_RIGHTS = 1;
  /** Where each part is in a message's block: struct msghdr (56 bytes), an iovec (16), a cmsghdr with one int. */
  private static final int IOVEC = 56;
  private static final int CONTROL = 72;
  private static final int DATA = 96;
  /** CMSG_SPACE(sizeof(int)) and CMSG_LEN(sizeof(int)) on 64-bit Linux. */
  private static final int CMSG_SPACE = 24;
  private static final int CMSG_LEN = 20;

  private UnixSocket() {}

  /** A socket listening at {@code path}, which must not exist. */
  static int listen(String path) {
    int fd = socket();
    byte[] address = address(path);
    try {
      check("bind(" + fd + ", \"" + path + "\")", () -> NetLibC.C.bind(fd, address, address.length));
      check("listen(" + fd + ")", () -> NetLibC.C.listen(fd, 16));
    } catch (RuntimeException e) {
      NetLibC.C.close(fd);
      throw e;
    }
    return fd;
  }

  /** A socket connected to the one listening at {@code path}; its errno (ECONNREFUSED: none) if it fails. */
  static int connect(String path) {
    int fd = socket();
    byte[] address = address(path);
    try {
      check("connect(" + fd + ", \"" + path + "\")", () -> NetLibC.C.connect(fd, address, address.length));
    } catch (RuntimeException e) {
      NetLibC.C.close(fd);
      throw e;
    }
    return fd;
  }

  /** The next connection waiting on a listening socket. */
  static int accept(int listening) {
    return check("accept4(" + listening + ")", () -> NetLibC.C.accept4(listening, null, null, NetLibC.SOCK_CLOEXEC));
  }

  /** Send {@code text}, and with it a copy of descriptor {@code passed}. */
  static void send(int fd, String text, int passed) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    Memory message = message(bytes.length);
    message.write(DATA, bytes, 0, bytes.length);
    message.setLong(CONTROL, CMSG_LEN); // one cmsghdr: its length, level, type, and the descriptor
    message.setInt(CONTROL + 8, SOL_SOCKET);
    message.setInt(CONTROL + 12, SCM_RIGHTS);
    message.setInt(CONTROL + 16, passed);
    check("sendmsg(" + fd + ", \"" + text.strip() + "\", SCM_RIGHTS [" + passed + "])",
        () -> (int) NetLibC.C.sendmsg(fd, message, NetLibC.MSG_NOSIGNAL));
  }

  /** What {@link #send} sent: its text ("" at end of stream) and the descriptor that came with it, or -1. */
  record Received(String text, int fd) {}

  static Received receive(int fd) {
    Memory message = message(512);
    int n = check("recvmsg(" + fd + ")", () -> (int) NetLibC.C.recvmsg(fd, message, NetLibC.MSG_CMSG_CLOEXEC));
    boolean withFd = message.getLong(40) >= CMSG_LEN && message.getInt(CONTROL + 8) == SOL_SOCKET
        && message.getInt(CONTROL + 12) == SCM_RIGHTS;
    return new Received(new String(message.getByteArray(DATA, n), StandardCharsets.UTF_8),
        withFd ? message.getInt(CONTROL + 16) : -1);
  }

  /** Plain bytes, no descriptor: the switch's answer. */
  static void send(int fd, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    Memory data = new Memory(bytes.length);
    data.write(0, bytes, 0, bytes.length);
    check("write(" + fd + ")", () -> (int) NetLibC.C.write(fd, data, bytes.length));
  }

  /**
   * One block for a struct msghdr, its one iovec, its control buffer and its data: the
   * pointers between them stay valid as long as the block is (no part can be freed alone).
   */
  private static Memory message(int dataLength) {
    Memory message = new Memory(DATA + dataLength);
    message.clear();
    message.setPointer(16, message.share(IOVEC)); // msg_iov
    message.setLong(24, 1); // msg_iovlen
    message.setPointer(32, message.share(CONTROL)); // msg_control
    message.setLong(40, CMSG_SPACE); // msg_controllen
    message.setPointer(IOVEC, message.share(DATA)); // iov_base
    message.setLong(IOVEC + 8, dataLength); // iov_len
    return message;
  }

  private static int socket() {
    return check("socket(AF_UNIX, SOCK_STREAM)",
        () -> NetLibC.C.socket(NetLibC.AF_UNIX, NetLibC.SOCK_STREAM | NetLibC.SOCK_CLOEXEC, 0));
  }

  /** struct sockaddr_un: the family, then the path and its terminating zero. */
  private static byte[] address(String path) {
    byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
    if (bytes.length >= 108) {
      throw new IllegalArgumentException("a Unix socket's path has at most 107 bytes: " + path);
    }
    return ByteBuffer.allocate(2 + bytes.length + 1).order(ByteOrder.nativeOrder())
        .putShort((short) NetLibC.AF_UNIX).put(bytes).put((byte) 0).array();
  }

  static int check(String call, java.util.function.IntSupplier nativeCall) {
    try {
      return nativeCall.getAsInt();
    } catch (LastErrorException e) {
      throw new SyscallException(call, e.getErrorCode());
    }
  }
}
