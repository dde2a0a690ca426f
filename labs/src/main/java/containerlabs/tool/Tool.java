package containerlabs.tool;

import picocli.CommandLine;

/**
 * The project's tools (images, handout, grade, clean) end like the labs: an error is one line,
 * "{@code name: message}", and exit status 125, never a stack trace.
 */
public final class Tool {
  private Tool() {}

  public static void main(String name, Object command, String... args) {
    System.exit(new CommandLine(command).setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println(name + ": " + e.getMessage());
      return 125;
    }).execute(args));
  }
}
