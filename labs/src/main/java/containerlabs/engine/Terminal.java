package containerlabs.engine;

import containerlabs.kernel.Kernel;
import containerlabs.kernel.SyscallException;

/**
 * An interactive run: the terminal sends Ctrl-C (SIGINT) to its foreground process group,
 * which is the lab's. Left so, the JVM would get it too; so the init leads a process group
 * of its own, which gets the terminal while the container runs, and the lab takes it back
 * after, as a shell does with its jobs.
 */
final class Terminal {
  private final boolean interactive = Kernel.inForegroundOfTerminal();

  /** Whether the container gets a process group of its own (and the terminal). */
  boolean interactive() {
    return interactive;
  }

  void giveTo(int pid) {
    if (interactive) {
      try {
        Kernel.giveTerminalTo(pid);
      } catch (SyscallException e) {
        // EPERM: the init has already ended, and its group with it
      }
    }
  }

  void takeBack() {
    if (interactive) {
      Kernel.giveTerminalTo(Kernel.getpgrp());
    }
  }
}
