package containerlabs.grading;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a submission's run sends back is read as hostile input: these are its tricks. */
class ReportsTest {
  private static final String PASS = "<testcase name=\"a()\" classname=\"x.ATest\"/>";
  private static final String FAIL = "<testcase name=\"b()\" classname=\"x.ATest\">"
      + "<failure message=\"expected: &lt;box&gt; but was: &lt;host&gt;\" type=\"AssertionFailedError\">"
      + "org.opentest4j.AssertionFailedError: exit status 1\n--- stderr:\nno\n ==&gt; expected: &lt;box&gt; but was: &lt;host&gt;\n"
      + "\tat org.junit.jupiter.api.AssertionFailureBuilder.build(AssertionFailureBuilder.java:151)\n"
      + "\tat x.ATest.b(ATest.java:3)\n</failure></testcase>";

  private static Reports read(String text) {
    return Reports.read(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String suite(int tests, int failures, String... cases) {
    return "<testsuite tests=\"" + tests + "\" failures=\"" + failures + "\" errors=\"0\" skipped=\"0\">"
        + String.join("", cases) + "</testsuite>\n";
  }

  @Test
  void passAndFailWithTheAssertionMessage() {
    Reports r = read("=== report TEST-a.xml\n" + suite(2, 1, PASS, FAIL) + "=== log tests.log\nran\n");
    assertTrue(r.outcomes.get("x.ATest#a").passed());
    assertFalse(r.outcomes.get("x.ATest#b").passed());
    // The whole message, line breaks kept, then the test's own frame (JUnit's are left out).
    assertEquals("exit status 1\n--- stderr:\nno\n ==> expected: <box> but was: <host>\nat x.ATest.b(ATest.java:3)",
        r.outcomes.get("x.ATest#b").reason());
    assertEquals(List.of(), r.problems);
  }

  @Test
  void aForgedSecondReportThatContradictsCountsAsFailed() {
    String forged = "=== report TEST-0.xml\n" + suite(1, 0, FAIL.replace("<failure", "<x").replace("</failure>", "</x>"));
    Reports r = read(forged + "=== report TEST-a.xml\n" + suite(2, 1, PASS, FAIL));
    assertFalse(r.outcomes.get("x.ATest#b").passed());
    assertTrue(r.problems.stream().anyMatch(p -> p.startsWith("conflicting results for x.ATest#b")), r.problems.toString());
  }

  @Test
  void countsThatDoNotAddUpAreSaid() {
    Reports r = read("=== report TEST-a.xml\n" + suite(5, 0, PASS));
    assertTrue(r.problems.stream().anyMatch(p -> p.contains("says 5 tests but holds 1")), r.problems.toString());
  }

  @Test
  void noDoctypeNoEntities() {
    String xxe = "<?xml version=\"1.0\"?><!DOCTYPE t [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
        + suite(1, 0, PASS.replace("a()", "&e;"));
    Reports r = read("=== report TEST-a.xml\n" + xxe);
    assertTrue(r.outcomes.isEmpty());
    assertTrue(r.problems.get(0).contains("is not valid XML"), r.problems.toString());
  }

  @Test
  void garbageAndEmptyAndUnknownSections() {
    assertTrue(read("").problems.get(0).startsWith("no reports came back"));
    assertTrue(read("=== report x\n<<<not xml").problems.get(0).contains("not valid XML"));
    assertTrue(read("=== score 70/70\n").problems.get(0).contains("a section that no grader writes"));
  }

  @Test
  void readsOnlyUpToTheFirstNulOfTheDisk() {
    byte[] disk = new byte[1 << 16];
    byte[] text = ("=== report TEST-a.xml\n" + suite(1, 0, PASS)).getBytes(StandardCharsets.UTF_8);
    System.arraycopy(text, 0, disk, 0, text.length);
    byte[] after = ("=== report TEST-b.xml\n" + suite(1, 0, FAIL)).getBytes(StandardCharsets.UTF_8);
    System.arraycopy(after, 0, disk, text.length + 10, after.length);
    Reports r = Reports.read(disk);
    assertEquals(1, r.outcomes.size());
  }
}
