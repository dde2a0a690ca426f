package containerlabs.grading;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerlabs.image.ImageStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a submission's run can see: its own sources, never through a link, and nothing of the reference's labs. */
class StageTest {
  private static final Path REFERENCE = Path.of("..").toAbsolutePath().normalize();

  /** A built reference as the grader finds it, its labs' jars included (they must stay out). */
  private static Path builtReference() throws Exception {
    Path reference = Files.createTempDirectory("reference");
    Path test = Path.of("lab01-uts/src/test/java/containerlabs/uts/UtsNamespaceTest.java");
    Files.createDirectories(reference.resolve(test).getParent());
    Files.copy(REFERENCE.resolve(test), reference.resolve(test));
    Files.createDirectories(reference.resolve("labs/target/grading-lib"));
    Files.createDirectories(reference.resolve("lab01-uts/target/lib"));
    for (String jar : List.of("labs/target/labs.jar", "labs/target/labs-tests.jar", "labs/target/grading-lib/jna.jar",
        "lab01-uts/target/lab01-uts.jar", "lab01-uts/target/lib/labs.jar")) {
      Files.writeString(reference.resolve(jar), "a jar");
    }
    return reference;
  }

  @Test
  void onlyTheSubmissionsSourcesAndLinksNeverFollowed() throws Exception {
    Path reference = builtReference();
    Path submission = Files.createTempDirectory("submission");
    Path uts = Files.createDirectories(submission.resolve("lab01-uts/src/main/java/containerlabs/uts"));
    Files.writeString(uts.resolve("Lab01.java"), "class Lab01 {}");
    Path solution = REFERENCE.resolve("lab01-uts/src/main/java/containerlabs/uts/UtsNamespace.java");
    Files.createSymbolicLink(uts.resolve("UtsNamespace.java"), solution);
    Files.createDirectories(submission.resolve("lab01-uts/src/test/java"));
    Files.writeString(submission.resolve("lab01-uts/src/test/java/Forged.java"), "class Forged {}");
    Files.createDirectories(submission.resolve("docs"));
    Files.writeString(submission.resolve("docs/pom.xml"), "<project/>");
    Catalog catalog = Catalog.read(reference);
    Stage stage = Stage.create();
    try {
      stage.assemble(reference, submission, catalog, List.of("lab01-uts"));
      Path staged = stage.dir.resolve("grading/lab01-uts/src/main/java/containerlabs/uts");
      assertEquals("class Lab01 {}", Files.readString(staged.resolve("Lab01.java")));
      assertTrue(Files.isSymbolicLink(staged.resolve("UtsNamespace.java")));
      assertEquals(solution, Files.readSymbolicLink(staged.resolve("UtsNamespace.java")));
      assertTrue(stage.notes.get(0).startsWith("a link, copied as a link (not followed)"), stage.notes.toString());
      assertFalse(Files.exists(stage.dir.resolve("grading/lab01-uts/src/test/java/Forged.java")));
      assertTrue(Files.exists(stage.dir.resolve("grading/lab01-uts/src/test/java/containerlabs/uts/UtsNamespaceTest.java")));
      assertFalse(Files.exists(stage.dir.resolve("grading/docs"), LinkOption.NOFOLLOW_LINKS));
      try (var files = Files.walk(stage.dir.resolve("grading/lib"))) {
        assertEquals(List.of("jna.jar", "labs-tests.jar", "labs.jar"),
            files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList());
      }
      assertTrue(Files.readString(stage.dir.resolve("run-tests"))
          .contains("--select-method=containerlabs.uts.UtsNamespaceTest#ownHostname"));
    } finally {
      stage.delete();
      ImageStore.deleteTree(submission);
      ImageStore.deleteTree(reference);
    }
    assertTrue(Files.exists(solution), "deleting the stage followed the link");
  }

  @Test
  void theCatalogueLeavesOutInProcessAndReliabilityTests() {
    Catalog catalog = Catalog.read(REFERENCE);
    assertTrue(catalog.entries().stream().noneMatch(e -> e.method().equals("inProcess")));
    assertTrue(catalog.entries().stream().noneMatch(e -> e.className().contains("HostileContainer")));
    assertTrue(catalog.entries().stream().anyMatch(e -> e.id().equals("containerlabs.uts.UtsNamespaceTest#ownHostname")
        && e.points() == 2));
  }
}
