package containerlabs.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What the project made on the host with no state dir left to say so: its state dir was
 * deleted by hand, or the lab was killed before an older version recorded it. Found by the
 * project's names (see DESIGN: the {@code ip container_labs} table, {@code container-labs}
 * cgroups, {@code lab*} devices, layers under /var/lib/container-labs/containers), and
 * removed when no state dir of a living container accounts for it. The labs make no named
 * network namespace (--net ns:NAME joins one of yours), so there are none to find.
 */
final class Orphans {
  private static final String NFT_TABLE = "ip container_labs";
  private static final String NFT_MAP = "ports";
  private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");
  private static final String CGROUP_PARENT = "container-labs";
  private static final Path LAYERS = Path.of("/var/lib/container-labs/containers");
  /** The bridge stays from one container to the next, as docker0 does; it is not a container's. */
  private static final String BRIDGE = "lab0";

  private final Set<String> recorded = new HashSet<>();
  private final Set<String> ids = new HashSet<>();

  private Orphans() {
    // Every state dir there is: a lab records what it makes before it makes it, so a thing
    // that none of them records is no living container's.
    for (Path dir : StateDir.all()) {
      ids.add(dir.getFileName().toString());
      recorded.addAll(HostResources.recorded(dir));
    }
  }

  static List<String> remove() {
    Orphans orphans = new Orphans();
    List<String> removed = new ArrayList<>();
    orphans.nftElements(removed);
    orphans.links(removed);
    orphans.cgroups(removed);
    orphans.layers(removed);
    return removed;
  }

  private void nftElements(List<String> removed) {
    String map = HostResources.nft("list", "map", "ip", "container_labs", NFT_MAP);
    int start = map == null ? -1 : map.indexOf("elements = {");
    if (start < 0) {
      return;
    }
    for (String element : map.substring(start + 12, map.indexOf('}', start)).split(",")) {
      String[] keyAndValue = element.strip().split(" : ", 2);
      String what = NFT_TABLE + " " + NFT_MAP + " " + keyAndValue[0];
      if (!recorded.contains(HostResources.Kind.NFT_ELEMENT.word + " " + what)
          && HostResources.deleteNftElement(what)) {
        removed.add("removed the orphaned nft element " + what + " (to " + keyAndValue[1] + ")");
      }
    }
  }

  private void links(List<String> removed) {
    for (String name : list(Path.of("/sys/class/net"))) {
      boolean ours = name.startsWith("lab") && !name.equals(BRIDGE);
      boolean living = recorded.contains(HostResources.Kind.LINK.word + " " + name)
          || ids.stream().anyMatch(id -> id.startsWith(name.substring(Math.min(3, name.length()))));
      if (ours && !living && HostResources.deleteLink(name)) {
        removed.add("removed the orphaned network device " + name);
      }
    }
  }

  /** container-labs/ID in each hierarchy (v2, or each v1 controller's), when no process is in it. */
  private void cgroups(List<String> removed) {
    for (String hierarchy : list(CGROUP_ROOT)) {
      Path root = CGROUP_ROOT.resolve(hierarchy);
      if (Files.isSymbolicLink(root)) {
        continue; // cpu -> cpu,cpuacct: the same hierarchy again
      }
      Path parent = hierarchy.equals(CGROUP_PARENT) ? root : root.resolve(CGROUP_PARENT);
      for (String id : Files.isDirectory(parent) ? list(parent) : List.<String>of()) {
        Path cgroup = parent.resolve(id);
        boolean living = ids.contains(id) || recorded.contains(HostResources.Kind.CGROUP.word + " " + cgroup);
        if (Files.isDirectory(cgroup) && !living && !hasProcesses(cgroup)
            && HostResources.removeCgroup(cgroup)) {
          removed.add("removed the orphaned cgroup " + cgroup);
        }
      }
    }
  }

  /** A writable layer with its work folder: a kept one (--keep) has only its upper folder. */
  private void layers(List<String> removed) {
    for (String id : Files.isDirectory(LAYERS) ? list(LAYERS) : List.<String>of()) {
      Path layer = LAYERS.resolve(id);
      if (!ids.contains(id) && Files.isDirectory(layer.resolve("work")) && HostResources.deleteTree(layer)) {
        removed.add("removed the orphaned container layer " + layer);
      }
    }
  }

  private static boolean hasProcesses(Path cgroup) {
    if (!HostResources.processes(cgroup).isEmpty()) {
      return true;
    }
    return list(cgroup).stream().map(cgroup::resolve).filter(Files::isDirectory).anyMatch(Orphans::hasProcesses);
  }

  private static List<String> list(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
