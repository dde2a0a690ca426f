package containerlabs.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Whom the command runs as, found as runc finds it: in the container's own /etc/passwd and
 * /etc/group (the init has moved into the container's root: the host's files are out of
 * reach), a number needing no entry, a name needing one.
 *
 * @param groups the supplementary groups: the primary group, then those that list the user
 *     by name unless a group was named explicitly
 */
record ContainerUser(int uid, int gid, int[] groups, String home) {
  private static final long MAX_ID = Integer.MAX_VALUE; // runc's limit too

  /** Look up "", "uid", "uid:gid", "name" or "name:group" in the container's files. */
  static ContainerUser lookUp(String spec) {
    String userPart = spec.contains(":") ? spec.substring(0, spec.indexOf(':')) : spec;
    String groupPart = spec.contains(":") ? spec.substring(spec.indexOf(':') + 1) : "";
    Long numericUid = number(userPart.isEmpty() ? "0" : userPart);
    String[] entry = null;
    for (String[] fields : entries("/etc/passwd", 7)) { // name:x:uid:gid:gecos:home:shell
      Long uid = number(fields[2]);
      if (numericUid != null ? numericUid.equals(uid) : fields[0].equals(userPart)) {
        entry = fields;
        break;
      }
    }
    if (entry == null && numericUid == null) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "unable to find user " + userPart
          + ": no matching entry in the container's /etc/passwd: give a user it has, or a number");
    }
    int uid = entry == null ? check(numericUid, "user " + userPart) : check(number(entry[2]), "user " + userPart);
    int gid = entry == null ? 0 : check(number(entry[3]), "the primary group of " + userPart);
    String home = entry == null || entry[5].isEmpty() ? "/" : entry[5];
    List<Integer> groups = new ArrayList<>();
    if (!groupPart.isEmpty()) {
      Long numericGid = number(groupPart);
      Integer found = null;
      for (String[] fields : entries("/etc/group", 4)) { // name:x:gid:member,member
        if (numericGid != null ? numericGid.equals(number(fields[2])) : fields[0].equals(groupPart)) {
          found = check(number(fields[2]), "group " + groupPart);
          break;
        }
      }
      if (found == null && numericGid == null) {
        throw new ContainerException(ExitStatus.RUNTIME_ERROR, "unable to find group " + groupPart
            + ": no matching entry in the container's /etc/group: give a group it has, or a number");
      }
      gid = found != null ? found : check(numericGid, "group " + groupPart);
    } else if (entry != null) {
      for (String[] fields : entries("/etc/group", 4)) {
        if (List.of(fields[3].split(",")).contains(entry[0]) && number(fields[2]) != null) {
          groups.add(check(number(fields[2]), "group " + fields[0]));
        }
      }
    }
    // The primary group is a supplementary one too: with none, a file whose group is denied
    // what others may do would be open to the group's members (CVE-2022-36109, moby's fix).
    groups.add(0, gid);
    return new ContainerUser(uid, gid, groups.stream().mapToInt(Integer::intValue).distinct().toArray(), home);
  }

  /**
   * Become the user: groups first, then the group, then the user, since setuid gives up the
   * right to change the other two. Leaving root also empties the capability sets.
   */
  void become() {
    containerlabs.kernel.Kernel.becomeUser(uid, gid, groups);
  }

  /** The lines of a colon-separated file, split in at least {@code fields} fields; none if it is missing. */
  private static List<String[]> entries(String file, int fields) {
    List<String[]> entries = new ArrayList<>();
    Path path = Path.of(file);
    if (!Files.isRegularFile(path)) {
      return entries;
    }
    try {
      if (Files.size(path) > (16 << 20)) {
        throw new ContainerException(ExitStatus.RUNTIME_ERROR, file + " in the container is larger"
            + " than 16 MiB: it cannot be a real one");
      }
      for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
        String[] split = line.split(":", -1);
        if (!line.startsWith("#") && split.length >= fields) {
          entries.add(split);
        }
      }
    } catch (IOException e) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "cannot read " + file
          + " in the container (" + e.getMessage() + "): check the image's file");
    }
    return entries;
  }

  private static Long number(String s) {
    return s.matches("[0-9]{1,10}") ? Long.valueOf(s) : null;
  }

  private static int check(Long id, String what) {
    if (id == null || id > MAX_ID) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "the id of " + what + " is not a number"
          + " from 0 to " + MAX_ID + ": fix the container's /etc/passwd or /etc/group, or give a number");
    }
    return id.intValue();
  }
}
