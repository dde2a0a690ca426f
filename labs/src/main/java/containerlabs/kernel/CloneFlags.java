package containerlabs.kernel;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/** The namespace flags of unshare(2) and setns(2), from linux/sched.h. */
public final class CloneFlags {
  public static final int CLONE_FS = 0x00000200;
  public static final int CLONE_NEWNS = 0x00020000;
  public static final int CLONE_NEWCGROUP = 0x02000000;
  public static final int CLONE_NEWUTS = 0x04000000;
  public static final int CLONE_NEWIPC = 0x08000000;
  public static final int CLONE_NEWUSER = 0x10000000;
  public static final int CLONE_NEWPID = 0x20000000;
  public static final int CLONE_NEWNET = 0x40000000;

  /** Flag name, and the option of unshare(1) that asks for the same namespace. */
  private static final Map<Integer, String[]> NAMES = new LinkedHashMap<>();

  static {
    NAMES.put(CLONE_NEWUTS, new String[] {"CLONE_NEWUTS", "--uts"});
    NAMES.put(CLONE_NEWPID, new String[] {"CLONE_NEWPID", "--pid"});
    NAMES.put(CLONE_NEWNS, new String[] {"CLONE_NEWNS", "--mount"});
    NAMES.put(CLONE_NEWNET, new String[] {"CLONE_NEWNET", "--net"});
    NAMES.put(CLONE_NEWIPC, new String[] {"CLONE_NEWIPC", "--ipc"});
    NAMES.put(CLONE_NEWCGROUP, new String[] {"CLONE_NEWCGROUP", "--cgroup"});
    NAMES.put(CLONE_NEWUSER, new String[] {"CLONE_NEWUSER", "--user"});
    NAMES.put(CLONE_FS, new String[] {"CLONE_FS", null});
  }

  private CloneFlags() {}

  /** {@code CLONE_NEWUTS|CLONE_NEWPID}. */
  public static String names(int flags) {
    StringJoiner names = new StringJoiner("|");
    NAMES.forEach((flag, name) -> {
      if ((flags & flag) != 0) {
        names.add(name[0]);
      }
    });
    return names.length() == 0 ? "0" : names.toString();
  }

  /** {@code unshare --uts --pid}; null if no flag has a namespace (CLONE_FS: no command does that alone). */
  static String unshareCommand(int flags) {
    return command("unshare", flags);
  }

  /** {@code nsenter --uts}: the same options join the namespace of a process. */
  static String nsenterCommand(int flags) {
    return command("nsenter", flags);
  }

  private static String command(String program, int flags) {
    StringJoiner command = new StringJoiner(" ", program + " ", "");
    NAMES.forEach((flag, name) -> {
      if ((flags & flag) != 0 && name[1] != null) {
        command.add(name[1]);
      }
    });
    return command.length() == program.length() + 1 ? null : command.toString();
  }
}
