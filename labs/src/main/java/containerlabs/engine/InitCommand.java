package containerlabs.engine;

import java.io.File;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How the lab starts its init: the same lab again, in a new JVM, with {@code init} and the
 * container's id before the lab's own arguments (runc does the same with {@code runc init}),
 * and after them {@code --} and the container's process (see {@link Container#processArguments()}).
 *
 * @param argv the init's whole command line
 * @param shortForm what --trace shows of it: {@code java ... Lab01 init ID ... -- hostname},
 *     without the JVM's options, the class path and the lab's encoded options
 */
public record InitCommand(List<String> argv, String shortForm) {
  /**
   * A short-lived JVM: start fast, stay small, leave no files in /tmp; and write its
   * messages in UTF-8 (file.encoding: a PrintWriter's default) whatever its locale. The
   * serial collector starts the fewest threads, and a thread counts against --pids-limit once
   * the init joins the cgroup (G1 would start six more; measured as fast, not faster).
   * ArchiveRelocationMode=0 maps a CDS archive where it was made to be, with no relocation.
   * CompileThresholdScaling=10 compiles only what runs ten times as often as by default: in
   * a JVM that lives a tenth of a second, compiling took a third of its CPU time.
   */
  private static final List<String> JVM_OPTIONS = List.of(
      "-XX:TieredStopAtLevel=1", "-XX:CompileThresholdScaling=10", "-Xmx64m", "-XX:+UseSerialGC",
      "-XX:-UsePerfData", "-Xshare:auto",
      "-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0",
      "-Dfile.encoding=UTF-8", "-Dsun.stdout.encoding=UTF-8", "-Dsun.stderr.encoding=UTF-8");

  /**
   * The init's locale. The JVM decodes its arguments and encodes file names with
   * sun.jnu.encoding, which comes from the locale and (since Java 17) from nothing else: with
   * none, "héllo" became "h??llo" and a path with an é could not be a Path at all. C.UTF-8 comes
   * with glibc itself, so every host has it; and only the init gets it: the command's
   * environment is the container's (see {@link Container}).
   */
  public static final String LOCALE = "LC_ALL=C.UTF-8";

  /**
   * In the init's environment, which the lab makes: an init run by hand, outside a new
   * container, would make the host's mounts private and mount over its /proc.
   */
  public static final String MARKER = "CONTAINER_LABS_INIT";

  static InitCommand of(Class<?> lab, Container container, List<String> labArguments) {
    List<String> command = start(lab);
    command.addAll(arguments(container, labArguments));
    String shortForm = "java ... " + lab.getSimpleName() + " init " + container.id() + " ... -- "
        + String.join(" ", container.command());
    return new InitCommand(List.copyOf(command), shortForm);
  }

  /**
   * The engine's early init (see {@link EarlyInit}): {@code init -}, which reads the rest of
   * its command line, {@link #arguments}, from its descriptor 3 once the lab has prepared.
   */
  static InitCommand waiting(Class<?> lab) {
    List<String> command = start(lab);
    command.add(EarlyInit.WAITING);
    return new InitCommand(List.copyOf(command), "java ... " + lab.getSimpleName() + " init -");
  }

  /** What follows {@code init}: the container's id, the lab's arguments, {@code --} and the process. */
  static List<String> arguments(Container container, List<String> labArguments) {
    List<String> arguments = new ArrayList<>();
    arguments.add(container.id());
    arguments.addAll(labArguments);
    arguments.add("--");
    arguments.addAll(container.processArguments());
    return arguments;
  }

  private static List<String> start(Class<?> lab) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_OPTIONS);
    // ./lab runs the lab with a class-data sharing archive of both JVMs' classes, made for
    // this class path: the init maps it too, rather than load and verify each class again.
    String archive = System.getProperty("containerlabs.cds.archive");
    if (archive != null && Files.isReadable(Path.of(archive))) { // a missing one turns sharing off
      command.add("-XX:SharedArchiveFile=" + archive);
      command.add("-Xlog:cds*=off"); // a stale one: no warning into the container's output
    }
    // ...and to make that archive, it first runs one container that lists what both load.
    String classList = System.getProperty("containerlabs.cds.classlist");
    if (classList != null) {
      command.add("-XX:DumpLoadedClassList=" + classList);
    }
    command.add("-cp");
    command.add(classPath(lab));
    command.add(lab.getName());
    command.add("init");
    return command;
  }

  /** Another JVM with the init's options and this one's class path: {@code java ... MAIN ARGUMENTS}. */
  public static List<String> java(Class<?> main, List<String> arguments) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_OPTIONS);
    command.addAll(List.of("-cp", classPath(main), main.getName()));
    command.addAll(arguments);
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
