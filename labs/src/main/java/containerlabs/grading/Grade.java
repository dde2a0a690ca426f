package containerlabs.grading;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./lab grade SUBMISSION} grades one checkout; {@code --batch DIR} every entry of DIR.
 * Each submission's tests run in a VM of their own that sees only the submission's code and
 * the reference's tests (scripts/grading-vm.sh); the score is decided here, from the
 * reference's catalogue, with what came back read as untrusted data.
 */
@Command(name = "grade", mixinStandardHelpOptions = true,
    description = "Grade a submission (a checkout of the labs) with the verification tests, in a throwaway VM.")
public final class Grade implements Callable<Integer> {
  @Parameters(arity = "0..1", paramLabel = "SUBMISSION", description = "A checkout to grade.")
  Path submission;

  @Option(names = "--batch", paramLabel = "DIR", description = "Grade every folder in DIR.")
  Path batch;

  @Option(names = "--out", paramLabel = "DIR", description = "Where reports go (default: ./grades).")
  Path out = Path.of("grades");

  @Option(names = "--timeout", paramLabel = "SECONDS", description = "Per submission: the VM is killed then (default: ${DEFAULT-VALUE}).")
  int timeout = 1800;

  @Option(names = "--labs", paramLabel = "N,N", split = ",", description = "Only these labs (default: all).")
  List<Integer> labs = new ArrayList<>();

  @Option(names = "--tests", paramLabel = "METHOD,METHOD", split = ",",
      description = "Only these tests, by method name (a quick check; the score is out of their points).")
  List<String> tests = new ArrayList<>();

  @Option(names = "--in-place", description = "Run the tests on this machine, no VM: only on a throwaway machine"
      + " such as a CI runner, since the submission runs as root.")
  boolean inPlace;

  @Option(names = "--score-only", paramLabel = "RESULTS", description = "Score a run's raw results (a file"
      + " a --in-place run wrote as raw-results), without running anything: SUBMISSION names the learner.")
  Path scoreOnly;

  private static final String JVM_CRASH = "A fatal error has been detected by the Java Runtime Environment";

  private final Path reference = Path.of("").toAbsolutePath();
  private String accel = System.getenv("VM_ACCEL");

  public static void main(String... args) {
    containerlabs.tool.Tool.main("grade", new Grade(), args);
  }

  @Override
  public Integer call() throws Exception {
    if (!Files.isDirectory(reference.resolve("lab01-uts")) || !Files.isRegularFile(reference.resolve("scripts/grading-vm.sh"))) {
      throw new IllegalArgumentException("run it from the top of the reference repository (./lab grade ...)");
    }
    ProcessTree.adoptOrphans();
    Catalog catalog = Catalog.read(reference).only(labs, tests);
    if (catalog.entries().isEmpty()) {
      throw new IllegalArgumentException("no graded test matches --labs " + labs + " --tests " + tests);
    }
    Files.createDirectories(out);
    if (batch == null) {
      if (submission == null) {
        throw new IllegalArgumentException("give a SUBMISSION folder, or --batch DIR");
      }
      if (scoreOnly == null && !Files.isDirectory(submission)) {
        throw new IllegalArgumentException("no such folder: " + submission + " (give the path of a learner's checkout)");
      }
      Result result = grade(submission, catalog);
      System.out.print(result.text());
      return result.score() == result.total() ? 0 : 1;
    }
    if (!Files.isDirectory(batch)) {
      throw new IllegalArgumentException("no such folder: " + batch + " (--batch takes a folder of checkouts)");
    }
    List<Path> entries;
    try (Stream<Path> list = Files.list(batch)) {
      entries = list.sorted().toList();
    }
    StringBuilder csv = new StringBuilder(Csv.HEADER);
    for (Path entry : entries) {
      Result result = grade(entry, catalog);
      csv.append(result.csvRow());
      System.out.println(result.learner() + ": " + result.score() + "/" + result.total()
          + (result.notes().isEmpty() ? "" : " (" + String.join("; ", result.notes()) + ")"));
    }
    Files.writeString(out.resolve("summary.csv"), csv);
    System.out.println("summary: " + out.resolve("summary.csv"));
    return 0;
  }

  private Result grade(Path learner, Catalog catalog) throws Exception {
    long start = System.nanoTime();
    String name = learner.toAbsolutePath().normalize().getFileName().toString();
    Path report = Files.createDirectories(out.resolve(name));
    List<String> notes = new ArrayList<>();
    byte[] raw = new byte[0];
    if (scoreOnly != null) {
      raw = readCapped(scoreOnly);
    } else if (Files.isSymbolicLink(learner) || !Files.isDirectory(learner, LinkOption.NOFOLLOW_LINKS)) {
      notes.add(Files.isSymbolicLink(learner) ? "a link, not a checkout: not graded" : "not a folder: not graded");
    } else if (!Files.isDirectory(learner.resolve("lab01-uts"), LinkOption.NOFOLLOW_LINKS)) {
      notes.add("not a checkout of the labs (no lab01-uts/): not graded");
    } else {
      raw = run(learner, catalog, report, notes);
      // Under emulation (TCG) a JVM in the VM now and then dies of a SIGSEGV in its compiled
      // code, whatever it runs: up to two new VMs, and the report says so.
      for (int again = 0; again < 2 && !inPlace
          && new String(raw, java.nio.charset.StandardCharsets.ISO_8859_1).contains(JVM_CRASH); again++) {
        notes.add("a JVM crashed in the grading VM (" + accel + "): graded again in a new VM");
        raw = run(learner, catalog, report, notes);
      }
    }
    boolean ran = scoreOnly != null || notes.stream().noneMatch(n -> n.endsWith("not graded"));
    Reports reports = ran ? Reports.read(raw) : new Reports();
    Result result = Result.of(name, catalog, reports, notes, (System.nanoTime() - start) / 1e9);
    Files.writeString(report.resolve("report.txt"), result.text());
    Files.writeString(report.resolve("result.json"), result.json());
    Files.writeString(report.resolve("results.json"), result.gradescope());
    Files.writeString(report.resolve("summary.md"), result.markdown());
    return result;
  }

  /** The submission's tests, in its VM (or here, --in-place): what they reported, as raw bytes. */
  private byte[] run(Path learner, Catalog catalog, Path report, List<String> notes) throws Exception {
    Stage stage = Stage.create();
    // Ctrl-C or kill of the grader: the VM (or the in-place run) and the stage go with it,
    // from the moment the stage's folder exists (a grader killed while it was copying used to
    // leave it behind).
    Thread stop = new Thread(() -> {
      try {
        stage.delete();
      } catch (IOException | InterruptedException e) {
        // the JVM is ending: nothing else to try
      }
    });
    Runtime.getRuntime().addShutdownHook(stop);
    Path results = report.resolve("raw-results");
    try {
      stage.assemble(reference, learner, catalog, catalog.modulesToBuild(reference));
      notes.addAll(stage.notes);
      Files.deleteIfExists(results);
      ProcessBuilder builder;
      if (inPlace) {
        builder = new ProcessBuilder("sh", stage.dir.resolve("run-tests").toString());
        builder.environment().put("GRADING", stage.dir.resolve("grading").toString());
        builder.environment().put("OUT", results.toAbsolutePath().toString());
      } else {
        builder = new ProcessBuilder("bash", reference.resolve("scripts/grading-vm.sh").toString(),
            stage.dir.toString(), results.toAbsolutePath().toString(), String.valueOf(timeout));
        if (accel != null) {
          builder.environment().put("VM_ACCEL", accel);
        }
      }
      Process process = stage.start(builder.redirectErrorStream(true));
      Path log = report.resolve(inPlace ? "run.log" : "vm.log");
      Thread copier = new Thread(() -> copyCapped(process.getInputStream(), log));
      copier.start();
      if (!process.waitFor(timeout + 30L, TimeUnit.SECONDS)) {
        ProcessTree.killAll(process);
        process.waitFor();
      }
      copier.join();
      if (process.exitValue() == 124 || process.exitValue() == 137) {
        notes.add("timed out after " + timeout + " s: the VM was killed");
      }
      String console = Files.readString(log, java.nio.charset.StandardCharsets.ISO_8859_1);
      if (accel == null && console.contains("booting the grading VM (")) {
        int at = console.indexOf("booting the grading VM (") + 24;
        accel = console.substring(at, console.indexOf(')', at)); // probed once a batch
      }
      if (!Files.exists(results)) {
        return new byte[0];
      }
      byte[] raw = readCapped(results);
      int end = 0;
      while (end < raw.length && raw[end] != 0) {
        end++;
      }
      raw = java.util.Arrays.copyOf(raw, end); // the disk's used part: kept as the run's evidence
      Files.write(results, raw);
      return raw;
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(stop);
      } catch (IllegalStateException e) {
        // the JVM is ending, and the hook is deleting the stage
      }
      stage.delete();
    }
  }

  private static byte[] readCapped(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes(Reports.MAX_BYTES);
    }
  }

  /** The VM's console, up to 10 MiB: a submission can print without end, the disk is ours. */
  private static void copyCapped(InputStream in, Path file) {
    try (in; OutputStream outFile = Files.newOutputStream(file)) {
      byte[] buffer = new byte[8192];
      long written = 0;
      for (int n; (n = in.read(buffer)) > 0; ) {
        if (written < 10 << 20) {
          outFile.write(buffer, 0, (int) Math.min(n, (10 << 20) - written));
          written += n;
        }
      }
    } catch (IOException e) {
      // the log is for people; the results are read from their own file
    }
  }
}
