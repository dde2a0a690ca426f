package containerlabs.seccomp;

import containerlabs.engine.Feature;
import containerlabs.user.Lab07;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Lab 08: lab 07, with the system calls a container does not need refused. */
@Command(name = "lab08-seccomp", description = "Run COMMAND in an image, as PID 1, with its own hostname"
    + " and network, within limits, as a root that is an unprivileged uid on the host, with a"
    + " seccomp filter that refuses the system calls a container does not need.")
public class Lab08 extends Lab07 {
  @Mixin
  SyscallFilter seccomp;

  /** Last: its filter is the init's last step before execve, after every call the others make. */
  @Override
  protected List<Feature> features() {
    return plus(super.features(), seccomp);
  }

  public static void main(String... args) {
    main(new Lab08(), args);
  }
}
