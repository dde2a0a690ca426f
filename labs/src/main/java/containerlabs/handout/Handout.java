package containerlabs.handout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code ./lab handout N DIR}: the starter version for lab N. Labs before N keep their
 * solutions; lab N, and the labs after it, get stubs where their solution regions were.
 * Everything else (the engine, the tests, the guide, the scripts) is copied as it is.
 */
@Command(name = "handout", mixinStandardHelpOptions = true,
    description = "Write the starter version of lab N into DIR (a new folder).")
public final class Handout implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "N", description = "The lab to hand out, 1 to 6.")
  int lab;

  @Parameters(index = "1", paramLabel = "DIR", description = "A folder that does not exist yet.")
  Path target;

  public static void main(String... args) {
    containerlabs.tool.Tool.main("handout", new Handout(), args);
  }

  @Override
  public Integer call() throws IOException {
    Path repo = Path.of("").toAbsolutePath();
    if (!Files.exists(repo.resolve("lab01-uts"))) {
      throw new IllegalArgumentException("run it from the top of the repository (where lab01-uts is)");
    }
    if (Files.exists(target)) {
      throw new IllegalArgumentException(target + " exists: give a new folder");
    }
    int stubbed = 0;
    for (Path file : files(repo)) {
      Path copy = target.resolve(repo.relativize(file).toString());
      Files.createDirectories(copy.getParent());
      String module = repo.relativize(file).getName(0).toString();
      int number = module.matches("lab0\\d-.*") ? module.charAt(4) - '0' : 0;
      if (number >= lab && file.toString().endsWith(".java") && file.toString().contains("/src/main/")) {
        String source = Files.readString(file);
        if (Regions.hasRegions(source)) {
          Files.writeString(copy, Regions.stub(source, repo.relativize(file).toString(), "lab0" + number));
          stubbed++;
          continue;
        }
      }
      Files.copy(file, copy, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
    }
    System.out.println("handout for lab " + lab + " in " + target + ": " + stubbed
        + " files with stubs (labs " + lab + " to 6)");
    return 0;
  }

  /** The repository's files: what git tracks, or (no git) everything but build output. */
  private static List<Path> files(Path repo) throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> all = Files.walk(repo)) {
      all.filter(Files::isRegularFile).filter(p -> {
        String rel = repo.relativize(p).toString();
        return !rel.startsWith(".git/") && !rel.contains("/target/") && !rel.startsWith("target/")
            && !rel.startsWith(".vagrant/") && !rel.equals(".lab-build.log");
      }).forEach(files::add);
    }
    return files;
  }
}
