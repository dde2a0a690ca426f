package containerlabs.grading;

import containerlabs.cli.CleanUp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a graded submission left on the host (its state dirs, devices, cgroups, layers), and
 * the clean-up after it: the reference lab 06's own reaping first, by force what is left.
 */
final class Leftovers {
  private Leftovers() {}

  static List<String> cleanUp(Path reference) throws IOException, InterruptedException {
    List<String> found = find();
    if (!found.isEmpty()) {
      // The reference's ./lab clean: lab 06's clean-ups, after every container whose lab has gone.
      Path target = reference.resolve("lab06-cgroups/target");
      if (Files.exists(target.resolve("lab06-cgroups.jar"))) {
        new ProcessBuilder("java", "-cp", target.resolve("lab06-cgroups.jar") + ":" + target.resolve("lib") + "/*",
            CleanUp.class.getName(), "containerlabs.cgroups.Lab06")
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
      }
      for (String item : find()) {
        String path = item.substring(item.indexOf(' ') + 1);
        if (item.startsWith("device ")) {
          new ProcessBuilder("ip", "link", "del", path).start().waitFor();
        } else if (item.startsWith("cgroup ")) {
          Files.deleteIfExists(Path.of(path));
        } else {
          containerlabs.image.ImageStore.deleteTree(Path.of(path));
        }
      }
    }
    return found;
  }

  private static List<String> find() throws IOException {
    List<String> found = new ArrayList<>();
    list(Path.of("/run/container-labs"), "state", found);
    list(Path.of("/var/lib/container-labs/containers"), "layer", found);
    try (Stream<Path> links = Files.list(Path.of("/sys/class/net"))) {
      links.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("lab") && !n.equals("lab0"))
          .forEach(n -> found.add("device " + n));
    }
    try (Stream<Path> dirs = Files.find(Path.of("/sys/fs/cgroup"), 4,
        (p, a) -> a.isDirectory() && p.toString().contains("container-labs/"))) {
      dirs.forEach(p -> found.add("cgroup " + p));
    } catch (IOException e) {
      // a cgroup removed while we walk
    }
    return found;
  }

  private static void list(Path dir, String kind, List<String> found) throws IOException {
    if (Files.isDirectory(dir)) {
      try (Stream<Path> entries = Files.list(dir)) {
        entries.forEach(p -> found.add(kind + " " + p));
      }
    }
  }
}
