package containerlabs.user;

import containerlabs.cgroups.Lab06;
import containerlabs.engine.Feature;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Lab 07: lab 06, as a root that is nobody on the host. */
@Command(name = "lab07-user", description = "Run COMMAND in an image, as PID 1, with its own hostname"
    + " and network, within limits, as a root that is an unprivileged uid on the host.")
public class Lab07 extends Lab06 {
  @Mixin
  UserNamespace userns;

  /**
   * Last: its prepare() gives the container's root what the earlier labs made. In a user
   * namespace the image's layers are read from their copy under the mapped ids, and overlayfs
   * keeps its own notes in user.* attributes (trusted.* ones are the host root's alone).
   */
  @Override
  protected List<Feature> features() {
    List<Feature> features = plus(super.features(), userns);
    if (userns.enabled()) {
      rootfs.readImageLayers(userns::imageLayer, ",userxattr");
    }
    return features;
  }

  public static void main(String... args) {
    main(new Lab07(), args);
  }
}
