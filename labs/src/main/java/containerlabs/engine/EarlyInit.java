package containerlabs.engine;

import containerlabs.kernel.Architecture;
import containerlabs.kernel.Kernel;
import containerlabs.kernel.SyscallException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.IntConsumer;

/**
 * A start-up trick, in no lab's code (see the guide's appendix, "Start-up time"): the init's
 * JVM boots while the lab's JVM is still parsing its options and preparing the host, instead
 * of after. As the lab starts, this thread unshares the namespaces that the lab's features
 * ask for with their default options, and starts the init there as {@code init -}: it loads
 * JNA and its classes, then waits for the rest of its command line on its descriptor 3, a
 * pipe. Once the lab has prepared, this thread configures the namespaces, writes the init's
 * arguments into the pipe and waits for it: from then on it is the container's thread, as a
 * {@link ContainerThread} would have been, with the same steps (the one moved: ./lab ps's
 * state file is written once the init has its arguments, while it sets up).
 *
 * <p>When the parsed options ask for other namespaces ({@code --net host}), or this start
 * failed (not root), or the lab ends or stops first, the waiting init is killed and reaped
 * before it has done anything, and the lab starts its init the plain way (or not at all).
 * The plain way also serves {@code --trace}, whose narration is the lifecycle in its textbook
 * order, and labs whose features make their namespaces themselves (lab 07 on).
 * {@code CONTAINER_LABS_EARLY_INIT=0} turns this off (the benchmark compares both).
 */
public final class EarlyInit extends Thread {
  /** The init's argument for "wait for your arguments on descriptor 3". */
  public static final String WAITING = "-";
  private static final String SWITCH = "CONTAINER_LABS_EARLY_INIT";
  private static final int ARGUMENTS_FD = 3;

  private final int namespaces;
  private final InitCommand init;
  /** Made on this thread, as it loads JNA: the lab's main thread is busy parsing. */
  private Terminal terminal;
  /** Counted down once the init runs, or could not be started. */
  private final CountDownLatch spawned = new CountDownLatch(1);
  /** Counted down by release() or cancel(). */
  private final CountDownLatch decided = new CountDownLatch(1);
  private int pid;
  private int writeEnd = -1;
  private Instant spawnedAt;
  private Release release;
  private boolean cancelled;
  private volatile int waitStatus = -1;
  private volatile RuntimeException failure;

  private record Release(Container container, List<Feature> features, byte[] message, IntConsumer started) {}

  private EarlyInit(Class<?> lab, int namespaces) {
    super("early-init");
    setDaemon(true); // a lab that ends without cancel() (System.exit) must not wait for it
    this.namespaces = namespaces;
    this.init = InitCommand.waiting(lab);
  }

  /**
   * On the lab's main thread, before picocli parses {@code args}: start the init in the
   * namespaces the lab's features need by default, or return null where the plain way serves.
   */
  public static EarlyInit startFor(Object lab, String... args) {
    if ("0".equals(System.getenv(SWITCH)) || Architecture.refusal() != null) {
      return null;
    }
    for (String arg : args) {
      if (arg.equals("--")) {
        break;
      }
      if (List.of("--trace", "--help", "-h", "--version", "-V").contains(arg)) {
        return null;
      }
    }
    int namespaces = defaultNamespaces(lab);
    if (namespaces <= 0) {
      return null;
    }
    EarlyInit early = new EarlyInit(lab.getClass(), namespaces);
    early.start();
    return early;
  }

  /**
   * The CLONE_NEW* flags of the lab's features (its fields), each with its default options;
   * -1 if a feature makes its namespaces or starts its init itself (lab 07's user namespace).
   */
  private static int defaultNamespaces(Object lab) {
    int flags = 0;
    try {
      for (Class<?> c = lab.getClass(); c != Object.class; c = c.getSuperclass()) {
        for (Field field : c.getDeclaredFields()) {
          if (Modifier.isStatic(field.getModifiers()) || !Feature.class.isAssignableFrom(field.getType())) {
            continue;
          }
          field.setAccessible(true);
          Feature feature = (Feature) field.get(lab);
          if (feature == null) { // a picocli mixin, made when the options are parsed
            var constructor = field.getType().getDeclaredConstructor();
            constructor.setAccessible(true);
            feature = (Feature) constructor.newInstance();
          }
          if (declares(feature.getClass(), "makeNamespaces", Container.class, int.class)
              || declares(feature.getClass(), "launchInit", Container.class, List.class)) {
            return -1;
          }
          flags |= feature.namespaces();
        }
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      return -1;
    }
    return flags;
  }

  private static boolean declares(Class<?> type, String method, Class<?>... parameters) {
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      try {
        c.getDeclaredMethod(method, parameters);
        return true;
      } catch (NoSuchMethodException e) {
        // not here: its superclass
      }
    }
    return false;
  }

  @Override
  public void run() {
    try {
      if (Kernel.geteuid() != 0) {
        return; // the lab refuses, with its own message
      }
      Kernel.startHelperThreads(); // before unshare(CLONE_NEWPID): see there
      terminal = new Terminal();
      Kernel.unshare(namespaces);
      int[] pipe = Kernel.pipe();
      try {
        pid = Kernel.spawnWithDescriptor(init.argv(), init.shortForm(), ContainerThread.initEnvironment(),
            terminal.interactive(), pipe[0]);
        writeEnd = pipe[1];
      } finally {
        Kernel.close(pipe[0]);
        if (pid == 0) {
          Kernel.close(pipe[1]);
        }
      }
      spawnedAt = Instant.now();
    } catch (RuntimeException e) {
      return; // the plain way will meet the same failure, and report it
    } finally {
      spawned.countDown();
    }
    awaitDecision();
    if (release == null) {
      end(); // cancelled: the init has done nothing yet
      return;
    }
    Container container = release.container();
    try {
      for (Feature feature : release.features()) {
        feature.configureNamespaces(container);
      }
    } catch (RuntimeException e) {
      failure = e;
      end();
      return;
    }
    if (container.started(pid)) {
      Kernel.kill(pid, Kernel.SIGKILL); // the lab was told to stop while this thread began
    }
    terminal.giveTo(pid); // before the init has its arguments, so before its command can start
    try {
      Kernel.write(writeEnd, release.message());
    } catch (SyscallException e) {
      // EPIPE: the init has died (killed above, or it failed); its wait status says how
    } finally {
      Kernel.close(writeEnd);
    }
    Timings.mark("namespaces configured, the init released");
    try {
      release.started().accept(pid); // while the init sets up: ./lab ps, ./lab exec
    } catch (RuntimeException e) {
      System.err.println("warning: ./lab ps will not list this container: " + e.getMessage());
    }
    waitStatus = Kernel.waitpid(pid);
    container.reaped();
    terminal.takeBack();
  }

  private void awaitDecision() {
    while (true) {
      try {
        decided.await();
        return;
      } catch (InterruptedException e) {
        // only release() or cancel() decide
      }
    }
  }

  private void end() {
    Kernel.kill(pid, Kernel.SIGKILL);
    Kernel.close(writeEnd);
    Kernel.waitpid(pid);
  }

  /**
   * On the lab's thread, once the host is prepared: true if the init waits in exactly
   * {@code namespacesNow}, the parsed features' namespaces. Waits for its start if need be.
   */
  boolean fits(int namespacesNow) {
    boolean interrupted = false;
    while (true) {
      try {
        spawned.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      return pid != 0 && !cancelled && release == null && namespacesNow == namespaces;
    }
  }

  /**
   * Hand the container to the waiting init: this thread configures the namespaces, reports
   * the pid to {@code started}, then sends the init its arguments, and waits for it.
   */
  synchronized void release(Container container, List<Feature> features, List<String> arguments,
      IntConsumer started) {
    if (Timings.enabled()) {
      Timings.mark("+namespaces, then the init started", spawnedAt);
    }
    List<String> message = new ArrayList<>();
    message.add(Timings.enabled() ? "timings" : "");
    message.addAll(arguments);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (String part : message) {
      bytes.writeBytes(part.getBytes(StandardCharsets.UTF_8));
      bytes.write(0);
    }
    release = new Release(container, features, bytes.toByteArray(), started);
    decided.countDown();
  }

  /** Kill the init if it was not released, and wait until it is reaped. Safe to call again. */
  public void cancel() {
    synchronized (this) {
      if (release == null) {
        cancelled = true;
        decided.countDown();
      }
    }
    if (release == null) {
      boolean interrupted = false;
      while (isAlive()) {
        try {
          join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The init's wait status, once this thread has ended; or what stopped it from starting. */
  int waitStatus() {
    if (failure != null) {
      throw failure;
    }
    return waitStatus;
  }

  /**
   * In the init started early, before anything else: what needs no arguments (JNA, the lab's
   * classes), then wait for them. Returns the command line the init would have had, from
   * {@code init} on, or null if the lab ended without releasing it.
   */
  public static List<String> awaitArguments() throws IOException {
    Instant main = Instant.now();
    // If the lab's container thread ends, so does this init: even before it has its arguments.
    Kernel.prctl(Kernel.PR_SET_PDEATHSIG, Kernel.SIGKILL);
    ClassDirectories.preload();
    Instant ready = Instant.now();
    byte[] message = Files.readAllBytes(Path.of("/proc/self/fd/" + ARGUMENTS_FD));
    Kernel.close(ARGUMENTS_FD);
    List<String> parts = new ArrayList<>();
    for (int from = 0, nul; (nul = indexOf(message, from)) >= 0; from = nul + 1) {
      parts.add(new String(message, from, nul - from, StandardCharsets.UTF_8));
    }
    if (parts.size() < 2) {
      return null;
    }
    String id = parts.get(1);
    Timings.startEarlyInit(id, parts.get(0).equals("timings"), main, ready);
    List<String> command = new ArrayList<>(List.of("init"));
    command.addAll(parts.subList(1, parts.size()));
    return command;
  }

  private static int indexOf(byte[] bytes, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == 0) {
        return i;
      }
    }
    return -1;
  }
}
