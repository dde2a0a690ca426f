package containerlabs.cli;

import picocli.CommandLine.Option;

/** The options every lab has, whatever its feature. */
public final class Tracing {
  @Option(names = "--trace",
      description = "Print every kernel call the lab makes, in order, with the shell command that does the same.")
  boolean trace;
}
