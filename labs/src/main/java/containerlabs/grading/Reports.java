package containerlabs.grading;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * What came back from a test run, read as untrusted data: the submission ran as root where
 * it was written, and could have written anything. Size-capped, XML without DTDs or
 * entities, every field checked; whatever does not add up is said in {@link #problems}.
 */
final class Reports {
  static final int MAX_BYTES = 16 << 20;
  static final int MAX_REASON = 4000;

  /** A test's outcome as reported: passed, or the reason it failed. */
  record Outcome(boolean passed, String reason) {}

  final Map<String, Outcome> outcomes = new LinkedHashMap<>();
  final List<String> problems = new ArrayList<>();
  final Map<String, String> logs = new LinkedHashMap<>();

  static Reports read(byte[] raw) {
    Reports reports = new Reports();
    int end = 0;
    while (end < raw.length && end < MAX_BYTES && raw[end] != 0) {
      end++;
    }
    String text = new String(raw, 0, end, StandardCharsets.UTF_8);
    String[] sections = ("\n" + text).split("\n=== ");
    if (sections.length < 2) {
      reports.problems.add("no reports came back (the run ended before writing them)");
    }
    for (int i = 1; i < sections.length; i++) {
      int newline = sections[i].indexOf('\n');
      String header = newline < 0 ? sections[i] : sections[i].substring(0, newline);
      String body = newline < 0 ? "" : sections[i].substring(newline + 1);
      if (header.startsWith("report ")) {
        reports.parse(header.substring(7), body);
      } else if (header.startsWith("log ")) {
        reports.logs.put(header.substring(4), body);
      } else {
        reports.problems.add("the results hold a section that no grader writes: " + clip(header, 80));
      }
    }
    return reports;
  }

  private void parse(String name, String xml) {
    Document document;
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      factory.setXIncludeAware(false);
      factory.setExpandEntityReferences(false);
      var builder = factory.newDocumentBuilder();
      builder.setErrorHandler(new org.xml.sax.helpers.DefaultHandler()); // said below, not on stderr
      document = builder.parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      problems.add("report " + clip(name, 80) + " is not valid XML: " + clip(String.valueOf(e.getMessage()), 200));
      return;
    }
    NodeList suites = document.getElementsByTagName("testsuite");
    for (int s = 0; s < suites.getLength(); s++) {
      Element suite = (Element) suites.item(s);
      int counted = 0;
      int failed = 0;
      NodeList cases = suite.getElementsByTagName("testcase");
      for (int c = 0; c < cases.getLength(); c++) {
        Element test = (Element) cases.item(c);
        String id = test.getAttribute("classname") + "#" + test.getAttribute("name").replaceAll("\\(.*\\)$", "");
        Outcome outcome = outcome(test);
        counted++;
        failed += outcome.passed() ? 0 : 1;
        Outcome earlier = outcomes.putIfAbsent(id, outcome);
        if (earlier != null && earlier.passed() != outcome.passed()) {
          // Only one run of each test happened: one of these was written by someone else.
          outcomes.put(id, new Outcome(false, "conflicting results were reported for this test"));
          problems.add("conflicting results for " + clip(id, 200) + ": it counts as failed");
        } else if (earlier != null) {
          problems.add("two results for " + clip(id, 200) + ": counted once");
        }
      }
      if (!String.valueOf(counted).equals(suite.getAttribute("tests"))) {
        problems.add("report " + clip(name, 80) + " says " + clip(suite.getAttribute("tests"), 20)
            + " tests but holds " + counted);
      }
      int reportedFailed = number(suite.getAttribute("failures")) + number(suite.getAttribute("errors"))
          + number(suite.getAttribute("skipped"));
      if (reportedFailed != failed) {
        problems.add("report " + clip(name, 80) + " says " + reportedFailed + " tests failed or were skipped but holds " + failed);
      }
    }
  }

  private static Outcome outcome(Element test) {
    for (Node child = test.getFirstChild(); child != null; child = child.getNextSibling()) {
      if (child instanceof Element e) {
        switch (e.getTagName()) {
          case "failure", "error" -> {
            // The trace holds the message with its line breaks (an attribute loses them), then
            // the frames: the message (expected vs actual), then the test's own frames.
            List<String> trace = e.getTextContent().lines().toList();
            int frames = 0;
            while (frames < trace.size() && !trace.get(frames).strip().startsWith("at ")) {
              frames++;
            }
            String message = String.join("\n", trace.subList(0, frames)).replaceFirst("^[\\w.$]+(Error|Exception): ?", "");
            if (message.isBlank()) {
              message = e.getAttribute("message");
            }
            String where = trace.subList(frames, trace.size()).stream().map(String::strip)
                .filter(l -> !l.matches("at (org\\.junit|java\\.|jdk\\.|sun\\.).*")).limit(2)
                .reduce("", (a, b) -> a + "\n" + b);
            return new Outcome(false, clip((message.strip() + where).strip(), MAX_REASON));
          }
          case "skipped" -> {
            return new Outcome(false, "skipped: " + clip(e.getAttribute("message"), 500));
          }
          default -> { }
        }
      }
    }
    return new Outcome(true, "");
  }

  private static int number(String s) {
    try {
      return s.isEmpty() ? 0 : Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  static String clip(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "…";
  }
}
