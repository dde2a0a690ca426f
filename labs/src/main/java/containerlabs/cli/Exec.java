package containerlabs.cli;

import containerlabs.engine.ContainerException;
import containerlabs.engine.Engine;
import containerlabs.engine.ExitStatus;
import containerlabs.engine.InitCommand;
import containerlabs.engine.Running;
import containerlabs.kernel.Kernel;
import containerlabs.kernel.Trace;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code ./lab exec ID -- COMMAND}: run a command inside a running container (see the
 * engine's Join), with the restrictions of the lab that started it, and exit with its status.
 */
@Command(name = "exec", mixinStandardHelpOptions = true,
    description = "Run COMMAND inside the running container ID (./lab ps lists them), as nsenter -t PID -a does.",
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {"  n:the command's own", "125:no such running container, or joining it failed",
        "126:the command cannot be executed", "127:the command was not found in the container"})
public final class Exec implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "ID", description = "The container, as ./lab ps lists it.")
  String id;

  @Parameters(index = "1..*", paramLabel = "COMMAND", arity = "0..*",
      description = "The command to run in it, with its arguments.")
  List<String> command = new ArrayList<>();

  @Mixin
  Tracing tracing;

  public static void main(String... args) {
    System.exit(execute(args));
  }

  /** As the labs end: a failure is one line, "exec: message", with docker's exit status. */
  static int execute(String... args) {
    return new CommandLine(new Exec()).setStopAtPositional(true)
        .setExecutionExceptionHandler((e, commandLine, parseResult) -> {
          PrintWriter err = commandLine.getErr();
          err.println("exec: " + e.getMessage());
          err.flush();
          return e instanceof ContainerException ce ? ce.exitStatus() : ExitStatus.RUNTIME_ERROR;
        }).execute(args);
  }

  @Override
  public Integer call() throws ReflectiveOperationException {
    if (Kernel.geteuid() != 0) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR,
          "must run as root, to join a container's namespaces: sudo ./lab exec " + id + " -- ...");
    }
    if (!command.isEmpty() && command.get(0).equals("--")) {
      command = command.subList(1, command.size()); // after the id, options stop anyway: "--" is for the reader
    }
    if (command.isEmpty()) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR,
          "no command: give one after the id, e.g. ./lab exec " + id + " -- ps");
    }
    Running container = Running.find(id);
    // The features of the lab that started it: theirs are the restrictions its processes have.
    LabCommand lab = (LabCommand) Class.forName(container.lab()).getDeclaredConstructor().newInstance();
    new CommandLine(lab); // creates the lab's option holders, its features among them
    if (tracing.trace) {
      Trace.enable("exec", System.err);
    }
    try {
      List<String> again = new ArrayList<>(tracing.trace ? List.of("--trace", id, "--") : List.of(id, "--"));
      again.addAll(command);
      return new Engine(lab.features()).exec(container, command, InitCommand.java(Exec.class, again));
    } finally {
      Trace.disable();
    }
  }
}
