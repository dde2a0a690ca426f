package containerlabs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerlabs.engine.Engine;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The shared module's packages depend on each other in one direction only: each can be read
 * (and a learner can find their way) from the bottom up, kernel first. The dependencies are
 * the compiled classes' own, as jdeps reads them from their constant pools.
 */
class PackageCyclesTest {
  private static final Pattern EDGE = Pattern.compile("^\\s+(containerlabs\\S*)\\s+->\\s+(containerlabs\\S*)\\s");

  @Test
  @DisplayName("no package of labs/ depends, through any chain, on a package that depends on it")
  void noCycle() throws Exception {
    Map<String, Set<String>> graph = dependencies();
    assertTrue(graph.containsKey("containerlabs.engine") && graph.containsKey("containerlabs.kernel"), graph::toString);
    List<String> cycles = new ArrayList<>();
    for (var from : graph.entrySet()) {
      for (String to : from.getValue()) {
        List<String> back = path(graph, to, from.getKey());
        if (back != null) {
          cycles.add(from.getKey() + " -> " + String.join(" -> ", back));
        }
      }
    }
    assertEquals(List.of(), cycles, "package cycles");
  }

  /** Each package of labs/'s classes, and the other packages of the project it uses. */
  private static Map<String, Set<String>> dependencies() throws Exception {
    Path classes = Path.of(Engine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    StringWriter out = new StringWriter();
    PrintWriter writer = new PrintWriter(out);
    int status = ToolProvider.findFirst("jdeps").orElseThrow()
        .run(writer, writer, "-verbose:package", "-filter:none", classes.toString());
    writer.flush();
    assertEquals(0, status, out::toString);
    Map<String, Set<String>> graph = new TreeMap<>();
    out.toString().lines().map(EDGE::matcher).filter(Matcher::find).forEach(m -> {
      graph.computeIfAbsent(m.group(1), k -> new TreeSet<>());
      if (!m.group(1).equals(m.group(2))) {
        graph.get(m.group(1)).add(m.group(2));
      }
    });
    return graph;
  }

  /** A chain of dependencies from one package to another (both included), or null if none. */
  private static List<String> path(Map<String, Set<String>> graph, String from, String to) {
    Map<String, String> reachedFrom = new HashMap<>(Map.of(from, from));
    Deque<String> queue = new ArrayDeque<>(List.of(from));
    while (!queue.isEmpty()) {
      String p = queue.remove();
      if (p.equals(to)) {
        List<String> chain = new ArrayList<>(List.of(p));
        for (String q = p; !q.equals(from); q = reachedFrom.get(q)) {
          chain.add(0, reachedFrom.get(q));
        }
        return chain;
      }
      for (String next : graph.getOrDefault(p, Set.of())) {
        if (reachedFrom.putIfAbsent(next, p) == null) {
          queue.add(next);
        }
      }
    }
    return null;
  }
}
