package containerlabs.grading;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The score comes from the grader's catalogue, never from what the run claims. */
class ResultTest {
  private final Catalog catalog = new Catalog(List.of(
      new Catalog.Entry("lab01-uts", "x.ATest", "a", "a works", 2),
      new Catalog.Entry("lab01-uts", "x.ATest", "b", "b works", 1),
      new Catalog.Entry("lab02-pid", "y.BTest", "c", "c works", 3)));

  private Result result(String reports) {
    return Result.of("learner", catalog, Reports.read(reports.getBytes(StandardCharsets.UTF_8)), List.of(), 1);
  }

  @Test
  void unknownTestsScoreNothingAndMissingOnesFail() {
    Result r = result("=== report r\n<testsuite tests=\"2\" failures=\"0\">"
        + "<testcase name=\"a()\" classname=\"x.ATest\"/><testcase name=\"bonus()\" classname=\"x.ATest\"/></testsuite>");
    assertEquals(2, r.score());
    assertEquals(6, r.total());
    assertTrue(r.notes().contains("1 results for tests the catalogue does not list: they count for nothing"), r.notes().toString());
    assertTrue(r.text().contains("lab01-uts: b works: FAIL\n    no result: it did not run"), r.text());
    assertTrue(r.text().contains("lab01-uts: 2/3\nlab02-pid: 0/3\n"), r.text());
  }

  @Test
  void aCompileErrorIsTheReasonGiven() {
    Result r = result("=== log javac-lab02-pid.log\n/grading/lab02-pid/src/main/java/y/B.java:3: error: ';' expected\n"
        + "GRADING: lab02-pid does not compile\n");
    assertTrue(r.text().contains("c works: FAIL\n    no result: it did not run (lab02-pid does not compile\n"
        + "    lab02-pid/src/main/java/y/B.java:3: error: ';' expected)"), r.text());
  }

  @Test
  void csvIsQuotedAsRfc4180Says() {
    assertEquals("\"a,b\",\"say \"\"hi\"\"\",\"x\ny\"\r\n", Csv.row("a,b", "say \"hi\"", "x\ny"));
  }

  @Test
  void gradescopeSchema() {
    String json = result("").gradescope();
    assertTrue(json.contains("\"score\": 0"), json);
    assertTrue(json.contains("{\"name\": \"lab01-uts: a works\", \"score\": 0, \"max_score\": 2, \"status\": \"failed\""), json);
    assertTrue(json.contains("\"visibility\": \"visible\""), json);
  }
}
