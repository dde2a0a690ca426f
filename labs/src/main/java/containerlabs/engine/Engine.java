package containerlabs.engine;

import containerlabs.kernel.Kernel;
import containerlabs.kernel.SyscallException;
import containerlabs.kernel.Trace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.IntSupplier;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The container lifecycle (see {@link Feature} for the picture). The engine owns the order;
 * each feature owns one idea.
 */
public final class Engine {
  private final List<Feature> features;

  public Engine(List<Feature> features) {
    this.features = List.copyOf(features);
  }

  /**
   * On the host: run the container to its end and return its exit status. Whatever was
   * made on the host is removed before this returns, on every path.
   */
  public int run(Container container, Class<?> lab, List<String> labArguments) {
    return run(container, lab, labArguments, null);
  }

  /** The same, with an init that {@code early} started before the options were parsed, if it fits. */
  public int run(Container container, Class<?> lab, List<String> labArguments, EarlyInit early) {
    try {
      return runContainer(container, lab, labArguments, early);
    } finally {
      if (early != null) {
        early.cancel(); // not released: killed before it did anything
      }
    }
  }

  private int runContainer(Container container, Class<?> lab, List<String> labArguments, EarlyInit early) {
    reapAbandoned();
    StateDir.create(container);
    Timings.mark("state dir, and what a killed lab left");
    List<Feature> prepared = new ArrayList<>();
    // From here on SIGINT and SIGTERM stop the container, or keep it from starting: the lab
    // itself lives on, to clean up.
    try (SignalForwarding forwarding = new SignalForwarding(container)) {
      try {
        Checkpoint.reached("created", container);
        for (Feature feature : features) {
          if (container.stopSignal() != 0) {
            return 128 + container.stopSignal();
          }
          prepared.add(feature);
          feature.prepare(container);
        }
        if (container.command().isEmpty()) {
          container.command(Container.DEFAULT_COMMAND); // none given, and no feature chose one
        }
        Timings.mark("prepare, on the host (every feature)");
        Checkpoint.reached("prepared", container);
        if (container.stopSignal() != 0) {
          return 128 + container.stopSignal();
        }
        Kernel.startHelperThreads();
        IntConsumer started = pid -> Running.write(container, lab, labArguments.get(0), pid);
        Thread thread;
        IntSupplier waitStatus;
        int namespaces = features.stream().mapToInt(Feature::namespaces).reduce(0, (a, b) -> a | b);
        if (early != null && early.fits(namespaces)) {
          early.release(container, features, InitCommand.arguments(container, labArguments), started);
          thread = early;
          waitStatus = early::waitStatus;
        } else {
          if (early != null) {
            early.cancel(); // other namespaces than it has (--net host), or it could not start
          }
          ContainerThread plain = new ContainerThread(container, features,
              InitCommand.of(lab, container, labArguments), pid -> {
                Timings.mark("namespaces, then the init started");
                started.accept(pid);
              });
          plain.start();
          thread = plain;
          waitStatus = plain::waitStatus;
        }
        join(thread);
        if (Timings.enabled()) {
          Timings.readInit(container);
        }
        Timings.mark("the command, to its exit");
        int status = ExitStatus.of(waitStatus.getAsInt());
        for (Feature feature : features) {
          feature.finished(container, status);
        }
        return status;
      } finally {
        cleanUp(container, prepared);
      }
    }
  }

  /**
   * Containers whose lab was killed (SIGKILL, a crash) left their state: clean it up now.
   * What any feature made on the host is recorded in the state dir and undone whether or
   * not this lab has that feature; these features' own clean-ups run too. Returns, for each
   * container, a line for each thing removed.
   */
  public Map<String, List<String>> reapAbandoned() {
    Map<String, List<String>> reaped = new LinkedHashMap<>();
    for (String id : StateDir.abandoned()) {
      // Two labs starting at once may both find it: the one that holds the claim cleans up.
      try (StateDir.Claim claim = StateDir.claim(id)) {
        if (claim != null) {
          Trace.note("cleaning up after container " + id + ", whose lab has gone");
          reaped.put(id, cleanUp(new Container(id, List.of()), features));
        }
      }
    }
    return reaped;
  }

  /**
   * What the project made on the host that no container's state dir accounts for any more
   * (its state dir was deleted by hand, or lost): remove it. A line for each thing removed.
   */
  public static List<String> removeOrphans() {
    return Orphans.remove();
  }

  private static List<String> cleanUp(Container container, List<Feature> features) {
    List<Feature> reversed = new ArrayList<>(features);
    Collections.reverse(reversed);
    for (Feature feature : reversed) {
      try {
        feature.cleanUp(container);
      } catch (RuntimeException e) {
        System.err.println("warning: clean-up of " + feature.getClass().getSimpleName()
            + " failed: " + e.getMessage());
      }
    }
    List<String> removed = new ArrayList<>();
    if (Files.isDirectory(container.stateDir())) {
      removed.addAll(container.madeOnHost().undo());
      removed.forEach(Trace::note);
    }
    try {
      if (StateDir.remove(container)) {
        removed.add("removed the state dir " + container.stateDir());
      }
    } catch (IOException e) {
      System.err.println("warning: cannot remove " + container.stateDir() + ": " + e);
    }
    return removed;
  }

  /**
   * {@code ./lab exec}: run {@code command} inside a running container, to its end, and
   * return its exit status (see {@link Join}). {@code again} is this ./lab exec as a command
   * line (see {@link InitCommand#java}), for a container that has a user namespace of its own.
   */
  public int exec(Running container, List<String> command, List<String> again) {
    return new Join(container, command, features, again).run();
  }

  /**
   * In the init: set up the inside of the container, then become the command. Returns
   * only by throwing.
   */
  // tag::init[]
  public void init(Container container) {
    // tag::plumbing[]
    // The init's parent is the container's thread in the lab: if the lab dies (even by
    // SIGKILL), the kernel kills the init, and with PID 1 the whole container.
    Kernel.prctl(Kernel.PR_SET_PDEATHSIG, Kernel.SIGKILL);
    ClassDirectories.preload();
    // end::plumbing[]
    for (Feature feature : features) {
      feature.initContainer(container);
    }
    // tag::plumbing[]
    Checkpoint.reached("setup", null);
    // end::plumbing[]
    enterWorkingDirAndUser(container); // from lab 04 on: the image's, or -w and -u
    Map<String, String> environment = container.environment();
    String path = CommandPath.resolve(container.command().get(0), environment.get("PATH"));
    List<String> envp = new ArrayList<>();
    environment.forEach((name, value) -> envp.add(name + "=" + value));
    // tag::plumbing[]
    Timings.closeInit(); // --timings: the init's last mark
    // The JVM opens its jars without O_CLOEXEC; none of them may reach the command.
    Kernel.closeOnExecFrom(3);
    // end::plumbing[]
    try {
      Kernel.execve(path, container.command(), envp);
    } catch (SyscallException e) {
      throw CommandPath.execveFailed(path, e);
    }
  }
  // end::init[]

  /**
   * Last before execve, in the container's root: move to the working folder, made if missing
   * (as docker does), then become the user, which gives up root's capabilities.
   */
  private static void enterWorkingDirAndUser(Container container) {
    String dir = container.workingDir();
    if (dir != null) {
      try {
        Files.createDirectories(Path.of(dir));
      } catch (IOException e) {
        throw new ContainerException(ExitStatus.RUNTIME_ERROR, "cannot make the working folder "
            + dir + " in the container (" + e + "): give another one with -w");
      }
      Kernel.chdir(dir);
    }
    if (container.user() != null) {
      ContainerUser user = ContainerUser.lookUp(container.user());
      container.environment().putIfAbsent("HOME", user.home()); // runc's rule: else the user's home
      user.become();
      // A change of user clears the parent-death signal: set it again, as runc does.
      Kernel.prctl(Kernel.PR_SET_PDEATHSIG, Kernel.SIGKILL);
    }
  }

  private static void join(Thread thread) {
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true; // the container is still running: wait for it all the same
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * While the container runs, SIGINT and SIGTERM to the lab go to the container's init
   * instead: the lab must live on to clean up. A PID 1 ignores signals it has no handler
   * for, so the container gets {@link #STOP_GRACE} to end, as with docker stop; then, or at
   * a second signal, SIGKILL. Before the init has started, a signal keeps it from starting.
   */
  static final class SignalForwarding implements AutoCloseable {
    static final Duration STOP_GRACE = Duration.ofSeconds(3);
    private static final String[] SIGNALS = {"INT", "TERM"};
    private final SignalHandler[] previous = new SignalHandler[SIGNALS.length];
    private final Container container;
    private final AtomicInteger received = new AtomicInteger();
    private volatile Thread killer;

    SignalForwarding(Container container) {
      this.container = container;
      for (int i = 0; i < SIGNALS.length; i++) {
        previous[i] = Signal.handle(new Signal(SIGNALS[i]), this::forward);
      }
    }

    private void forward(Signal signal) {
      if (received.incrementAndGet() > 1) {
        container.signal(Kernel.SIGKILL);
        return;
      }
      if (!container.signal(signal.getNumber())) {
        Trace.note("SIG" + signal.getName() + " before the container started: it will not start");
        return;
      }
      Trace.note("forwarded SIG" + signal.getName() + " to the container; SIGKILL in "
          + STOP_GRACE.toSeconds() + " s, or at the next signal");
      killer = new Thread(() -> {
        try {
          Thread.sleep(STOP_GRACE.toMillis());
          container.signal(Kernel.SIGKILL); // nothing, if it has been reaped meanwhile
        } catch (InterruptedException e) {
          // the container ended in time
        }
      }, "stop-grace");
      killer.setDaemon(true);
      killer.start();
    }

    @Override
    public void close() {
      if (killer != null) {
        killer.interrupt();
      }
      for (int i = 0; i < SIGNALS.length; i++) {
        Signal.handle(new Signal(SIGNALS[i]), previous[i]);
      }
    }
  }
}
