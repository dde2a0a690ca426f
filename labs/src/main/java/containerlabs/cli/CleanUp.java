package containerlabs.cli;

import containerlabs.engine.Engine;
import containerlabs.kernel.Kernel;
import containerlabs.kernel.Trace;
import containerlabs.tool.Tool;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code ./lab clean}: clean up after every container whose lab was killed (SIGKILL, a
 * crash, a closed VM): all that its state dir records as made on the host, whichever lab
 * made it, and the clean-ups of the lab named. Any lab's next run does the same first; this
 * is for when no run is coming. Then it looks for orphans that no state dir records any
 * more (nft elements, cgroups, lab* devices, layers), and removes those too: one line for
 * each thing removed.
 */
@Command(name = "clean", mixinStandardHelpOptions = true,
    description = "Remove what containers whose lab has gone left behind: layers, devices, published ports, cgroups, state.")
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
    Map<String, List<String>> reaped = new Engine(lab.features()).reapAbandoned();
    reaped.forEach((id, removed) -> removed.forEach(line -> System.out.println(id + ": " + line)));
    List<String> orphans = Engine.removeOrphans();
    orphans.forEach(System.out::println);
    if (reaped.isEmpty() && orphans.isEmpty()) {
      System.out.println("nothing to clean up");
    } else {
      System.out.println("cleaned up after " + reaped.size() + " container(s) whose lab had gone"
          + (reaped.isEmpty() ? "" : ": " + String.join(" ", reaped.keySet()))
          + (orphans.isEmpty() ? "" : "; " + orphans.size() + " orphan(s) that no state dir recorded"));
    }
    return 0;
  }
}
