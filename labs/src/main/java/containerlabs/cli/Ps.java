package containerlabs.cli;

import containerlabs.engine.Running;
import containerlabs.tool.Tool;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code ./lab ps}: the containers that run now, from their state dirs under
 * /run/container-labs, as {@code docker ps} lists them. PID is the container's PID 1 as the
 * host sees it: what {@code nsenter -t PID} and {@code ./lab exec} join.
 */
@Command(name = "ps", mixinStandardHelpOptions = true,
    description = "List the running containers: id, lab, host pid of PID 1, command, uptime, address.")
public final class Ps implements Callable<Integer> {
  private static final String FORMAT = "%-11s  %-13s  %7s  %-24s  %8s  %s%n";

  public static void main(String... args) {
    Tool.main("ps", new Ps(), args);
  }

  @Override
  public Integer call() {
    System.out.printf(FORMAT, "ID", "LAB", "PID", "COMMAND", "UPTIME", "IP");
    for (Running container : Running.all()) {
      String command = container.command();
      System.out.printf(FORMAT, container.id(), container.labName(), container.pid(),
          command.length() > 24 ? command.substring(0, 23) + "…" : command,
          uptime(container.uptime()), container.facts().getOrDefault("ip", "-"));
    }
    return 0;
  }

  private static String uptime(Duration uptime) {
    long s = uptime.toSeconds();
    return s < 60 ? s + "s" : s < 3600 ? s / 60 + "m" + s % 60 + "s" : s / 3600 + "h" + s % 3600 / 60 + "m";
  }
}
