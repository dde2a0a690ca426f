package containerlabs.learner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The guide's numbering, and the references to it from the tests and the solution regions. */
@DisplayName("guide sections")
class GuideSectionsTest {
  private static final Path REPO = Path.of("").toAbsolutePath().getParent();
  private static final Pattern GUIDE = Pattern.compile("@Guide\\(\\{?((?:\"[^\"]*\",?\\s*)+)}?\\)");
  private static final Pattern STRING = Pattern.compile("\"([^\"]*)\"");
  private static final Pattern REGION = Pattern.compile("// BEGIN SOLUTION\\(.+; §(\\d+)\\.([\\d.]+)\\)");

  @Test
  @DisplayName("numbered as Asciidoctor numbers a book: chapters, their sections, appendices; no number in a preface")
  void numbering(@TempDir Path repo) throws IOException {
    Path folder = Files.createDirectories(repo.resolve(GuideSections.FOLDER));
    Files.writeString(folder.resolve("index.adoc"), "= Book\n:doctype: book\n\n"
        + "include::intro.adoc[leveloffset=+1]\n\ninclude::01-one.adoc[leveloffset=+1]\n\n"
        + "include::02-two.adoc[leveloffset=+1]\n\ninclude::extra.adoc[leveloffset=+1]\n");
    Files.writeString(folder.resolve("intro.adoc"), "[[intro]]\n[preface]\n= Intro\n\n[[setup]]\n== Setting up\n");
    Files.writeString(folder.resolve("01-one.adoc"), "[[one]]\n= One\n\n== First\n\n----\n== not a heading\n----\n\n"
        + "[[deep]]\n=== Deeper\n\n== Second\n");
    Files.writeString(folder.resolve("02-two.adoc"), "= Two\n\n== First\n");
    Files.writeString(folder.resolve("extra.adoc"), "[appendix]\n= Extra\n\n== More\n");
    GuideSections guide = GuideSections.read(repo);

    List<String> labels = guide.sections().stream().map(GuideSections.Section::label).toList();
    assertEquals(List.of("Intro", "Intro › Setting up", "chapter 1, One", "§1.1 First", "§1.1.1 Deeper",
        "§1.2 Second", "chapter 2, Two", "§2.1 First", "appendix A, Extra", "§A.1 More"), labels);
    assertEquals("Intro › Setting up", guide.find("setup", 1).orElseThrow().label());
    assertEquals("§1.1.1 Deeper", guide.find("deep", 2).orElseThrow().label());
    assertEquals("§2.1 First", guide.find("First", 2).orElseThrow().label(), "a title is looked up in the lab's chapter");
    assertFalse(guide.find("Second", 2).isPresent());
  }

  @Test
  @DisplayName("every @Guide of the labs' tests names a section of the guide")
  void testsReferToSections() throws IOException {
    GuideSections guide = GuideSections.read(REPO);
    List<String> references = new ArrayList<>();
    for (Path file : sources("src/test")) {
      int lab = file.getName(0).toString().charAt(4) - '0';
      Matcher annotation = GUIDE.matcher(Files.readString(REPO.resolve(file)));
      while (annotation.find()) {
        Matcher value = STRING.matcher(annotation.group(1));
        while (value.find()) {
          references.add(value.group(1));
          assertTrue(guide.find(value.group(1), lab).isPresent(),
              file + ": @Guide(\"" + value.group(1) + "\") is no anchor of the guide and no section of lab " + lab + "'s chapter");
        }
      }
    }
    assertFalse(references.isEmpty(), "no @Guide found: did the tests move?");
  }

  @Test
  @DisplayName("every solution region's §N.M is a section of lab N's chapter")
  void regionsReferToSections() throws IOException {
    GuideSections guide = GuideSections.read(REPO);
    int regions = 0;
    for (Path file : sources("src/main")) {
      int lab = file.getName(0).toString().charAt(4) - '0';
      Matcher region = REGION.matcher(Files.readString(REPO.resolve(file)));
      while (region.find()) {
        regions++;
        String number = region.group(1) + "." + region.group(2);
        assertEquals(String.valueOf(lab), region.group(1), file + ": §" + number + " is not in lab " + lab + "'s chapter");
        assertTrue(guide.sections().stream().anyMatch(s -> s.number().equals(number)), file + ": no §" + number + " in the guide");
      }
    }
    assertTrue(regions > 0, "no solution region found");
  }

  /** The labs' Java files under {@code src/main} or {@code src/test}, relative to the repository. */
  private static List<Path> sources(String under) throws IOException {
    try (Stream<Path> files = Files.walk(REPO)) {
      return files.map(REPO::relativize)
          .filter(p -> p.toString().matches("lab0\\d-[^/]+/" + under + "/.*\\.java")).sorted().toList();
    }
  }
}
