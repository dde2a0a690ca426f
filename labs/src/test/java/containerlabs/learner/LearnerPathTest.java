package containerlabs.learner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerlabs.kernel.Kernel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A learner's path, in a clone of this repository (its last commit): {@code ./lab test 1} on
 * the solved labs, {@code ./lab start 1}, and {@code ./lab test 1} on the starter. Root, as
 * {@code ./lab test} runs lab 01's tests; a minute or so, mostly Maven.
 */
@DisplayName("the learner's path: ./lab start and ./lab test")
class LearnerPathTest {
  private static final Path REPO = Path.of("").toAbsolutePath().getParent();
  private static final String FEATURE = "lab01-uts/src/main/java/containerlabs/uts/UtsNamespace.java";
  private static final Pattern REGION = Pattern.compile("// BEGIN SOLUTION\\((.+); (§[\\d.]+)\\)");
  private static final Pattern POINTS = Pattern.compile("@Points\\((\\d+)\\)");
  private static final Pattern READ = Pattern.compile("^ +read: (.+) \\((docs/src/docs/asciidoc/[^)]+\\.adoc)\\)$");

  @BeforeAll
  static void asRoot() {
    if (Kernel.geteuid() != 0) {
      throw new AssertionError("./lab test runs the labs' tests, which must run as root: run this as root");
    }
  }

  @Test
  @DisplayName("./lab test 1 passes on the solved labs; ./lab start 1 stubs lab 1 on a new branch; then ./lab test 1 fails, saying where to read")
  void startAndTest(@TempDir Path temp) throws Exception {
    Path clone = cloneRepository(temp);
    String from = git(clone, "branch", "--show-current");
    String fromCommit = git(clone, "rev-parse", "HEAD");
    int total = 0;
    int tests = 0;
    for (Path test : labTests(clone)) {
      String source = Files.readString(test);
      Matcher points = POINTS.matcher(source);
      while (points.find()) {
        total += Integer.parseInt(points.group(1));
      }
      tests += source.split("@Test\\b", -1).length - 1;
    }

    Run solved = run(clone, "./lab", "test", "1");
    assertEquals(0, solved.status(), solved::toString);
    assertEquals(tests, solved.lines().stream().filter(l -> l.startsWith("PASS ")).count(), solved::toString);
    assertEquals("Score: " + total + "/" + total, solved.lastLine(), solved::toString);

    String solution = Files.readString(clone.resolve(FEATURE));
    Run start = run(clone, "./lab", "start", "1");
    assertEquals(0, start.status(), start::toString);
    assertEquals("lab01-start", git(clone, "branch", "--show-current"));
    assertEquals("", git(clone, "status", "--porcelain", "--untracked-files=no"), "the starter is committed");
    assertEquals(fromCommit, git(clone, "rev-parse", from.isEmpty() ? fromCommit : from), "the branch it came from is unchanged");
    String stub = Files.readString(clone.resolve(FEATURE));
    assertFalse(stub.contains("BEGIN SOLUTION"), stub);
    Matcher region = REGION.matcher(solution);
    while (region.find()) {
      assertTrue(stub.contains("Todo.fail(\"TODO(lab01): " + region.group(1) + " — see guide " + region.group(2) + "\")"), stub);
      assertTrue(start.output().contains(region.group(1) + " (" + region.group(2) + ")"), start::toString);
    }
    assertTrue(Files.readString(clone.resolve("lab02-pid/src/main/java/containerlabs/pid/PidNamespace.java"))
        .contains("Todo.fail(\"TODO(lab02)"), "the labs after lab 1 are stubs too");

    Run stubbed = run(clone, "./lab", "test", "1");
    assertEquals(1, stubbed.status(), stubbed::toString);
    assertTrue(stubbed.output().contains("TODO(lab01)"), "the stub's message reaches the learner: " + stubbed);
    GuideSections guide = GuideSections.read(clone);
    List<String> lines = stubbed.lines();
    int failed = 0;
    for (int i = 0; i < lines.size(); i++) {
      if (!lines.get(i).startsWith("FAIL ")) {
        continue;
      }
      failed++;
      int next = i + 1;
      while (next < lines.size() && lines.get(next).startsWith(" ")) {
        next++;
      }
      Matcher read = READ.matcher(lines.get(next - 1));
      assertTrue(read.matches(), "a failure ends with the guide's section to read: " + lines.subList(i, next));
      assertTrue(Files.exists(clone.resolve(read.group(2))), read.group(2));
      for (String label : read.group(1).split(", (?=§|chapter|Introduction)")) {
        assertTrue(guide.sections().stream().anyMatch(s -> s.label().equals(label)), "no section " + label + " in the guide");
      }
    }
    assertTrue(failed > 0, stubbed::toString);
    Matcher score = Pattern.compile("Score: (\\d+)/(\\d+)").matcher(stubbed.lastLine());
    assertTrue(score.matches(), stubbed::toString);
    assertEquals(total, Integer.parseInt(score.group(2)));
    assertTrue(Integer.parseInt(score.group(1)) < total, stubbed::toString);
  }

  @Test
  @DisplayName("./lab start refuses, in one line and changing nothing, over uncommitted changes or a branch of the same name")
  void startRefuses(@TempDir Path temp) throws Exception {
    Path clone = cloneRepository(temp);
    String head = git(clone, "rev-parse", "HEAD");
    Files.writeString(clone.resolve("README.md"), "my notes\n", java.nio.file.StandardOpenOption.APPEND);
    Run dirty = run(clone, "./lab", "start", "2");
    assertEquals(125, dirty.status(), dirty::toString);
    assertEquals(1, dirty.lines().size(), dirty::toString);
    assertTrue(dirty.output().contains("changes not committed"), dirty::toString);
    assertTrue(Files.readString(clone.resolve("README.md")).endsWith("my notes\n"));
    assertEquals(head, git(clone, "rev-parse", "HEAD"));
    assertEquals("", git(clone, "branch", "--list", "lab02-start"));

    git(clone, "checkout", "-q", "--", "README.md");
    git(clone, "branch", "lab03-start");
    Run exists = run(clone, "./lab", "start", "3");
    assertEquals(125, exists.status(), exists::toString);
    assertEquals(1, exists.lines().size(), exists::toString);
    assertTrue(exists.output().contains("branch lab03-start exists already"), exists::toString);
    assertNotEquals("lab03-start", git(clone, "branch", "--show-current"));

    Run usage = run(clone, "./lab", "start", "9");
    assertEquals(2, usage.status(), usage::toString);
  }

  private static Path cloneRepository(Path temp) throws Exception {
    assertTrue(Files.exists(REPO.resolve(".git")), "these tests clone the repository: " + REPO + " has no .git");
    Path clone = temp.resolve("labs");
    Run cloned = run(temp, "git", "clone", "-q", REPO.toString(), clone.toString());
    assertEquals(0, cloned.status(), cloned::toString);
    return clone;
  }

  private static List<Path> labTests(Path clone) throws IOException {
    try (Stream<Path> files = Files.walk(clone.resolve("lab01-uts/src/test"))) {
      return files.filter(p -> p.toString().endsWith(".java")).toList();
    }
  }

  private static String git(Path dir, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("git", "-C", dir.toString()));
    command.addAll(List.of(args));
    Run run = run(dir, command.toArray(String[]::new));
    assertEquals(0, run.status(), run::toString);
    return run.output().strip();
  }

  /** Runs a command in {@code dir} to its end, its stdout and stderr together. */
  private static Run run(Path dir, String... command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    Process process = builder.start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(10, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not end in 10 minutes");
    }
    return new Run(String.join(" ", command), process.exitValue(), output);
  }

  private record Run(String command, int status, String output) {
    List<String> lines() {
      return output.lines().toList();
    }

    String lastLine() {
      List<String> lines = lines();
      return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    @Override
    public String toString() {
      return command + ": exit status " + status + "\n" + output;
    }
  }
}
