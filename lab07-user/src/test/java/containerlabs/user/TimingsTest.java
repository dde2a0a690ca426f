package containerlabs.user;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerlabs.cgroups.Lab06;
import containerlabs.testing.LabRunner;
import containerlabs.testing.LabRunner.Result;
import containerlabs.testing.LabTest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * --timings: the table's rows, not its figures (timing belongs in scripts/benchmark.sh). The
 * init's rows come from another process, which leaves them in the state dir: as the host's
 * root (lab 06), and as uid 100000 (lab 07). Lab 06 starts its init early, while it parses
 * (the engine's EarlyInit), and lists the init's boot beside the phases; lab 07 and
 * CONTAINER_LABS_EARLY_INIT=0 start it after.
 */
@LabTest
@Tag("reliability")
@DisplayName("--timings: every phase of a container's life, the init's too")
class TimingsTest {
  private static final List<String> PLAIN = List.of("the lab's JVM, start to main", "parse the options (picocli)",
      "state dir, and what a killed lab left", "prepare, on the host (every feature)",
      "namespaces, then the init started", "the init's JVM, start to main",
      "set-up in the init (mounts, limits, filter)", "the command, to its exit", "clean-up", "total");
  private static final List<String> EARLY = List.of("the lab's JVM, start to main", "parse the options (picocli)",
      "state dir, and what a killed lab left", "prepare, on the host (every feature)",
      "namespaces configured, the init released", "set-up in the init (mounts, limits, filter)",
      "the command, to its exit", "clean-up", "total");
  private static final List<String> BESIDE = List.of("namespaces, then the init started",
      "the init's JVM, start to main", "the init ready (JNA, classes), waiting", "...until the lab released it");
  private static final String[] ARGS = {"--timings", "--net", "none", "-m", "64m", "--", "sh", "-c", "echo out"};

  @Test
  @DisplayName("lab 06: each phase once, in order, the total is their sum, and the init's early boot beside them")
  void lab06() {
    check(LabRunner.of(Lab06.class).run(ARGS), EARLY, BESIDE);
  }

  @Test
  @DisplayName("lab 06 with CONTAINER_LABS_EARLY_INIT=0: the init starts after the lab has prepared")
  void lab06Plain() {
    Result run = LabRunner.finish(LabRunner.of(Lab06.class).startWith(Map.of("CONTAINER_LABS_EARLY_INIT", "0"), ARGS));
    check(run, PLAIN, List.of());
  }

  @Test
  @DisplayName("lab 07: the plain order, with an init that is uid 100000 on the host")
  void lab07() {
    check(LabRunner.of(Lab07.class).run("--timings", "--net", "none", "--", "sh", "-c", "echo out"), PLAIN, List.of());
  }

  private static void check(Result run, List<String> phases, List<String> beside) {
    assertEquals(0, run.exitStatus(), run::toString);
    assertEquals("out", run.out().strip(), "the table goes to stderr, not into the command's output");
    Map<String, Double> rows = new LinkedHashMap<>();
    Map<String, Double> besideRows = new LinkedHashMap<>();
    Map<String, Double> into = rows;
    for (String line : run.stderr().lines().toList()) {
      if (line.startsWith("meanwhile")) {
        into = besideRows;
      } else if (line.startsWith("  ")) {
        int last = line.stripTrailing().lastIndexOf(' ');
        into.put(line.substring(0, last).strip(), Double.parseDouble(line.substring(last + 1)));
      }
    }
    assertEquals(phases, List.copyOf(rows.keySet()), run::toString);
    assertEquals(beside, List.copyOf(besideRows.keySet()), run::toString);
    double sum = rows.entrySet().stream().filter(e -> !e.getKey().equals("total"))
        .mapToDouble(Map.Entry::getValue).sum();
    assertTrue(rows.values().stream().allMatch(v -> v >= 0), run::toString);
    assertTrue(besideRows.values().stream().allMatch(v -> v >= 0), run::toString);
    assertEquals(rows.get("total"), sum, 0.1 * phases.size(), run::toString);
  }
}
