package containerlabs.user;

import containerlabs.engine.ContainerException;
import containerlabs.engine.ExitStatus;

/** {@code --userns-range START:COUNT}: the host ids the container's ids 0 to COUNT-1 are. */
record Range(int start, int count) {
  /** The kernel's ids are 32 bits, and (uid_t) -1 is no id: a range must end below it. */
  private static final long IDS = 0xFFFFFFFFL;

  static Range parse(String text) {
    String[] parts = text.split(":", -1);
    try {
      if (parts.length == 2) {
        long start = Long.parseLong(parts[0]);
        long count = Long.parseLong(parts[1]);
        // Not from 0: the container's root would be the host's root, which is the point of none of this.
        if (start >= 1 && count >= 1 && start + count <= IDS) {
          return new Range((int) start, (int) count);
        }
      }
    } catch (NumberFormatException e) {
      // the message below
    }
    throw new ContainerException(ExitStatus.RUNTIME_ERROR, "--userns-range '" + text + "': write START:COUNT,"
        + " host ids from 1 up, e.g. --userns-range 100000:65536 (the container's 0 is 100000 outside)");
  }
}
