package containerlabs.grading;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerlabs.image.ImageStore;
import java.io.IOException;
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

  /**
   * A grader stopped (SIGTERM) while it copies: its shutdown hook deletes the stage while the
   * main thread goes on copying. Before the lock, the copy re-created folders behind the delete,
   * or the two deletes tripped over each other, and part of the stage stayed (CI, session 6).
   */
  @Test
  void aStopWhileAssemblingLeavesNoStage() throws Exception {
    Path reference = builtReference();
    Path submission = Files.createTempDirectory("submission");
    Path uts = Files.createDirectories(submission.resolve("lab01-uts/src/main/java/containerlabs/uts"));
    for (int i = 0; i < 2000; i++) {
      Files.writeString(uts.resolve("C" + i + ".java"), "class C" + i + " {}");
    }
    try {
      Catalog catalog = Catalog.read(reference);
      for (int delayMs : List.of(0, 1, 5, 20)) {
        Stage stage = Stage.create();
        Thread main = new Thread(() -> {
          try {
            stage.assemble(reference, submission, catalog, List.of("lab01-uts"));
          } catch (IOException e) {
            // the stop came first: refused, as it should be
          }
        });
        main.start();
        Thread.sleep(delayMs);
        stage.delete();
        main.join();
        stage.delete();
        assertFalse(Files.exists(stage.dir, LinkOption.NOFOLLOW_LINKS), "stage left after a stop at " + delayMs + " ms");
      }
    } finally {
      ImageStore.deleteTree(submission);
      ImageStore.deleteTree(reference);
    }
  }

  /** What runs on the stage (the VM script and what it started) ends before the stage goes. */
  @Test
  void deleteEndsWhatRunsOnTheStage() throws Exception {
    Stage stage = Stage.create();
    Path child = stage.dir.resolve("child");
    Process started = stage.start(new ProcessBuilder("sh", "-c",
        "sleep 300 & echo $! > " + child + ".tmp && mv " + child + ".tmp " + child + "; wait"));
    for (int i = 0; i < 100 && !Files.exists(child); i++) {
      Thread.sleep(50);
    }
    long sleeper = Long.parseLong(Files.readString(child).trim());
    stage.delete();
    assertFalse(started.isAlive(), "the stage's process survived");
    assertTrue(ended(sleeper), "its child survived");
    assertFalse(Files.exists(stage.dir, LinkOption.NOFOLLOW_LINKS));
    assertThrows(IOException.class, () -> stage.start(new ProcessBuilder("true")), "a process started after the stop");
  }

  /** Gone, or a zombie: killed, and waiting only for whoever it was re-parented to (here PID 1) to reap it. */
  private static boolean ended(long pid) throws IOException {
    Path stat = Path.of("/proc/" + pid + "/stat");
    for (int i = 0; i < 50 && Files.exists(stat); i++) {
      try {
        String text = Files.readString(stat);
        if (text.charAt(text.lastIndexOf(')') + 2) == 'Z') {
          return true;
        }
        Thread.sleep(20); // SIGKILL is delivered, not instant
      } catch (java.nio.file.NoSuchFileException | InterruptedException e) {
        return true;
      }
    }
    return !Files.exists(stat);
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
