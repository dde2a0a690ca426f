package containerlabs.engine;

import containerlabs.kernel.Kernel;
import containerlabs.kernel.SyscallException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One container: its id, its state on the host, the command it runs and that command's environment. */
public final class Container {
  /** Where each container keeps its state on the host, one folder per id. */
  public static final Path STATE_ROOT = Path.of("/run/container-labs");

  private static final String BASE62 =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

  private final String id;
  private final List<String> command;
  private final Map<String, String> environment = new LinkedHashMap<>();
  private final Map<String, String> facts = new LinkedHashMap<>();
  private int pid;
  private int stopSignal;
  private volatile String hostname;

  public Container(String id, List<String> command) {
    this.id = id;
    this.command = List.copyOf(command);
    environment.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    environment.put("HOME", "/root");
    String term = System.getenv("TERM");
    if (term != null) {
      environment.put("TERM", term);
    }
  }

  /**
   * A new container with a random id of 11 base62 characters. The bytes come straight from
   * the kernel's /dev/urandom: SecureRandom would read the same, after some 20 ms of setting
   * up security providers.
   */
  public static Container create(List<String> command) {
    StringBuilder id = new StringBuilder();
    try (InputStream random = Files.newInputStream(Path.of("/dev/urandom"))) {
      while (id.length() < 11) {
        int b = random.read();
        if (b < 4 * BASE62.length()) { // 248 of 256 values, so that every character is as likely
          id.append(BASE62.charAt(b % BASE62.length()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Container(id.toString(), command);
  }

  public String id() {
    return id;
  }

  public Path stateDir() {
    return STATE_ROOT.resolve(id);
  }

  /**
   * Where features write down what they make on the host, before they make it: whichever lab
   * runs next can then remove it, even if this lab is killed and lacks the feature.
   */
  public HostResources madeOnHost() {
    return new HostResources(stateDir());
  }

  public List<String> command() {
    return command;
  }

  /** The command's environment; features may add to it before the init runs. */
  public Map<String, String> environment() {
    return environment;
  }

  /** What ./lab ps shows of it besides the engine's own columns; features add to it in prepare() (lab 05: its ip). */
  public Map<String, String> facts() {
    return facts;
  }

  /** The container's hostname: its id, unless a feature names it otherwise. */
  public String hostname() {
    return hostname != null ? hostname : id;
  }

  public void hostname(String name) {
    this.hostname = name;
  }

  /** The init's pid as the host sees it; 0 until it has started, and again once it is reaped. */
  public synchronized int pid() {
    return pid;
  }

  /** The init has started; returns whether a stop was asked for before (then it must go). */
  synchronized boolean started(int pid) {
    this.pid = pid;
    return stopSignal != 0;
  }

  /** The init has been reaped: its pid may be another process's now, never to be signalled. */
  synchronized void reaped() {
    this.pid = 0;
  }

  /**
   * Send a signal to the init, if it runs; if it has not started, remember it: it will not
   * start. Returns whether it was sent.
   */
  synchronized boolean signal(int signal) {
    if (stopSignal == 0) {
      stopSignal = signal;
    }
    if (pid == 0) {
      return false;
    }
    try {
      Kernel.kill(pid, signal);
    } catch (SyscallException e) {
      // ESRCH: it has just ended by itself
    }
    return true;
  }

  /** The first signal the lab got for this container, or 0. */
  synchronized int stopSignal() {
    return stopSignal;
  }
}
