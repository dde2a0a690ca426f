package containerlabs.engine;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One container: its id, its state on the host, the command it runs and that command's environment. */
public final class Container {
  /** Where each container keeps its state on the host, one folder per id. */
  public static final Path STATE_ROOT = Path.of("/run/container-labs");

  private static final String BASE62 =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String id;
  private final List<String> command;
  private final Map<String, String> environment = new LinkedHashMap<>();
  private volatile int pid;
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

  /** A new container with a random id of 11 base62 characters. */
  public static Container create(List<String> command) {
    StringBuilder id = new StringBuilder();
    for (int i = 0; i < 11; i++) {
      id.append(BASE62.charAt(RANDOM.nextInt(BASE62.length())));
    }
    return new Container(id.toString(), command);
  }

  public String id() {
    return id;
  }

  public Path stateDir() {
    return STATE_ROOT.resolve(id);
  }

  public List<String> command() {
    return command;
  }

  /** The command's environment; features may add to it before the init runs. */
  public Map<String, String> environment() {
    return environment;
  }

  /** The container's hostname: its id, unless a feature names it otherwise. */
  public String hostname() {
    return hostname != null ? hostname : id;
  }

  public void hostname(String name) {
    this.hostname = name;
  }

  /** The init's pid as the host sees it; 0 until it has started. */
  public int pid() {
    return pid;
  }

  void started(int pid) {
    this.pid = pid;
  }
}
