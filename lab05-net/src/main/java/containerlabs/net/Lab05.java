package containerlabs.net;

import containerlabs.engine.Feature;
import containerlabs.rootfs.Lab04;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Lab 05: lab 04, with a network of its own. */
@Command(name = "lab05-net",
    description = "Run COMMAND in an image, as PID 1, with its own hostname and network.")
public class Lab05 extends Lab04 {
  @Mixin
  Network network;

  @Override
  protected List<Feature> features() {
    return plus(super.features(), network);
  }

  public static void main(String... args) {
    main(new Lab05(), args);
  }
}
