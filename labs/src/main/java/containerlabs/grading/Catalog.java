package containerlabs.grading;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The graded tests, read from the reference's test sources (never the submission's): each
 * test's lab module, class, method, display name and @Points. The score is decided from this
 * list alone: a result for a test not on it counts for nothing, and a test on it without a
 * result fails.
 */
record Catalog(List<Entry> entries) {
  /** One graded test; {@code id} is how the test reports name it: class#method. */
  record Entry(String module, String className, String method, String test, int points) {
    String id() {
      return className + "#" + method;
    }

    int lab() {
      return module.charAt(4) - '0';
    }
  }

  private static final Pattern TEST = Pattern.compile(
      "@Test\\s*(?:@Points\\((\\d+)\\)\\s*)?@DisplayName\\(\"((?:[^\"\\\\]|\\\\.)*)\"\\)\\s*"
      + "(?:@\\w+(?:\\([^)]*\\))?\\s*)*void\\s+(\\w+)\\s*\\(");

  static Catalog read(Path reference) {
    List<Entry> entries = new ArrayList<>();
    try (Stream<Path> files = Files.walk(reference, 8)) {
      for (Path file : (Iterable<Path>) files.filter(p -> p.toString().endsWith("Test.java")
          && reference.relativize(p).toString().matches("lab0\\d-[^/]+/src/test/java/.*")).sorted()::iterator) {
        String source = Files.readString(file);
        if (source.contains("@Tag(\"reliability\")")) {
          continue; // the engine's own crash and hostile-container tests: worth no points
        }
        Path rel = reference.relativize(file);
        String module = rel.getName(0).toString();
        String className = rel.subpath(4, rel.getNameCount()).toString()
            .replace('/', '.').replaceAll("\\.java$", "");
        Matcher test = TEST.matcher(source);
        while (test.find()) {
          if (test.group(0).contains("@Tag(\"in-process\")")) {
            continue; // runs lab code in the test's own JVM: the learner's mvn verify only
          }
          int points = test.group(1) == null ? 0 : Integer.parseInt(test.group(1));
          entries.add(new Entry(module, className, test.group(3), test.group(2).replace("\\\"", "\""), points));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Catalog(entries);
  }

  Catalog only(List<Integer> labs, List<String> methods) {
    return new Catalog(entries.stream()
        .filter(e -> labs.isEmpty() || labs.contains(e.lab()))
        .filter(e -> methods.isEmpty() || methods.contains(e.method())).toList());
  }

  /** The lab modules to build: up to the last graded lab, since each builds on those before. */
  List<String> modulesToBuild(Path reference) throws IOException {
    int last = entries.stream().mapToInt(Entry::lab).max().orElse(0);
    try (Stream<Path> dirs = Files.list(reference)) {
      return dirs.map(p -> p.getFileName().toString())
          .filter(n -> n.matches("lab0\\d-.*") && n.charAt(4) - '0' <= last).sorted().toList();
    }
  }

  int total() {
    return entries.stream().mapToInt(Entry::points).sum();
  }
}
