package containerlabs.engine;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --timings}: where a container's start goes, phase by phase, printed when the lab
 * ends. Every mark is wall-clock time, so that the lab's marks and its init's (another
 * process) line up. {@code ./lab} gives the origin: {@value #ORIGIN}, its own start, and
 * {@value #JVM_ORIGIN}, the moment it started the lab's JVM (nanoseconds since the epoch).
 */
public final class Timings {
  static final String ORIGIN = "CONTAINER_LABS_T0";
  static final String JVM_ORIGIN = "CONTAINER_LABS_JVM_T0";
  /** In the init's environment when the lab was asked for timings. */
  static final String VARIABLE = "CONTAINER_LABS_TIMINGS";
  /** Where the init leaves its marks, in the container's state dir, for the lab to read. */
  static final String FILE = "timings";

  private record Mark(String phase, Instant at) {}

  private static final List<Mark> MARKS = new ArrayList<>();
  private static volatile boolean enabled;
  private static OutputStream initMarks;

  private Timings() {}

  /** The end of a phase, named: kept whether or not --timings comes (the options may not be parsed yet). */
  public static synchronized void mark(String phase) {
    MARKS.add(new Mark(phase, Instant.now()));
  }

  /**
   * A mark of work done beside the phases, not one of them: its phase starts with "+" (the
   * early init's, see {@link EarlyInit}). The table lists these apart.
   */
  static synchronized void mark(String phase, Instant at) {
    MARKS.add(new Mark(phase, at));
  }

  /**
   * Once the options are parsed: keep marking, or drop the marks (a JVM that runs many
   * containers, as the soak does, must not collect them for ever).
   */
  public static synchronized void keep(boolean wanted) {
    enabled = wanted;
    if (!wanted) {
      MARKS.clear();
    }
  }

  static boolean enabled() {
    return enabled;
  }

  /**
   * In the init, first thing: if the lab wants timings, open the file for the init's marks
   * now, while the host's /run is still there to open it in (the descriptor outlives
   * pivot_root).
   */
  public static void startInit(String id) {
    if (System.getenv(VARIABLE) == null) {
      return;
    }
    Instant now = Instant.now();
    openInitMarks(id);
    initMark("the init's JVM, start to main", now);
  }

  /** In the init started early, once it has its arguments: its two marks from before them. */
  static void startEarlyInit(String id, boolean wanted, Instant main, Instant ready) {
    if (wanted) {
      openInitMarks(id);
      initMark("+the init's JVM, start to main", main);
      initMark("+the init ready (JNA, classes), waiting", ready);
    }
  }

  private static void openInitMarks(String id) {
    try {
      initMarks = Files.newOutputStream(Container.STATE_ROOT.resolve(id).resolve(FILE));
      enabled = true;
    } catch (IOException e) {
      initMarks = null; // no timings of the init's side, and no failure of the container for it
    }
  }

  /** In the init: a mark, written at once (execve ends the JVM without a shutdown). */
  static void initMark(String phase, Instant at) {
    if (initMarks != null) {
      try {
        initMarks.write((at.getEpochSecond() * 1_000_000_000L + at.getNano() + " " + phase + "\n")
            .getBytes(StandardCharsets.UTF_8));
        initMarks.flush();
      } catch (IOException e) {
        initMarks = null;
      }
    }
  }

  /** In the init, last before execve. */
  static void closeInit() {
    initMark("set-up in the init (mounts, limits, filter)", Instant.now());
    try {
      if (initMarks != null) {
        initMarks.close();
      }
    } catch (IOException e) {
      // nothing to report it to: the command is about to start
    }
  }

  /** The lab, once its container has exited: the init's marks, from the state dir before it goes. */
  static synchronized void readInit(Container container) {
    Path file = container.stateDir().resolve(FILE);
    try {
      for (String line : Files.readAllLines(file)) {
        int space = line.indexOf(' ');
        long nanos = Long.parseLong(line.substring(0, space));
        MARKS.add(new Mark(line.substring(space + 1),
            Instant.ofEpochSecond(nanos / 1_000_000_000L, nanos % 1_000_000_000L)));
      }
    } catch (IOException | RuntimeException e) {
      // no init marks (the init failed before it wrote them): the table has fewer rows
    }
  }

  /** The table, on stderr: each phase, named at the mark that ends it, and the total. */
  public static synchronized void print(PrintWriter err) {
    if (!enabled) {
      return;
    }
    mark("clean-up");
    List<Mark> marks = new ArrayList<>();
    Instant origin = origin(ORIGIN);
    Instant jvm = origin(JVM_ORIGIN);
    if (origin != null && jvm != null) {
      marks.add(new Mark("", origin));
      marks.add(new Mark("./lab: is the build up to date?", jvm));
    } else { // the JVM's start, to the clock tick
      marks.add(new Mark("", ProcessHandle.current().info().startInstant().orElseThrow()));
    }
    List<Mark> beside = new ArrayList<>();
    for (Mark mark : MARKS) {
      (mark.phase().startsWith("+") ? beside : marks).add(mark);
    }
    MARKS.clear(); // the next container in this JVM starts a table of its own
    marks.sort((a, b) -> a.at().compareTo(b.at()));
    err.println("timings (--timings), each phase in ms:");
    for (int i = 1; i < marks.size(); i++) {
      err.printf("  %-44s %8.1f%n", marks.get(i).phase(), millis(marks.get(i - 1).at(), marks.get(i).at()));
    }
    err.printf("  %-44s %8.1f%n", "total", millis(marks.get(0).at(), marks.get(marks.size() - 1).at()));
    printBeside(err, marks, beside);
    err.flush();
  }

  /**
   * The early init's marks: from the lab's main, while the lab parsed and prepared, up to its
   * release (time it waited, if any, for the lab; if the lab waited for it, that is in set-up).
   */
  private static void printBeside(PrintWriter err, List<Mark> marks, List<Mark> beside) {
    Mark from = find(marks, "the lab's JVM, start to main");
    Mark released = find(marks, "namespaces configured, the init released");
    if (beside.isEmpty() || from == null || released == null) {
      return;
    }
    beside.sort((a, b) -> a.at().compareTo(b.at()));
    err.println("meanwhile, beside the phases above (the init, started early), in ms:");
    Instant last = from.at();
    for (Mark mark : beside) {
      err.printf("  %-44s %8.1f%n", mark.phase().substring(1), millis(last, mark.at()));
      last = mark.at();
    }
    err.printf("  %-44s %8.1f%n", "...until the lab released it", Math.max(0, millis(last, released.at())));
  }

  private static Mark find(List<Mark> marks, String phase) {
    return marks.stream().filter(m -> m.phase().equals(phase)).findFirst().orElse(null);
  }

  private static Instant origin(String variable) {
    try {
      long nanos = Long.parseLong(System.getenv(variable));
      return Instant.ofEpochSecond(nanos / 1_000_000_000L, nanos % 1_000_000_000L);
    } catch (RuntimeException e) {
      return null; // not run by ./lab (mvn exec:java, a test)
    }
  }

  private static double millis(Instant from, Instant to) {
    return Duration.between(from, to).toNanos() / 1e6;
  }
}
