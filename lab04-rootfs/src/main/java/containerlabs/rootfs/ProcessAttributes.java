package containerlabs.rootfs;

import containerlabs.kernel.Kernel;

/**
 * What the command inherits from the init that no namespace covers, set as runc sets it.
 */
// tag::attributes[]
final class ProcessAttributes {
  /**
   * The open-file limit: soft 1024, because select() cannot watch a descriptor above 1023 and
   * older programs still use it; hard 524288, so that a server that needs more raises its own
   * soft limit (the JVM does at start), but never above the lab's own. systemd gives services
   * the same pair; runc's default spec gives 1024:1024, Docker 1048576:1048576.
   */
  static final long OPEN_FILES = 1024;
  static final long OPEN_FILES_CEILING = 524288;

  private ProcessAttributes() {}

  static void setFor(String containerId) {
    // Keys are not namespaced. The init's session keyring is the host's, and it links root's
    // user keyring: every key in it is "possessed", readable. A new, empty session keyring
    // leaves root in the container only the permissions the keys give strangers.
    Kernel.joinNewSessionKeyring(containerId);

    // A setuid program, or one with file capabilities, gains privileges when it is executed.
    // no_new_privs stops that for the command and everything it starts: nothing can undo it.
    Kernel.setNoNewPrivileges();

    // Lowering a limit is always allowed; raising the ceiling would take CAP_SYS_RESOURCE, and
    // a container should not get more than the lab that starts it anyway.
    long ceiling = Math.min(OPEN_FILES_CEILING, Kernel.openFileCeiling());
    Kernel.setOpenFileLimit(Math.min(OPEN_FILES, ceiling), ceiling);
  }
}
// end::attributes[]
