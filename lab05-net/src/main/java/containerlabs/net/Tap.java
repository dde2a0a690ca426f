package containerlabs.net;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import containerlabs.kernel.SyscallException;
import containerlabs.kernel.Trace;
import java.nio.charset.StandardCharsets;

/**
 * A TAP device: a network device whose other end is a file descriptor. What the kernel
 * would send on the wire, a program reads from the descriptor, one Ethernet frame per
 * read; a frame the program writes arrives on the device as if from the wire.
 */
final class Tap {
  /** _IOW('T', 202, int), from linux/if_tun.h. */
  private static final long TUNSETIFF = 0x400454caL;
  private static final short IFF_TAP = 0x0002;
  /** Frames alone: without it, each one comes after four bytes of "packet information". */
  private static final short IFF_NO_PI = 0x1000;

  private Tap() {}

  /**
   * A TAP device named {@code name}, made in this thread's network namespace, and its
   * descriptor (close-on-exec). The device lives as long as the descriptor is open, and the
   * descriptor holds the namespace: whoever holds it keeps both alive.
   */
  static int open(String name) {
    int fd = call("open(\"/dev/net/tun\", O_RDWR|O_CLOEXEC)", null,
        () -> NetLibC.C.open("/dev/net/tun", NetLibC.O_RDWR | NetLibC.O_CLOEXEC));
    Memory ifreq = new Memory(40); // struct ifreq: the name, then the flags
    ifreq.clear();
    byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
    ifreq.write(0, bytes, 0, bytes.length);
    ifreq.setShort(16, (short) (IFF_TAP | IFF_NO_PI));
    try {
      call("ioctl(" + fd + ", TUNSETIFF, {\"" + name + "\", IFF_TAP|IFF_NO_PI})",
          "ip tuntap add " + name + " mode tap", () -> NetLibC.C.ioctl(fd, TUNSETIFF, ifreq));
    } catch (RuntimeException e) {
      NetLibC.C.close(fd);
      throw e;
    }
    return fd;
  }

  /** A libc call, traced (with the shell command that does the same, if any) and checked. */
  static int call(String call, String shell, java.util.function.IntSupplier nativeCall) {
    Trace.call(call, shell);
    try {
      return nativeCall.getAsInt();
    } catch (LastErrorException e) {
      throw new SyscallException(call, e.getErrorCode());
    }
  }
}
