package containerlabs.handout;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Solution regions in a lab's source:
 * <pre>
 *   // BEGIN SOLUTION(what the learner writes here; §4.4)
 *   …the reference code…
 *   // END SOLUTION
 * </pre>
 * A stub replaces each region with one call that compiles and fails with the region's text.
 */
final class Regions {
  private static final Pattern BEGIN = Pattern.compile("^(\\s*)// BEGIN SOLUTION\\((.+); (§[\\d.]+)\\)\\s*$");
  private static final Pattern END = Pattern.compile("^\\s*// END SOLUTION\\s*$");

  private Regions() {}

  /** The source with every region stubbed; {@code lab} is "lab04". Errors name the file and line. */
  static String stub(String source, String file, String lab) {
    List<String> out = new ArrayList<>();
    String[] lines = source.split("\n", -1);
    Matcher open = null;
    int openLine = 0;
    boolean returns = false;
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      Matcher begin = BEGIN.matcher(line);
      if (line.contains("BEGIN SOLUTION") && !begin.matches()) {
        throw new IllegalArgumentException(file + ":" + (i + 1)
            + ": malformed region: write // BEGIN SOLUTION(what to write; §N.M)");
      }
      if (begin.matches()) {
        if (open != null) {
          throw new IllegalArgumentException(file + ":" + (i + 1) + ": a region inside the region of line " + openLine);
        }
        open = begin;
        openLine = i + 1;
        returns = false;
      } else if (END.matcher(line).matches()) {
        if (open == null) {
          throw new IllegalArgumentException(file + ":" + (i + 1) + ": END SOLUTION without BEGIN SOLUTION");
        }
        out.add(open.group(1) + (returns ? "return " : "") + "containerlabs.handout.Todo.fail(\"TODO(" + lab
            + "): " + open.group(2).replace("\"", "\\\"") + " — see guide " + open.group(3) + "\");");
        open = null;
      } else if (open != null) {
        // A value method's region must return: so does its stub.
        returns |= line.startsWith(open.group(1) + "return ");
      } else {
        out.add(line);
      }
    }
    if (open != null) {
      throw new IllegalArgumentException(file + ":" + openLine + ": BEGIN SOLUTION never ends");
    }
    return String.join("\n", out);
  }

  static boolean hasRegions(String source) {
    return source.contains("// BEGIN SOLUTION");
  }

  /** What each region asks the learner to write, with its guide section: "do it (§4.4)". */
  static List<String> todos(String source) {
    List<String> todos = new ArrayList<>();
    for (String line : source.split("\n")) {
      Matcher begin = BEGIN.matcher(line);
      if (begin.matches()) {
        todos.add(begin.group(2) + " (" + begin.group(3) + ")");
      }
    }
    return todos;
  }
}
