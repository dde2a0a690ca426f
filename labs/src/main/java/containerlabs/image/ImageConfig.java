package containerlabs.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How an image means to be run, from its config.json (docker's image {@code Config}, the OCI
 * image config): the environment, the command (Entrypoint, then Cmd), the working folder and
 * the user. An image with no config.json, or a config without a field, gets docker's default.
 * The values go into execve's argv and envp, and into the init's arguments: a NUL byte, a
 * huge list or a variable without '=' is refused here, on the host, in one line.
 *
 * @param env KEY=VALUE entries, in the image's order
 * @param entrypoint what always runs; the command's arguments follow it
 * @param cmd the default arguments: the user's command replaces them
 * @param workingDir an absolute path in the container
 * @param user "", "uid", "uid:gid", "name" or "name:group", as the image's /etc/passwd knows them
 */
public record ImageConfig(List<String> env, List<String> entrypoint, List<String> cmd,
    String workingDir, String user, String architecture, String os) {

  /** docker's PATH for a container whose image sets none. */
  public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  /** The labs' command when neither the user nor the image names one. */
  public static final List<String> DEFAULT_COMMAND = List.of("/bin/sh");

  /** An image with no config.json: docker's defaults, and the labs' shell as its command. */
  public static final ImageConfig DEFAULT = new ImageConfig(List.of("PATH=" + DEFAULT_PATH),
      List.of(), DEFAULT_COMMAND, "/", "", "", "");

  static final long MAX_FILE = 4 << 20;
  private static final int MAX_ITEMS = 4096;
  private static final int MAX_STRING = 128 * 1024; // MAX_ARG_STRLEN: execve refuses a longer one

  /** The config of an image folder's config.json; DEFAULT if it has none. */
  public static ImageConfig read(Path file) {
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      return DEFAULT;
    }
    try {
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) > MAX_FILE) {
        throw bad("it is not a regular file of at most " + (MAX_FILE >> 20) + " MiB");
      }
      return parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw bad("cannot read it (" + e.getMessage() + ")");
    }
  }

  /** Parse and check a config blob; its own fields ("config": {...}) default as docker's do. */
  public static ImageConfig parse(String json) {
    Object root;
    try {
      root = Json.parse(json);
    } catch (ImageException e) {
      throw bad(e.getMessage());
    }
    if (!(root instanceof Map<?, ?> top)) {
      throw bad("it is not a JSON object");
    }
    Object config = top.get("config");
    Map<?, ?> c = config == null ? Map.of() : config instanceof Map<?, ?> m ? m : null;
    if (c == null) {
      throw bad("\"config\" is not a JSON object");
    }
    List<String> env = strings(c.get("Env"), "Env");
    for (String entry : env) {
      if (entry.indexOf('=') < 1) {
        throw bad("the Env entry \"" + shorten(entry) + "\" is not KEY=VALUE");
      }
    }
    List<String> entrypoint = strings(c.get("Entrypoint"), "Entrypoint");
    List<String> cmd = strings(c.get("Cmd"), "Cmd");
    String workingDir = string(c.get("WorkingDir"), "WorkingDir");
    if (!workingDir.isEmpty() && !workingDir.startsWith("/")) {
      throw bad("WorkingDir \"" + shorten(workingDir) + "\" is not an absolute path");
    }
    String user = string(c.get("User"), "User");
    checkUser(user, "User");
    // docker's PATH when the image sets none; and an image that names no command at all
    // (docker would refuse to run it) runs the labs' shell, as an image with no config does.
    if (env.stream().noneMatch(e -> e.startsWith("PATH="))) {
      env = new ArrayList<>(env);
      env.add(0, "PATH=" + DEFAULT_PATH);
    }
    if (entrypoint.isEmpty() && cmd.isEmpty()) {
      cmd = DEFAULT_COMMAND;
    }
    return new ImageConfig(List.copyOf(env), entrypoint, cmd, workingDir.isEmpty() ? "/" : workingDir,
        user, string(top.get("architecture"), "architecture"), string(top.get("os"), "os"));
  }

  /**
   * The command as docker combines it: the entrypoint, then the user's command or else Cmd.
   * {@code --entrypoint} replaces the image's entrypoint and drops its Cmd too ("" means none).
   */
  public List<String> command(String entrypointOption, List<String> userCommand) {
    List<String> command = new ArrayList<>();
    if (entrypointOption != null) {
      if (!entrypointOption.isEmpty()) {
        command.add(entrypointOption);
      }
    } else {
      command.addAll(entrypoint);
    }
    if (!userCommand.isEmpty()) {
      command.addAll(userCommand);
    } else if (entrypointOption == null) {
      command.addAll(cmd);
    }
    if (command.isEmpty()) {
      throw new ImageException("no command to run: the image names none and --entrypoint \"\""
          + " removed its entrypoint: give a command after --");
    }
    return command;
  }

  /** The env entries as a map, later entries replacing earlier ones of the same name. */
  public Map<String, String> environment() {
    Map<String, String> map = new LinkedHashMap<>();
    for (String entry : env) {
      int equals = entry.indexOf('=');
      map.put(entry.substring(0, equals), entry.substring(equals + 1));
    }
    return map;
  }

  /** A user as docker run -u or an image's User give it: [name|uid][:group|gid], nothing else. */
  public static String checkUser(String user, String what) {
    if (user.length() > 256 || !user.matches("([^:\\s\\x00]+(:[^:\\s\\x00]+)?)?")) {
      throw new ImageException(what + " \"" + shorten(user) + "\" is not a user: give NAME, UID,"
          + " NAME:GROUP or UID:GID");
    }
    return user;
  }

  private static List<String> strings(Object value, String field) {
    if (value == null) {
      return List.of();
    }
    if (value instanceof String s) { // docker accepts a lone string as a one-item list
      return List.of(string(s, field));
    }
    if (!(value instanceof List<?> list) || list.size() > MAX_ITEMS) {
      throw bad(field + " is not a list of at most " + MAX_ITEMS + " strings");
    }
    List<String> strings = new ArrayList<>();
    for (Object item : list) {
      if (!(item instanceof String s)) {
        String kind = item == null ? "null" : item instanceof Number ? "a number"
            : item instanceof Boolean ? "a boolean" : item instanceof List ? "a list" : "an object";
        throw bad(field + " holds " + kind + ", not a string");
      }
      strings.add(string(s, field));
    }
    return List.copyOf(strings);
  }

  private static String string(Object value, String field) {
    if (value == null) {
      return "";
    }
    if (!(value instanceof String s)) {
      throw bad(field + " is not a string");
    }
    if (s.indexOf('\0') >= 0) {
      throw bad(field + " holds a NUL byte, which no C string can");
    }
    if (s.getBytes(StandardCharsets.UTF_8).length >= MAX_STRING) {
      throw bad(field + " holds a string longer than execve takes (" + MAX_STRING + " bytes)");
    }
    return s;
  }

  private static String shorten(String s) {
    String printable = s.replaceAll("[\\x00-\\x1f\\x7f]", "?");
    return printable.length() > 40 ? printable.substring(0, 40) + "..." : printable;
  }

  private static ImageException bad(String problem) {
    return new ImageException("the image's config.json is unusable: " + problem
        + ": fix the image and import it again");
  }
}
