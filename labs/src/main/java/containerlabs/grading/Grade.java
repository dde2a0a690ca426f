package containerlabs.grading;

import containerlabs.image.ImageStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./lab grade SUBMISSION} grades one checkout with the verification tests;
 * {@code ./lab grade --batch DIR} grades every folder in DIR, one at a time, into a CSV.
 * The tests, the poms and the shared module are the reference's, restored over a copy of
 * the submission before it runs: a submission cannot change how it is graded.
 */
@Command(name = "grade", mixinStandardHelpOptions = true,
    description = "Grade a submission (a checkout of the labs) with the verification tests.")
public final class Grade implements Callable<Integer> {
  @Parameters(arity = "0..1", paramLabel = "SUBMISSION", description = "A checkout to grade.")
  Path submission;

  @Option(names = "--batch", paramLabel = "DIR", description = "Grade every folder in DIR.")
  Path batch;

  @Option(names = "--out", paramLabel = "DIR", description = "Where reports go (default: ./grades).")
  Path out = Path.of("grades");

  @Option(names = "--timeout", paramLabel = "SECONDS", description = "Per submission (default: ${DEFAULT-VALUE}).")
  int timeout = 1200;

  @Option(names = "--labs", paramLabel = "N,N", split = ",", description = "Only these labs (default: all).")
  List<Integer> labs = new ArrayList<>();

  private final Path reference = Path.of("").toAbsolutePath();

  public static void main(String... args) {
    containerlabs.tool.Tool.main("grade", new Grade(), args);
  }

  @Override
  public Integer call() throws Exception {
    if (!Files.exists(reference.resolve("lab01-uts"))) {
      throw new IllegalArgumentException("run it from the top of the reference repository");
    }
    Catalog catalog = catalog();
    Files.createDirectories(out);
    if (batch == null) {
      if (submission == null) {
        throw new IllegalArgumentException("give a SUBMISSION folder, or --batch DIR");
      }
      Result result = grade(submission, catalog, out.resolve(name(submission)));
      result.print(System.out);
      return result.score() == catalog.total() ? 0 : 1;
    }
    List<Path> submissions;
    try (Stream<Path> dirs = Files.list(batch)) {
      submissions = dirs.filter(Files::isDirectory).sorted().toList();
    }
    StringBuilder csv = new StringBuilder("learner,score,total,seconds,notes\n");
    for (Path learner : submissions) {
      Result result = grade(learner, catalog, out.resolve(name(learner)));
      csv.append(String.format(java.util.Locale.ROOT, "%s,%d,%d,%.0f,%s%n", name(learner),
          result.score(), catalog.total(), result.seconds(), String.join("; ", result.notes())));
      System.out.println(name(learner) + ": " + result.score() + "/" + catalog.total()
          + (result.notes().isEmpty() ? "" : " (" + String.join("; ", result.notes()) + ")"));
    }
    Files.writeString(out.resolve("summary.csv"), csv);
    System.out.println("summary: " + out.resolve("summary.csv"));
    return 0;
  }

  private Catalog catalog() {
    Catalog all = Catalog.read(reference);
    if (labs.isEmpty()) {
      return all;
    }
    return new Catalog(all.entries().stream()
        .filter(e -> labs.contains(e.lab().charAt(4) - '0')).toList());
  }

  private Result grade(Path learner, Catalog catalog, Path report) throws Exception {
    long start = System.nanoTime();
    Files.createDirectories(report);
    Path work = Files.createTempDirectory("container-labs-grading");
    List<String> notes = new ArrayList<>();
    try {
      copy(learner, work, p -> true);
      restorePristine(work);
      Path results = report.resolve("results.jsonl");
      Files.deleteIfExists(results);
      List<String> command = new ArrayList<>(List.of("mvn", "-B", "-o", "test",
          "-Dmaven.test.failure.ignore=true", "-Dcontainerlabs.results=" + results.toAbsolutePath(),
          "-DexcludedGroups=reliability")); // the engine's own crash and soak tests: worth no points
      if (!labs.isEmpty()) {
        command.add("-pl");
        command.add(String.join(",", catalog.entries().stream().map(Catalog.Entry::lab).distinct().toList()));
      }
      Process maven = new ProcessBuilder(command).directory(work.toFile())
          .redirectErrorStream(true).redirectOutput(report.resolve("build.log").toFile()).start();
      if (!maven.waitFor(timeout, TimeUnit.SECONDS)) {
        notes.add("timed out after " + timeout + " s");
        maven.descendants().forEach(ProcessHandle::destroyForcibly); // only what this grader started
        maven.destroyForcibly();
        maven.waitFor();
      }
      List<String> left = Leftovers.cleanUp(reference);
      if (!left.isEmpty()) {
        notes.add("left behind (cleaned up): " + String.join(", ", left));
      }
      Result result = Result.of(catalog, results, notes, (System.nanoTime() - start) / 1e9);
      Files.writeString(report.resolve("report.txt"), result.text());
      Files.writeString(report.resolve("result.json"), result.json(name(learner)));
      return result;
    } finally {
      ImageStore.deleteTree(work);
    }
  }

  /** The reference's tests, poms, shared module and scripts, over the submission's. */
  private void restorePristine(Path work) throws IOException {
    try (Stream<Path> modules = Files.list(reference)) {
      for (Path module : (Iterable<Path>) modules::iterator) {
        String name = module.getFileName().toString();
        if (name.matches("lab0\\d-.*")) {
          ImageStore.deleteTree(work.resolve(name).resolve("src/test"));
          copy(module.resolve("src/test"), work.resolve(name).resolve("src/test"), p -> true);
          Files.copy(module.resolve("pom.xml"), work.resolve(name).resolve("pom.xml"), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    ImageStore.deleteTree(work.resolve("labs"));
    copy(reference.resolve("labs"), work.resolve("labs"), p -> !p.toString().contains("/target/"));
    Files.copy(reference.resolve("pom.xml"), work.resolve("pom.xml"), StandardCopyOption.REPLACE_EXISTING);
  }

  private static void copy(Path from, Path to, java.util.function.Predicate<Path> keep) throws IOException {
    if (!Files.exists(from)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        String rel = from.relativize(path).toString();
        if (rel.startsWith(".git") || rel.contains("target/") || rel.endsWith("target") || !keep.test(path)) {
          continue;
        }
        Path target = to.resolve(rel);
        if (Files.isDirectory(path)) {
          Files.createDirectories(target);
        } else if (Files.isRegularFile(path)) {
          Files.createDirectories(target.getParent());
          Files.copy(path, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  private static String name(Path dir) {
    return dir.toAbsolutePath().normalize().getFileName().toString();
  }

  /** One submission's grade: a line per test, per lab, and the score. */
  record Result(List<Line> lines, List<String> notes, double seconds) {
    record Line(Catalog.Entry entry, boolean passed, double seconds, String reason) {}

    static Result of(Catalog catalog, Path results, List<String> notes, double seconds) throws IOException {
      Map<String, String> outcomes = new LinkedHashMap<>();
      if (Files.exists(results)) {
        for (String json : Files.readAllLines(results)) {
          outcomes.put(field(json, "lab") + "\u0000" + field(json, "test"), json);
        }
      }
      List<Line> lines = new ArrayList<>();
      for (Catalog.Entry entry : catalog.entries()) {
        String json = outcomes.get(entry.lab() + "\u0000" + entry.test());
        if (json == null) {
          lines.add(new Line(entry, false, 0, "did not run (see build.log: a compile error, or a hang)"));
        } else {
          lines.add(new Line(entry, json.contains("\"passed\":true"),
              Double.parseDouble(field(json, "seconds")), field(json, "reason")));
        }
      }
      return new Result(lines, notes, seconds);
    }

    int score() {
      return lines.stream().filter(Line::passed).mapToInt(l -> l.entry().points()).sum();
    }

    int total() {
      return lines.stream().mapToInt(l -> l.entry().points()).sum();
    }

    String text() {
      StringBuilder s = new StringBuilder();
      for (Line line : lines) {
        s.append(String.format(java.util.Locale.ROOT, "%s: %s: %s (%.1fs)%s%n", line.entry().lab(),
            line.entry().test(), line.passed() ? "OK" : "FAIL", line.seconds(),
            line.entry().points() == 0 ? " [0 points]" : ""));
        if (!line.passed()) {
          line.reason().lines().limit(6).forEach(r -> s.append("    ").append(r).append('\n'));
        }
      }
      Map<String, int[]> perLab = new LinkedHashMap<>();
      for (Line line : lines) {
        int[] lab = perLab.computeIfAbsent(line.entry().lab(), k -> new int[2]);
        lab[0] += line.passed() ? line.entry().points() : 0;
        lab[1] += line.entry().points();
      }
      perLab.forEach((lab, points) -> s.append(lab).append(": ").append(points[0]).append('/')
          .append(points[1]).append('\n'));
      notes.forEach(n -> s.append("note: ").append(n).append('\n'));
      return s.append("Score: ").append(score()).append('/').append(total()).append('\n').toString();
    }

    void print(PrintStream out) {
      out.print(text());
    }

    String json(String learner) {
      StringBuilder s = new StringBuilder("{\"learner\":" + quote(learner) + ",\"score\":" + score()
          + ",\"total\":" + total() + ",\"tests\":[");
      for (int i = 0; i < lines.size(); i++) {
        Line l = lines.get(i);
        s.append(i == 0 ? "" : ",").append("{\"lab\":").append(quote(l.entry().lab()))
            .append(",\"test\":").append(quote(l.entry().test()))
            .append(",\"points\":").append(l.passed() ? l.entry().points() : 0)
            .append(",\"of\":").append(l.entry().points()).append(",\"passed\":").append(l.passed()).append('}');
      }
      return s.append("],\"notes\":[").append(String.join(",", notes.stream().map(Result::quote).toList()))
          .append("]}\n").toString();
    }

    private static String quote(String s) {
      return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    /** One string or number field of a JSON line written by the tests' GradingReport. */
    private static String field(String json, String key) {
      int at = json.indexOf("\"" + key + "\":");
      if (at < 0) {
        return "";
      }
      int start = at + key.length() + 3;
      if (json.charAt(start) != '"') {
        int end = start;
        while (end < json.length() && ",}".indexOf(json.charAt(end)) < 0) {
          end++;
        }
        return json.substring(start, end);
      }
      StringBuilder value = new StringBuilder();
      for (int i = start + 1; i < json.length(); i++) {
        char c = json.charAt(i);
        if (c == '\\') {
          char e = json.charAt(++i);
          value.append(e == 'n' ? '\n' : e == 't' ? '\t' : e == 'u'
              ? (char) Integer.parseInt(json.substring(i + 1, (i += 4) + 1), 16) : e);
        } else if (c == '"') {
          break;
        } else {
          value.append(c);
        }
      }
      return value.toString();
    }
  }
}
