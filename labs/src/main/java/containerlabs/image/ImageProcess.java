package containerlabs.image;

import containerlabs.engine.Container;
import containerlabs.engine.ContainerException;
import containerlabs.engine.ExitStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The container's process as docker makes it from an image's config and docker run's options:
 * {@code --entrypoint}, {@code -e}, {@code -w}, {@code -u} override the image's Entrypoint,
 * Env, WorkingDir and User, and a command replaces its Cmd. Resolved here, on the host: the
 * init gets plain values and parses no JSON.
 */
public final class ImageProcess {
  private ImageProcess() {}

  /**
   * Set the container's command, environment, working folder and user. Its command, until
   * now, is the user's (empty if none was given).
   */
  public static void configure(Container container, ImageConfig config, String entrypoint,
      List<String> env, String workdir, String user) {
    container.command(config.command(entrypoint, container.command()));
    // docker's order: PATH and HOSTNAME first, the image's Env over them, -e over that. HOME
    // comes last, in the init, from the user's /etc/passwd entry if no one set it (runc's rule).
    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("PATH", ImageConfig.DEFAULT_PATH);
    environment.put("HOSTNAME", container.hostname());
    String term = container.environment().get("TERM");
    if (term != null) {
      environment.put("TERM", term);
    }
    environment.putAll(config.environment());
    for (String entry : env) {
      int equals = entry.indexOf('=');
      String name = equals < 0 ? entry : entry.substring(0, equals);
      if (name.isEmpty()) {
        throw new ContainerException(ExitStatus.RUNTIME_ERROR, "-e " + entry
            + ": no variable name: give -e KEY=VALUE");
      }
      String value = equals < 0 ? System.getenv(name) : entry.substring(equals + 1);
      if (value != null) { // -e KEY passes the lab's own KEY, if it has one
        environment.put(name, value);
      }
    }
    container.environment().clear();
    container.environment().putAll(environment);
    if (workdir != null && !workdir.startsWith("/")) {
      throw new ContainerException(ExitStatus.RUNTIME_ERROR, "-w " + workdir
          + ": the working folder must be an absolute path: give it from /");
    }
    container.workingDir(workdir != null ? workdir : config.workingDir());
    container.user(user != null ? ImageConfig.checkUser(user, "-u") : config.user());
  }
}
