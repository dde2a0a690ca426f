package containerlabs.mnt;

import containerlabs.engine.Feature;
import containerlabs.pid.Lab02;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Lab 03: lab 02, and mounts and IPC objects of its own, with a fresh /proc. */
@Command(name = "lab03-mnt",
    description = "Run COMMAND as PID 1 with its own hostname, mounts, /proc and IPC objects.")
public class Lab03 extends Lab02 {
  private final MountNamespace mnt = new MountNamespace();
  @Mixin
  IpcNamespace ipc;

  @Override
  protected List<Feature> features() {
    return plus(plus(super.features(), mnt), ipc);
  }

  public static void main(String... args) {
    main(new Lab03(), args);
  }
}
