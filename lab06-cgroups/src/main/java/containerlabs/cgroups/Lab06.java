package containerlabs.cgroups;

import containerlabs.engine.Feature;
import containerlabs.net.Lab05;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Lab 06: lab 05, within limits. */
@Command(name = "lab06-cgroups",
    description = "Run COMMAND in an image, as PID 1, with its own hostname and network, within limits.")
public class Lab06 extends Lab05 {
  @Mixin
  Cgroups cgroups;

  /** The cgroup comes first: the init joins it before it does anything else. */
  @Override
  protected List<Feature> features() {
    List<Feature> features = new ArrayList<>(List.of(cgroups));
    features.addAll(super.features());
    rootfs.alsoMount(root -> cgroups.mountOwnView(root));
    return features;
  }

  public static void main(String... args) {
    main(new Lab06(), args);
  }
}
