package containerlabs.uts;

import containerlabs.engine.ContainerException;
import containerlabs.engine.ExitStatus;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * What {@code --hostname} accepts. The kernel takes any bytes, but the name is also written
 * into the container's /etc/hostname and /etc/hosts (lab 04), where a space, a ';' or a
 * newline would change what those files say: so only RFC 1123 names, as Docker does.
 */
final class Hostname {
  /** HOST_NAME_MAX: sethostname(2) refuses a longer name with EINVAL. */
  static final int MAX_BYTES = 64;

  /** RFC 1123: labels of letters, digits and hyphens, 1 to 63 long, no hyphen at either end. */
  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

  private Hostname() {}

  /** The name, if the kernel and /etc/hosts can take it; otherwise a one-line error. */
  static String check(String name) {
    if (name.isEmpty()) {
      throw error("--hostname is empty: give a name such as --hostname box, or leave the option out");
    }
    int length = name.getBytes(StandardCharsets.UTF_8).length;
    if (length > MAX_BYTES) {
      throw error("--hostname must be 1 to " + MAX_BYTES + " bytes long (the kernel's limit), not "
          + length + ": choose a shorter name");
    }
    for (String label : name.split("\\.", -1)) {
      if (!LABEL.matcher(label).matches()) {
        throw error("--hostname " + printable(name) + " is not a hostname: use parts of 1 to 63 letters, digits"
            + " and hyphens, joined by dots, none starting or ending with a hyphen (RFC 1123), e.g. web-1");
      }
    }
    return name;
  }

  /** The name quoted, with control characters shown as \n or \x.., so the error stays one line. */
  private static String printable(String name) {
    StringBuilder quoted = new StringBuilder("'");
    name.codePoints().forEach(c -> {
      if (c == '\n') {
        quoted.append("\\n");
      } else if (Character.isISOControl(c)) {
        quoted.append(String.format("\\x%02x", c));
      } else {
        quoted.appendCodePoint(c);
      }
    });
    return quoted.append("'").toString();
  }

  private static ContainerException error(String message) {
    return new ContainerException(ExitStatus.RUNTIME_ERROR, message);
  }
}
