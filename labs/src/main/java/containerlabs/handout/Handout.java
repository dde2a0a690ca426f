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
  @Parameters(index = "0", paramLabel = "N", description = "The lab to hand out, 1 to 7.")
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
      Stub stub = starter(repo, file, lab);
      if (stub != null) {
        Files.writeString(copy, stub.source());
        stubbed++;
      } else {
        Files.copy(file, copy, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
    System.out.println("handout for lab " + lab + " in " + target + ": " + stubbed
        + " files with stubs (labs " + lab + " to 6)");
    return 0;
  }

  /** A file of lab {@code lab} (1 to 7) in a starter: what its regions ask for, and its stubbed source. */
  public record Stub(String file, int lab, List<String> todos, String source) {}

  /**
   * The files that the starter of lab N stubs, in {@code repo}, each with its stubbed source:
   * all of them computed before anything is written, so that a malformed region changes nothing.
   */
  public static List<Stub> starters(Path repo, int lab) throws IOException {
    List<Stub> stubs = new ArrayList<>();
    for (Path file : files(repo)) {
      Stub stub = starter(repo, file, lab);
      if (stub != null) {
        stubs.add(stub);
      }
    }
    return stubs;
  }

  /** Labs before N keep their code; a source file of lab N or later with regions gets stubs. */
  private static Stub starter(Path repo, Path file, int lab) throws IOException {
    String path = repo.relativize(file).toString();
    String module = repo.relativize(file).getName(0).toString();
    int number = module.matches("lab0\\d-.*") ? module.charAt(4) - '0' : 0;
    if (number < lab || !path.endsWith(".java") || !path.contains("/src/main/")) {
      return null;
    }
    String source = Files.readString(file);
    if (!Regions.hasRegions(source)) {
      return null;
    }
    return new Stub(path, number, Regions.todos(source), Regions.stub(source, path, "lab0" + number));
  }

  /** The repository's files: what git tracks, or (no git) everything but build output. */
  static final String ANSWERS = "docs/src/docs/asciidoc/92-answers.adoc";

  private static List<Path> files(Path repo) throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> all = Files.walk(repo)) {
      all.filter(Files::isRegularFile).filter(p -> {
        String rel = repo.relativize(p).toString();
        return !rel.startsWith(".git/") && !rel.contains("/target/") && !rel.startsWith("target/")
            && !rel.startsWith(".vagrant/") && !rel.equals(".lab-build.log")
            // The instructor's own: the answers to the guide's questions, and the class's grades.
            && !rel.equals(ANSWERS) && !rel.startsWith("grades/");
      }).forEach(files::add);
    }
    return files;
  }
}
