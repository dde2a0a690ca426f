package containerlabs.engine;

import java.io.File;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How the lab starts its init: the same lab again, in a new JVM, with {@code init} and the
 * container's id before the lab's own arguments (runc does the same with {@code runc init}).
 */
final class InitCommand {
  /**
   * A short-lived JVM: start fast, stay small, leave no files in /tmp; and write its
   * messages in UTF-8, though it gets no locale from its almost empty environment.
   */
  private static final List<String> JVM_OPTIONS = List.of(
      "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-XX:-UsePerfData",
      "-Dsun.stdout.encoding=UTF-8", "-Dsun.stderr.encoding=UTF-8");

  private InitCommand() {}

  static List<String> of(Class<?> lab, String id, List<String> labArguments) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_OPTIONS);
    command.add("-cp");
    command.add(classPath(lab));
    command.add(lab.getName());
    command.add("init");
    command.add(id);
    command.addAll(labArguments);
    return command;
  }

  /**
   * The class path the lab was loaded from. Under {@code mvn exec:java} the lab runs in
   * Maven's JVM, whose java.class.path is Maven's own: the project's is its class loader's.
   */
  private static String classPath(Class<?> lab) {
    if (lab.getClassLoader() instanceof URLClassLoader loader) {
      List<String> entries = new ArrayList<>();
      for (URL url : loader.getURLs()) {
        try {
          entries.add(Path.of(url.toURI()).toString());
        } catch (URISyntaxException e) {
          throw new IllegalStateException("class path entry " + url, e);
        }
      }
      return String.join(File.pathSeparator, entries);
    }
    return System.getProperty("java.class.path");
  }
}
