package containerlabs.learner;

import java.io.File;
import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * {@code ./lab test N}'s report, from the Surefire reports of lab N's tests (Maven itself says
 * only "Tests run: 7"): one line per test, with its display name, PASS or FAIL and its points;
 * under a failure, what was expected and what came, and the guide's section that explains it
 * (the test's {@code @Guide}); last, "Score: a/b" in points. Exits 0 only if every test passed.
 * <pre>  java -cp labs/target/classes containerlabs.learner.TestReport REPO MODULE</pre>
 * Only the JDK: it runs from the shared module's classes, before anything is packaged.
 */
public final class TestReport {
  /** Lines of a failure's message shown; the whole of it is in the Surefire report. */
  private static final int MESSAGE_LINES = 12;

  private record Outcome(String name, String failure, int points, List<String> guide) {}

  private TestReport() {}

  public static void main(String... args) throws Exception {
    Path repo = Path.of(args[0]);
    String module = args[1];
    int lab = module.charAt(4) - '0';
    Path reports = repo.resolve(module).resolve("target/surefire-reports");
    List<Path> files;
    try (Stream<Path> list = Files.exists(reports) ? Files.list(reports) : Stream.empty()) {
      files = list.filter(p -> p.getFileName().toString().matches("TEST-.*\\.xml")).sorted().toList();
    }
    if (files.isEmpty()) {
      System.err.println(module + ": no test ran (no report in " + repo.relativize(reports) + ")");
      System.exit(125);
    }
    GuideSections guide = GuideSections.read(repo);
    List<Outcome> outcomes = new ArrayList<>();
    for (Path file : files) {
      outcomes.addAll(read(file));
    }
    System.out.println(module + ": " + outcomes.size() + " tests");
    int score = 0;
    int total = 0;
    int passed = 0;
    for (Outcome test : outcomes) {
      boolean pass = test.failure() == null;
      total += test.points();
      score += pass ? test.points() : 0;
      passed += pass ? 1 : 0;
      String points = test.points() == 0 ? "-" : (pass ? test.points() : 0) + "/" + test.points();
      System.out.printf("%s %5s  %s%n", pass ? "PASS" : "FAIL", points, test.name());
      if (!pass) {
        message(test.failure()).forEach(line -> System.out.println("            " + line));
        System.out.println("            read: " + sections(guide, test.guide(), lab));
      }
    }
    System.out.println(passed + " of " + outcomes.size() + " tests passed"
        + (passed < outcomes.size() ? "; the whole output of each: " + repo.relativize(reports) : ""));
    System.out.println("Score: " + score + "/" + total);
    System.exit(passed == outcomes.size() ? 0 : 1);
  }

  /** The tests of one report, with the points and guide sections their annotations give. */
  private static List<Outcome> read(Path report) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    Document xml = factory.newDocumentBuilder().parse(report.toFile());
    Class<?> testClass = null;
    NodeList cases = xml.getElementsByTagName("testcase");
    List<Outcome> outcomes = new ArrayList<>();
    for (int i = 0; i < cases.getLength(); i++) {
      Element test = (Element) cases.item(i);
      if (testClass == null) {
        testClass = load(test.getAttribute("classname"), property(xml, "surefire.test.class.path"));
      }
      Method method = method(testClass, test.getAttribute("name"));
      Object points = method == null ? null : annotation(method, "containerlabs.testing.Points");
      Object guide = method == null ? null : annotation(method, "containerlabs.testing.Guide");
      if (guide == null && testClass != null) {
        guide = annotation(testClass, "containerlabs.testing.Guide");
      }
      outcomes.add(new Outcome(test.getAttribute("name"), failure(test), points == null ? 0 : (Integer) points,
          guide == null ? List.of() : Arrays.asList((String[]) guide)));
    }
    return outcomes;
  }

  /** Null if the test passed, else its message ("" if it had none). */
  private static String failure(Element test) {
    for (String kind : List.of("failure", "error", "skipped")) {
      NodeList found = test.getElementsByTagName(kind);
      if (found.getLength() > 0) {
        Element element = (Element) found.item(0);
        String type = element.getAttribute("type");
        String message = element.getAttribute("message");
        if (kind.equals("skipped")) {
          return "skipped" + (message.isEmpty() ? "" : ": " + message);
        }
        // An exception rather than a failed check: its type says more than its message.
        boolean check = type.isEmpty() || type.startsWith("org.opentest4j.") || type.equals("java.lang.AssertionError");
        return check ? message : type.substring(type.lastIndexOf('.') + 1) + ": " + message;
      }
    }
    return null;
  }

  /**
   * A JUnit message is "what the test adds ==> expected: <x> but was: <y>": the comparison
   * first, then the test's own lines (often the lab's output), the first dozen of them.
   */
  private static List<String> message(String failure) {
    List<String> lines = new ArrayList<>();
    String rest = failure;
    int arrow = failure.lastIndexOf(" ==> ");
    if (arrow >= 0) {
      lines.add(failure.substring(arrow + 5));
      rest = failure.substring(0, arrow);
    }
    List<String> own = new ArrayList<>(rest.lines().filter(l -> !l.isBlank()).toList());
    // A heading with nothing under it ("--- stdout:" of a lab that printed nothing) says nothing.
    for (int i = own.size() - 1; i >= 0; i--) {
      boolean heading = own.get(i).matches("--- [\\w ]+:");
      if (heading && (i == own.size() - 1 || own.get(i + 1).matches("--- [\\w ]+:"))) {
        own.remove(i);
      }
    }
    lines.addAll(own.subList(0, Math.min(own.size(), MESSAGE_LINES)));
    if (own.size() > MESSAGE_LINES) {
      lines.add("… (" + (own.size() - MESSAGE_LINES) + " more lines)");
    }
    return lines.isEmpty() ? List.of("(no message)") : lines;
  }

  private static String sections(GuideSections guide, List<String> references, int lab) {
    if (references.isEmpty()) {
      return guide.chapterOfLab(lab).map(c -> c.label() + " (" + GuideSections.source(c) + ")").orElse("the guide");
    }
    List<String> labels = new ArrayList<>();
    String file = null;
    for (String reference : references) {
      var section = guide.find(reference, lab);
      labels.add(section.map(GuideSections.Section::label).orElse(reference));
      file = file != null ? file : section.map(GuideSections::source).orElse(null);
    }
    return String.join(", ", labels) + (file == null ? "" : " (" + file + ")");
  }

  private static String property(Document xml, String name) {
    NodeList properties = xml.getElementsByTagName("property");
    for (int i = 0; i < properties.getLength(); i++) {
      Element property = (Element) properties.item(i);
      if (property.getAttribute("name").equals(name)) {
        return property.getAttribute("value");
      }
    }
    return "";
  }

  /** The test class, from the class path the tests ran with; null if it cannot be loaded. */
  private static Class<?> load(String name, String classPath) {
    try {
      List<URL> urls = new ArrayList<>();
      for (String entry : classPath.split(File.pathSeparator)) {
        if (!entry.isEmpty()) {
          urls.add(Path.of(entry).toUri().toURL());
        }
      }
      ClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
      return Class.forName(name, false, loader);
    } catch (ReflectiveOperationException | java.net.MalformedURLException | LinkageError e) {
      return null;
    }
  }

  /** The test method whose display name (its @DisplayName, else "name()") is this one. */
  private static Method method(Class<?> testClass, String displayName) {
    if (testClass == null) {
      return null;
    }
    for (Method method : testClass.getDeclaredMethods()) {
      Object name = annotation(method, "org.junit.jupiter.api.DisplayName");
      if (displayName.equals(name) || displayName.equals(method.getName() + "()")) {
        return method;
      }
    }
    return null;
  }

  /** The value() of an annotation, found by its type's name: the tests' classes are not on this class path. */
  private static Object annotation(AnnotatedElement element, String type) {
    for (Annotation annotation : element.getAnnotations()) {
      if (annotation.annotationType().getName().equals(type)) {
        try {
          return annotation.annotationType().getMethod("value").invoke(annotation);
        } catch (ReflectiveOperationException e) {
          return null;
        }
      }
    }
    return null;
  }
}
