package containerlabs.handout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerlabs.image.ImageStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A handout is what learners get: the starter code, never the instructor's answers or grades. */
class HandoutTest {
  @Test
  void leavesOutTheAnswersAndTheGrades() throws Exception {
    Path repo = Path.of("..").toAbsolutePath().normalize();
    assertTrue(Files.exists(repo.resolve(Handout.ANSWERS)), "the reference has its answers appendix");
    Path grades = repo.resolve("grades/someone");
    boolean madeGrades = !Files.exists(grades);
    Files.createDirectories(grades);
    Path target = Files.createTempDirectory("handout").resolve("starter");
    try {
      Process handout = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), Handout.class.getName(), "1", target.toString())
          .directory(repo.toFile()).redirectErrorStream(true).start();
      String out = new String(handout.getInputStream().readAllBytes());
      assertEquals(0, handout.waitFor(), out);
      assertTrue(Files.exists(target.resolve("lab01-uts/pom.xml")));
      assertFalse(Files.exists(target.resolve(Handout.ANSWERS)));
      assertFalse(Files.exists(target.resolve("grades")));
    } finally {
      ImageStore.deleteTree(target.getParent());
      if (madeGrades) {
        ImageStore.deleteTree(repo.resolve("grades"));
      }
    }
  }
}
