package containerlabs.engine;

import containerlabs.kernel.Kernel;
import containerlabs.kernel.SyscallException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One container: its id, its state on the host, and its process: the command it runs, that
 * command's environment, working folder and user.
 */
public final class Container {
  /** Where each container keeps its state on the host, one folder per id. */
  public static final Path STATE_ROOT = Path.of("/run/container-labs");

  /** The command when the user gives none and no feature chooses one. */
  public static final List<String> DEFAULT_COMMAND = List.of("/bin/sh");

  private static final String BASE62 =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

  private final String id;
  private List<String> command;
  private final Map<String, String> environment = new LinkedHashMap<>();
  private String workingDir;
  private String user;
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

  /** The command and its arguments; on the host, until a feature or the engine chooses, maybe none. */
  public List<String> command() {
    return command;
  }

  /** On the host, before the init starts: the command to run instead (lab 04: the image's). */
  public void command(List<String> command) {
    this.command = List.copyOf(command);
  }

  /** The folder the command starts in, made if missing; null: the init's own. */
  public String workingDir() {
    return workingDir;
  }

  public void workingDir(String dir) {
    this.workingDir = dir;
  }

  /**
   * Whom the command runs as: "" (root), "uid", "uid:gid", "name" or "name:group", names as
   * the container's own /etc/passwd and /etc/group know them; null: the init's own, root.
   */
  public String user() {
    return user;
  }

  public void user(String user) {
    this.user = user;
  }

  /**
   * The process, as the init gets it in its arguments (the init parses no options, see the
   * CLI's InitArguments): {@code --env=KEY=VALUE} each, {@code --workdir=DIR},
   * {@code --user=USER}, then {@code --} and the command.
   */
  List<String> processArguments() {
    List<String> arguments = new ArrayList<>();
    environment.forEach((name, value) -> arguments.add("--env=" + name + "=" + value));
    if (workingDir != null) {
      arguments.add("--workdir=" + workingDir);
    }
    if (user != null) {
      arguments.add("--user=" + user);
    }
    arguments.add("--");
    arguments.addAll(command);
    return arguments;
  }

  /** In the init: the container, its process read back from {@link #processArguments()}. */
  public static Container inInit(String id, List<String> processArguments) {
    int end = processArguments.indexOf("--");
    Container container = new Container(id, processArguments.subList(end + 1, processArguments.size()));
    container.environment.clear();
    for (String argument : processArguments.subList(0, end)) {
      String value = argument.substring(argument.indexOf('=') + 1);
      if (argument.startsWith("--env=")) {
        int equals = value.indexOf('=');
        container.environment.put(value.substring(0, equals), value.substring(equals + 1));
      } else if (argument.startsWith("--workdir=")) {
        container.workingDir = value;
      } else if (argument.startsWith("--user=")) {
        container.user = value;
      }
    }
    return container;
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
