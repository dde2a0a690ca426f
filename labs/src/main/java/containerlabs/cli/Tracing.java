package containerlabs.cli;

import picocli.CommandLine.Option;

/** The options every lab has, whatever its feature. */
public final class Tracing {
  @Option(names = "--trace",
      description = "Print every kernel call the lab makes, in order, with the shell command that does the same.")
  boolean trace;

  @Option(names = "--timings",
      description = "At the end, print how long each phase took: the lab's JVM, parse, prepare, the init's JVM, set-up, the command, clean-up.")
  boolean timings;
}
