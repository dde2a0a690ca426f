package containerlabs.learner;

import containerlabs.handout.Handout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code ./lab start N}'s Java part: lab N's starter, written over the working tree itself (the
 * {@code lab} script has checked that nothing uncommitted is there, and made a branch for it).
 * The labs before N keep their code; lab N and the labs after it get stubs where their solution
 * regions were, as in {@code ./lab handout}. Prints what there is to write in lab N, and the
 * chapter to read. Only the JDK and the shared module's classes: nothing needs packaging.
 */
public final class Start {
  private Start() {}

  public static void main(String... args) {
    try {
      start(Path.of("").toAbsolutePath(), Integer.parseInt(args[0]));
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("lab start: " + e.getMessage());
      System.exit(125);
    }
  }

  static void start(Path repo, int lab) throws IOException {
    List<Handout.Stub> stubs = Handout.starters(repo, lab);
    List<Handout.Stub> mine = stubs.stream().filter(s -> s.lab() == lab).toList();
    if (mine.isEmpty()) {
      throw new IllegalArgumentException("lab " + lab + " has no solution regions here, it is a starter already:"
          + " to begin it with the labs before it solved, run ./lab start " + lab
          + " on a branch where they are (git switch main)");
    }
    for (Handout.Stub stub : stubs) {
      Files.writeString(repo.resolve(stub.file()), stub.source());
    }
    System.out.println("Lab " + lab + " is yours to write now, and so are the labs after it (" + stubs.size()
        + " files with stubs); the labs before it keep their solutions. In lab " + lab + ", you write:");
    for (Handout.Stub stub : mine) {
      System.out.println("    " + stub.file());
      stub.todos().forEach(todo -> System.out.println("        " + todo));
    }
    GuideSections.read(repo).chapterOfLab(lab).ifPresent(chapter -> System.out.println(
        "Read first, in the guide: " + chapter.label() + "\n    docs/target/guide/index.html"
        + chapter.anchors().stream().findFirst().map(a -> "#" + a).orElse("")
        + " (built by mvn install), or its source, " + GuideSections.source(chapter)));
  }
}
