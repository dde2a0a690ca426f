package containerlabs.uts;

import containerlabs.cli.LabCommand;
import containerlabs.engine.Feature;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Lab 01: run a command with a hostname of its own. */
@Command(name = "lab01-uts", description = "Run COMMAND in a new UTS namespace: a hostname of its own.")
public class Lab01 extends LabCommand {
  @Mixin
  UtsNamespace uts;

  @Override
  protected List<Feature> features() {
    return List.of(uts);
  }

  public static void main(String... args) {
    LabCommand.main(new Lab01(), args);
  }
}
