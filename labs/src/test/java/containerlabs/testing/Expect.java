package containerlabs.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;

/**
 * Assertions whose failure says what was expected, then what was there: a learner reads the
 * message in the grade report ("no pivot_root in the trace"), not a wall of output.
 */
public final class Expect {
  private Expect() {}

  /** {@code text} (called {@code what}) contains {@code expected}. */
  public static void contains(String what, String text, String expected) {
    if (!text.contains(expected)) {
      fail("no «" + expected.strip() + "» in " + what + "; it was:\n" + text);
    }
  }

  /** {@code text} (called {@code what}) has a match for {@code regex}, a whole-text pattern as String.matches takes. */
  public static void matches(String what, String text, String regex) {
    if (!text.matches(regex)) {
      fail("nothing like «" + readable(regex) + "» in " + what + "; it was:\n" + text);
    }
  }

  /** The same items, in any order: what is missing and what is extra, if not. */
  public static void sameItems(String what, List<String> expected, List<String> actual) {
    List<String> missing = new ArrayList<>(expected);
    missing.removeAll(actual);
    List<String> extra = new ArrayList<>(actual);
    extra.removeAll(expected);
    if (!missing.isEmpty() || !extra.isEmpty()) {
      fail(what + ": " + (missing.isEmpty() ? "" : "missing " + String.join(", ", missing))
          + (missing.isEmpty() || extra.isEmpty() ? "" : "; ")
          + (extra.isEmpty() ? "" : "not expected " + String.join(", ", extra)) + "\nexpected: " + expected
          + "\nbut was:  " + actual);
    }
  }

  /** A pattern as a learner would read it: no (?s).* around it, no escapes. */
  static String readable(String regex) {
    return regex.replaceAll("^\\(\\?s\\)\\.\\*", "").replaceAll("\\.\\*$", "").replace("\n", "")
        .replaceAll("\\\\(.)", "$1").replace(" +", " ").strip();
  }
}
