package containerlabs.handout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("handout regions")
class RegionsTest {
  private static final String BEGIN = "    // BEGIN SOLUTION(do it; §4.4)\n";
  private static final String END = "    // END SOLUTION\n";

  @Test
  @DisplayName("a region becomes one failing call with its text and guide section; the rest stays")
  void stub() {
    String out = Regions.stub("  void f() {\n" + BEGIN + "    work();\n" + END + "  }\n", "F.java", "lab04");
    assertEquals("  void f() {\n    containerlabs.handout.Todo.fail(\"TODO(lab04): do it — see guide §4.4\");\n  }\n", out);
  }

  @Test
  @DisplayName("a region that returns becomes a stub that returns")
  void returning() {
    String out = Regions.stub("  int f() {\n" + BEGIN + "    return 1;\n" + END + "  }\n", "F.java", "lab02");
    assertTrue(out.contains("    return containerlabs.handout.Todo.fail(\"TODO(lab02): do it"), out);
  }

  @Test
  @DisplayName("nested, unterminated, unopened and malformed regions are errors naming the line")
  void errors() {
    assertEquals("F.java:2: a region inside the region of line 1", assertThrows(IllegalArgumentException.class,
        () -> Regions.stub(BEGIN + BEGIN + END + END, "F.java", "lab01")).getMessage());
    assertEquals("F.java:1: BEGIN SOLUTION never ends", assertThrows(IllegalArgumentException.class,
        () -> Regions.stub(BEGIN + "x();\n", "F.java", "lab01")).getMessage());
    assertEquals("F.java:2: END SOLUTION without BEGIN SOLUTION", assertThrows(IllegalArgumentException.class,
        () -> Regions.stub("x();\n" + END, "F.java", "lab01")).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> Regions.stub("// BEGIN SOLUTION\n" + END, "F.java", "lab01")).getMessage().contains("malformed region"));
  }

  @Test
  @DisplayName("a failing stub says what to write, as Todo.Unsolved")
  void todo() {
    assertEquals("TODO(lab01): x", assertThrows(Todo.Unsolved.class, () -> Todo.fail("TODO(lab01): x")).getMessage());
  }
}
