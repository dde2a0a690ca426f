package containerlabs.cli;

import containerlabs.engine.Container;
import containerlabs.engine.ContainerException;
import containerlabs.engine.EarlyInit;
import containerlabs.engine.Engine;
import containerlabs.engine.ExitStatus;
import containerlabs.engine.Feature;
import containerlabs.engine.InitCommand;
import containerlabs.engine.Timings;
import containerlabs.kernel.Architecture;
import containerlabs.kernel.Kernel;
import containerlabs.kernel.SyscallException;
import containerlabs.kernel.Trace;
import containerlabs.tool.Version;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * What every lab's command line shares: the command to run, {@code --trace}, the root check,
 * and errors as one line with docker's exit statuses. A lab adds its features.
 */
@Command(mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
    usageHelpAutoWidth = true,
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
        "  n:the command's own exit status (128+n if a signal n killed it)",
        "  2:the options are wrong",
        "125:the lab failed (it says why)",
        "126:the command cannot be executed",
        "127:the command was not found"})
public abstract class LabCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  Tracing tracing;

  @Parameters(paramLabel = "COMMAND", arity = "0..*",
      description = "The command to run in the container, with its arguments (default: /bin/sh;"
          + " from lab 04 on, the image's command).")
  List<String> command = new ArrayList<>();

  /** The engine's start-up trick: an init already booting (see EarlyInit), or null. */
  private EarlyInit early;

  /** This lab's features, the earlier labs' first. */
  protected abstract List<Feature> features();

  /** The earlier lab's features, then this lab's own. */
  protected static List<Feature> plus(List<Feature> earlier, Feature added) {
    List<Feature> features = new ArrayList<>(earlier);
    features.add(added);
    return List.copyOf(features);
  }

  /** Run a lab as its main method does: parse, run, and exit with the container's status. */
  public static void main(LabCommand lab, String... args) {
    System.exit(execute(lab, args));
  }

  /** Run a lab, or its init when the first argument is {@code init}, and return the exit status. */
  public static int execute(LabCommand lab, String... args) {
    if (args.length >= 2 && args[0].equals("init")) {
      if (args.length == 2 && args[1].equals(EarlyInit.WAITING) && System.getenv(InitCommand.MARKER) != null) {
        try {
          List<String> released = EarlyInit.awaitArguments();
          if (released == null) {
            return ExitStatus.RUNTIME_ERROR; // the lab ended first, and did not start this container
          }
          args = released.toArray(String[]::new);
        } catch (IOException e) {
          return failed(new UncheckedIOException(e), new PrintWriter(System.err, true), "init");
        }
      } else {
        Timings.startInit(args[1]);
      }
      return lab.init(args[1], Arrays.asList(args).subList(2, args.length));
    }
    Timings.mark("the lab's JVM, start to main");
    lab.early = EarlyInit.startFor(lab, args); // its JVM boots while picocli parses (see there)
    try {
      CommandLine commandLine = new CommandLine(lab)
          .setStopAtPositional(true) // lab01-uts ls -l: -l belongs to ls
          .setExecutionExceptionHandler((e, cl, parseResult) -> failed(e, cl.getErr(), cl.getCommandName()));
      return commandLine.execute(args);
    } finally {
      if (lab.early != null) {
        lab.early.cancel(); // the options were wrong, or --help: it never starts a container
      }
    }
  }

  @Override
  public Integer call() {
    Timings.mark("parse the options (picocli)");
    Timings.keep(tracing.timings);
    String unsupported = Architecture.refusal(); // before JNA, which may have no native half here
    if (unsupported != null) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, unsupported);
    }
    if (Kernel.geteuid() != 0) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "must run as root, to create"
          + " namespaces (CAP_SYS_ADMIN): run the same command with sudo in front");
    }
    if (tracing.trace) {
      Trace.enable("lab", System.err);
    }
    try {
      // No command given: a feature may choose one (lab 04: the image's), else the engine runs /bin/sh.
      Container container = Container.create(command);
      // The init is told the lab's name for its messages: it reads no annotation (see InitArguments).
      List<String> arguments = new ArrayList<>(List.of(spec.name()));
      arguments.addAll(InitArguments.encode(spec));
      int status = new Engine(features()).run(container, getClass(), arguments, early);
      Timings.print(spec.commandLine().getErr());
      return status;
    } finally {
      Trace.disable();
    }
  }

  /**
   * The init: no command-line parsing here, see {@link InitArguments}. Nor any picocli class:
   * its classes are in Java 5's format, and verifying one needs libverify.so, which the JVM
   * can no longer load once the init has pivoted into the image.
   */
  private int init(String id, List<String> arguments) {
    if (System.getenv(InitCommand.MARKER) == null) { // run by hand, on the host: annotations are safe
      return failed(new ContainerException(ExitStatus.RUNTIME_ERROR, "'init' is the lab's own first"
          + " step inside a new container, not a command: run the lab without it"),
          new PrintWriter(System.err, true), getClass().getAnnotation(Command.class).name());
    }
    String name = arguments.get(0);
    try {
      List<String> process = InitArguments.decode(this, arguments.subList(1, arguments.size()));
      if (tracing.trace) {
        Trace.enable("init", System.err);
      }
      new Engine(features()).init(Container.inInit(id, process));
      return ExitStatus.RUNTIME_ERROR; // init() returns only by throwing
    } catch (Exception e) {
      return failed(e, new PrintWriter(System.err, true), name);
    }
  }

  private static int failed(Exception e, PrintWriter err, String name) {
    if (e instanceof ContainerException ce) {
      err.println(name + ": " + ce.getMessage());
      err.flush();
      return ce.exitStatus();
    }
    if (e instanceof SyscallException) {
      err.println(name + ": " + e.getMessage());
      err.flush();
      return ExitStatus.RUNTIME_ERROR;
    }
    err.println(name + ": internal error: " + e + " (please report it, with the output of --trace)");
    if (Trace.enabled()) {
      e.printStackTrace(err);
    }
    err.flush();
    return ExitStatus.RUNTIME_ERROR;
  }
}
