package containerlabs.rootfs;

import containerlabs.engine.Feature;
import containerlabs.mnt.Lab03;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Lab 04: lab 03, in an image's filesystem. */
@Command(name = "lab04-rootfs",
    description = "Run COMMAND as PID 1 with its own hostname, in an image's filesystem.")
public class Lab04 extends Lab03 {
  @Mixin
  protected RootFilesystem rootfs;

  @Override
  protected List<Feature> features() {
    return plus(super.features(), rootfs);
  }

  public static void main(String... args) {
    main(new Lab04(), args);
  }
}
