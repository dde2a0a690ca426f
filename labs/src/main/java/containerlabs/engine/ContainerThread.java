package containerlabs.engine;

import containerlabs.kernel.Kernel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * The one thread that belongs to a container. Namespaces belong to threads, so this thread
 * unshares them, lets the features configure them, starts the init in them (the init
 * inherits this thread's namespaces) and waits for it. After unshare(CLONE_NEWPID) it can
 * create no more threads, and no second process could join once the first has died: so a
 * new platform thread for every container, never a pooled or virtual one.
 */
final class ContainerThread extends Thread {
  private final Container container;
  private final List<Feature> features;
  private final InitCommand init;
  private final IntConsumer started;
  private final Terminal terminal = new Terminal();
  private volatile int waitStatus = -1;
  private volatile RuntimeException failure;

  /** {@code started} gets the init's pid as soon as it runs: for ./lab ps and ./lab exec. */
  ContainerThread(Container container, List<Feature> features, InitCommand init, IntConsumer started) {
    super("container-" + container.id());
    this.container = container;
    this.features = features;
    this.init = init;
    this.started = started;
  }

  @Override
  public void run() {
    try {
      startInitAndWait();
    } catch (RuntimeException e) {
      failure = e; // for the lab's thread, see waitStatus()
    }
  }

  // tag::run[]
  private void startInitAndWait() {
    int namespaces = features.stream().mapToInt(Feature::namespaces).reduce(0, (a, b) -> a | b);
    boolean made = false;
    for (Feature feature : features) {
      made = made || feature.makeNamespaces(container, namespaces); // lab 07: outside this JVM
    }
    if (namespaces != 0 && !made) {
      Kernel.unshare(namespaces);
    }
    for (Feature feature : features) {
      feature.configureNamespaces(container);
    }
    List<String> argv = init.argv();
    for (Feature feature : features) {
      argv = feature.launchInit(container, argv);
    }
    int pid = Kernel.spawn(argv, init.shortForm(), initEnvironment(), terminal.interactive());
    // tag::plumbing[]
    if (container.started(pid)) {
      Kernel.kill(pid, Kernel.SIGKILL); // the lab was told to stop while this thread began
    }
    try {
      started.accept(pid);
    } catch (RuntimeException e) {
      System.err.println("warning: ./lab ps will not list this container: " + e.getMessage());
    }
    terminal.giveTo(pid);
    // end::plumbing[]
    waitStatus = Kernel.waitpid(pid);
    // tag::plumbing[]
    container.reaped();
    terminal.takeBack();
    // end::plumbing[]
  }
  // end::run[]

  /**
   * The init JVM gets almost nothing of the lab's environment (JAVA_TOOL_OPTIONS there would
   * change it); it builds the command's environment itself, see {@link Container}.
   */
  static List<String> initEnvironment() {
    List<String> environment = new ArrayList<>(List.of(InitCommand.MARKER + "=1", InitCommand.LOCALE));
    if (Timings.enabled()) {
      environment.add(Timings.VARIABLE + "=1");
    }
    for (String name : List.of("TERM", Checkpoint.VARIABLE)) {
      String value = System.getenv(name);
      if (value != null) {
        environment.add(name + "=" + value);
      }
    }
    return environment;
  }

  /** The init's wait status, once this thread has ended; or what stopped it from starting. */
  int waitStatus() {
    if (failure != null) {
      throw failure;
    }
    return waitStatus;
  }
}
