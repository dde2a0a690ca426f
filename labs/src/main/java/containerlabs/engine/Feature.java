package containerlabs.engine;

import java.util.List;

/**
 * One isolation feature: what one lab adds. The {@link Engine} calls these hooks in the
 * container's lifecycle order; a feature implements only the ones its idea needs.
 *
 * <pre>
 *  lab (host)              container thread            init (child process)
 *  prepare() ───────────▶ unshare(namespaces())
 *                          configureNamespaces() ───▶ initContainer()
 *                                                      execve(command)
 *  finished()
 *  cleanUp()  ◀─────────── waitpid()  ◀────────────── command exits
 * </pre>
 */
public interface Feature {

  /** The CLONE_NEW* flags of the namespaces this feature needs (see CloneFlags). */
  default int namespaces() {
    return 0;
  }

  /** On the host, before the container exists: check options, create host resources. */
  default void prepare(Container container) {}

  /**
   * On the container's own thread, which is already in the new namespaces, just before it
   * starts the init. What is done here is what the init inherits.
   */
  default void configureNamespaces(Container container) {}

  /**
   * In the init, inside every namespace, before the command replaces it. The init is a second
   * JVM, with features of its own: their option fields are set (decoded from the init's
   * arguments, see the CLI's {@code InitArguments}), but no field that {@link #prepare} or
   * {@link #configureNamespaces} set in the lab's JVM. What the init needs of prepare's work,
   * prepare writes into the container's state directory, which the init finds by its id.
   */
  default void initContainer(Container container) {}

  /**
   * Lab 07: a JVM cannot make a user namespace (it has threads), so a feature may make the
   * container's namespaces outside it. On the container's thread, instead of its unshare:
   * return true if this feature has made them, and moved this thread into those that
   * {@link #configureNamespaces} configures.
   */
  default boolean makeNamespaces(Container container, int namespaces) {
    return false;
  }

  /** Lab 07: the command line that starts the init, for a feature to start it some other way. */
  default List<String> launchInit(Container container, List<String> argv) {
    return argv;
  }

  /**
   * ./lab exec, on its thread that has joined the running container's namespaces, just before
   * it starts a command there: what the init did to itself that no namespace carries (a
   * capability bounding set, no_new_privs), done again, so that the command gets no more than
   * the container's own processes have. The thread ends once the command has started.
   */
  default void joinContainer(Container container) {}

  /**
   * Lab 07, ./lab exec into a container with a user namespace of its own, which no JVM may
   * join (it has threads): the command line that starts {@code again} (a second ./lab exec
   * JVM, which then joins the other namespaces) inside it, or {@code again} itself if this
   * feature made no user namespace.
   */
  default List<String> launchJoin(Running target, List<String> again) {
    return again;
  }

  /** On the host, once the container has ended, before clean-up: report what happened. */
  default void finished(Container container, int exitStatus) {}

  /**
   * On the host after the container is gone, on every path, even if prepare failed half-way.
   * What a feature makes on the host it records with {@link Container#madeOnHost()} before
   * making it, and the engine removes that, after a SIGKILL too, from whichever lab runs
   * next; this hook is for what lives in this lab alone.
   */
  default void cleanUp(Container container) {}
}
