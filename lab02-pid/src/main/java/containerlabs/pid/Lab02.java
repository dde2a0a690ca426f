package containerlabs.pid;

import containerlabs.engine.Feature;
import containerlabs.uts.Lab01;
import java.util.List;
import picocli.CommandLine.Command;

/** Lab 02: lab 01, and the command is PID 1. */
@Command(name = "lab02-pid", description = "Run COMMAND as PID 1 of a new PID namespace, with its own hostname.")
public class Lab02 extends Lab01 {
  private final PidNamespace pid = new PidNamespace();

  @Override
  protected List<Feature> features() {
    return plus(super.features(), pid);
  }

  public static void main(String... args) {
    main(new Lab02(), args);
  }
}
