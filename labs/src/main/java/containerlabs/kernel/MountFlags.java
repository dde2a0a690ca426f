package containerlabs.kernel;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/** The flags of mount(2) and umount2(2), from linux/mount.h. */
public final class MountFlags {
  public static final long MS_RDONLY = 1;
  public static final long MS_NOSUID = 2;
  public static final long MS_NODEV = 4;
  public static final long MS_NOEXEC = 8;
  public static final long MS_REMOUNT = 32;
  public static final long MS_NOATIME = 1024;
  public static final long MS_BIND = 4096;
  public static final long MS_MOVE = 8192;
  public static final long MS_REC = 16384;
  public static final long MS_UNBINDABLE = 1 << 17;
  public static final long MS_PRIVATE = 1 << 18;
  public static final long MS_SLAVE = 1 << 19;
  public static final long MS_SHARED = 1 << 20;
  public static final long MS_RELATIME = 1 << 21;
  public static final long MS_STRICTATIME = 1 << 24;

  public static final int MNT_FORCE = 1;
  public static final int MNT_DETACH = 2;

  /** Flag name, and the word mount(8) has for it in -o (null: not an -o word). */
  private static final Map<Long, String[]> NAMES = new LinkedHashMap<>();

  static {
    NAMES.put(MS_RDONLY, new String[] {"MS_RDONLY", "ro"});
    NAMES.put(MS_NOSUID, new String[] {"MS_NOSUID", "nosuid"});
    NAMES.put(MS_NODEV, new String[] {"MS_NODEV", "nodev"});
    NAMES.put(MS_NOEXEC, new String[] {"MS_NOEXEC", "noexec"});
    NAMES.put(MS_REMOUNT, new String[] {"MS_REMOUNT", "remount"});
    NAMES.put(MS_NOATIME, new String[] {"MS_NOATIME", "noatime"});
    NAMES.put(MS_BIND, new String[] {"MS_BIND", null});
    NAMES.put(MS_MOVE, new String[] {"MS_MOVE", null});
    NAMES.put(MS_REC, new String[] {"MS_REC", null});
    NAMES.put(MS_UNBINDABLE, new String[] {"MS_UNBINDABLE", null});
    NAMES.put(MS_PRIVATE, new String[] {"MS_PRIVATE", null});
    NAMES.put(MS_SLAVE, new String[] {"MS_SLAVE", null});
    NAMES.put(MS_SHARED, new String[] {"MS_SHARED", null});
    NAMES.put(MS_RELATIME, new String[] {"MS_RELATIME", "relatime"});
    NAMES.put(MS_STRICTATIME, new String[] {"MS_STRICTATIME", "strictatime"});
  }

  private MountFlags() {}

  static String names(long flags) {
    StringJoiner names = new StringJoiner("|");
    NAMES.forEach((flag, name) -> {
      if ((flags & flag) != 0) {
        names.add(name[0]);
      }
    });
    return names.length() == 0 ? "0" : names.toString();
  }

  /** The mount(8) command that makes the same call. */
  static String mountCommand(String source, String target, String fstype, long flags, String data) {
    boolean rec = (flags & MS_REC) != 0;
    String r = rec ? "r" : "";
    for (long propagation : new long[] {MS_PRIVATE, MS_SLAVE, MS_SHARED, MS_UNBINDABLE}) {
      if ((flags & propagation) != 0) {
        String kind = NAMES.get(propagation)[0].substring(3).toLowerCase();
        return "mount --make-" + r + kind + " " + target;
      }
    }
    if ((flags & MS_MOVE) != 0) {
      return "mount --move " + source + " " + target;
    }
    StringJoiner options = new StringJoiner(",");
    NAMES.forEach((flag, name) -> {
      if ((flags & flag) != 0 && name[1] != null) {
        options.add(name[1]);
      }
    });
    if ((flags & MS_BIND) != 0 && (flags & MS_REMOUNT) != 0) {
      options.add("bind");
    }
    if (data != null && !data.isEmpty()) {
      options.add(data);
    }
    StringBuilder command = new StringBuilder("mount");
    if ((flags & MS_BIND) != 0 && (flags & MS_REMOUNT) == 0) {
      command.append(rec ? " --rbind" : " --bind");
    } else if (fstype != null) {
      command.append(" -t ").append(fstype);
    }
    if (options.length() > 0) {
      command.append(" -o ").append(options);
    }
    if ((flags & MS_REMOUNT) == 0) {
      command.append(' ').append(source);
    }
    return command.append(' ').append(target).toString();
  }
}
