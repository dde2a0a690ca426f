package containerlabs.cgroups;

import containerlabs.kernel.Kernel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Where each controller lives on this host. cgroup v2 has one hierarchy for all of them;
 * cgroup v1 one per controller (or per group of controllers, as cpu,cpuacct); a hybrid host
 * has both, with the controllers on v1 and an empty v2 beside them. A controller is used on
 * v2 where v2 has it, on v1 where only v1 has it.
 */
final class CgroupLayout {
  static final String PARENT = "container-labs";
  private static final Path ROOT = Path.of("/sys/fs/cgroup");

  private final Path unified;
  private final Set<String> v2Controllers;
  private final Map<String, Path> v1Mounts;

  private CgroupLayout(Path unified, Set<String> v2Controllers, Map<String, Path> v1Mounts) {
    this.unified = unified;
    this.v2Controllers = v2Controllers;
    this.v1Mounts = v1Mounts;
  }

  static CgroupLayout detect() {
    Path unified = Files.exists(ROOT.resolve("cgroup.controllers")) ? ROOT
        : Files.exists(ROOT.resolve("unified/cgroup.controllers")) ? ROOT.resolve("unified") : null;
    Set<String> v2 = unified == null ? Set.of() : Set.of(read(unified.resolve("cgroup.controllers")).split("\\s+"));
    Map<String, Path> v1 = new HashMap<>();
    for (String line : read(Path.of("/proc/self/mountinfo")).split("\n")) {
      String[] after = line.substring(line.indexOf(" - ") + 3).split(" ");
      if (after[0].equals("cgroup")) {
        for (String option : after[2].split(",")) {
          v1.put(option, Path.of(line.split(" ")[4]));
        }
      }
    }
    return new CgroupLayout(unified, v2, v1);
  }

  boolean isV2(String controller) {
    return v2Controllers.contains(controller);
  }

  /** The container's cgroup for this controller, or null if this host lacks the controller. */
  Path dir(String controller, String id) {
    if (isV2(controller)) {
      return unified.resolve(PARENT).resolve(id);
    }
    Path mount = v1Mounts.get(controller);
    return mount == null ? null : mount.resolve(PARENT).resolve(id);
  }

  /**
   * On v2 a cgroup offers its children only the controllers in its cgroup.subtree_control:
   * the root must offer them to container-labs, and container-labs to each container.
   */
  void enableV2Controllers(Set<String> controllers) {
    if (unified == null || controllers.isEmpty()) {
      return;
    }
    String enable = String.join(" ", controllers.stream().map(c -> "+" + c).toList());
    write(unified.resolve("cgroup.subtree_control"), enable);
    mkdir(unified.resolve(PARENT));
    write(unified.resolve(PARENT).resolve("cgroup.subtree_control"), enable);
  }

  /** cgroup v2 only: one hierarchy, at /sys/fs/cgroup itself. */
  boolean v2Only() {
    return unified == ROOT;
  }

  String describe() {
    if (v2Only()) {
      return "cgroup v2";
    }
    return unified != null ? "hybrid (v1 controllers, v2 at " + unified + ")" : "cgroup v1";
  }

  static String read(Path file) {
    try {
      return Kernel.readFile(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void write(Path file, String value) {
    try {
      Files.writeString(file, value);
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + value + " to " + file + ": " + e.getMessage(), e);
    }
  }

  static void mkdir(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
