package containerlabs.handout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Each lab's README says what the code says: what you write (the regions), what is given, which chapter. */
@DisplayName("lab READMEs")
class LabReadmeTest {
  private static final Path REPO = Path.of("").toAbsolutePath().getParent();
  private static final Pattern JAVA_FILE = Pattern.compile("`(\\w+\\.java)`");
  private static final Pattern CHAPTER = Pattern.compile("`(docs/src/docs/asciidoc/0\\d-[\\w-]+\\.adoc)`");

  @Test
  @DisplayName("'What you write' lists the files with solution regions and each region; 'What is given', the others")
  void readmesMatchTheCode() throws IOException {
    int labs = 0;
    try (Stream<Path> modules = Files.list(REPO)) {
      for (Path lab : (Iterable<Path>) modules.filter(p -> p.getFileName().toString().matches("lab0\\d-.+")).sorted()::iterator) {
        labs++;
        Path readme = lab.resolve("README.md");
        assertTrue(Files.exists(readme), lab.getFileName() + " has no README.md");
        String text = Files.readString(readme);
        Set<String> write = new TreeSet<>();
        Set<String> given = new TreeSet<>();
        try (Stream<Path> files = Files.walk(lab.resolve("src/main"))) {
          for (Path file : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
            String source = Files.readString(file);
            (Regions.hasRegions(source) ? write : given).add(file.getFileName().toString());
            for (String todo : Regions.todos(source)) {
              assertTrue(text.contains("- " + todo + "\n"), readme + " does not list the region \"" + todo + "\"");
            }
          }
        }
        String name = lab.getFileName().toString();
        assertEquals(write, files(section(text, "What you write")), name + ": the files with solution regions");
        assertEquals(given, files(section(text, "What is given")), name + ": the files without solution regions");
        Matcher chapter = CHAPTER.matcher(text);
        assertTrue(chapter.find(), readme + " names no chapter");
        assertTrue(Files.exists(REPO.resolve(chapter.group(1))), readme + ": no " + chapter.group(1));
        assertTrue(chapter.group(1).contains("/" + lab.getFileName().toString().substring(3, 5) + "-"),
            readme + " names another lab's chapter: " + chapter.group(1));
      }
    }
    assertFalse(labs == 0, "no lab found in " + REPO);
  }

  private static String section(String text, String title) {
    int start = text.indexOf("## " + title + "\n");
    assertTrue(start >= 0, "no section '## " + title + "'");
    int end = text.indexOf("\n## ", start + 1);
    return text.substring(start, end < 0 ? text.length() : end);
  }

  private static Set<String> files(String section) {
    Set<String> names = new TreeSet<>();
    Matcher file = JAVA_FILE.matcher(section);
    while (file.find()) {
      names.add(file.group(1));
    }
    return names;
  }
}
