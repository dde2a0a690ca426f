package containerlabs.cli;

import containerlabs.engine.Engine;
import containerlabs.kernel.Kernel;
import containerlabs.kernel.Trace;
import containerlabs.tool.Tool;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code ./lab clean}: clean up after every container whose lab was killed (SIGKILL, a
 * crash, a closed VM), with the clean-ups of the lab named, which should be the last one.
 * Any lab's next run does the same first; this is for when no run is coming.
 */
@Command(name = "clean", mixinStandardHelpOptions = true,
    description = "Remove what containers whose lab has gone left behind: mounts, layers, devices, cgroups, state.")
public final class CleanUp implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "LAB", description = "The lab's main class, e.g. containerlabs.cgroups.Lab06.")
  String labClass;

  @Mixin
  Tracing tracing;

  public static void main(String... args) {
    Tool.main("clean", new CleanUp(), args);
  }

  @Override
  public Integer call() throws ReflectiveOperationException {
    if (Kernel.geteuid() != 0) {
      throw new IllegalStateException("must run as root, as the labs do: sudo ./lab clean");
    }
    LabCommand lab = (LabCommand) Class.forName(labClass).getDeclaredConstructor().newInstance();
    new CommandLine(lab); // creates the lab's option holders, its features among them
    if (tracing.trace) {
      Trace.enable("clean", System.err);
    }
    List<String> reaped = new Engine(lab.features()).reapAbandoned();
    System.out.println(reaped.isEmpty() ? "nothing to clean up"
        : "cleaned up after " + reaped.size() + " container(s) whose lab had gone: " + String.join(" ", reaped));
    return 0;
  }
}
