package containerlabs.grading;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One submission's grade, decided on the grader's side: for each test of the catalogue, its
 * reported outcome (a test with no result failed), its points if it passed. Written as
 * report.txt for people, result.json (the schema in the guide's appendix) and Gradescope's
 * results.json for an LMS.
 */
record Result(String learner, List<Line> lines, List<String> notes, double seconds) {
  record Line(Catalog.Entry entry, boolean passed, String reason) {
    int score() {
      return passed ? entry.points() : 0;
    }
  }

  static Result of(String learner, Catalog catalog, Reports reports, List<String> notes, double seconds) {
    List<Line> lines = new ArrayList<>();
    for (Catalog.Entry entry : catalog.entries()) {
      Reports.Outcome outcome = reports.outcomes.get(entry.id());
      lines.add(outcome == null
          ? new Line(entry, false, "no result: it did not run (" + whyNotRun(entry, reports) + ")")
          : new Line(entry, outcome.passed(), outcome.reason()));
    }
    List<String> all = new ArrayList<>(notes);
    long unknown = reports.outcomes.keySet().stream()
        .filter(id -> catalog.entries().stream().noneMatch(e -> e.id().equals(id))).count();
    if (unknown > 0) {
      all.add(unknown + " results for tests the catalogue does not list: they count for nothing");
    }
    reports.problems.forEach(p -> all.add("results inconsistent: " + p));
    return new Result(learner, lines, all, seconds);
  }

  /** A failed compile is the usual reason; its first errors say what to fix. */
  private static String whyNotRun(Catalog.Entry entry, Reports reports) {
    for (var log : reports.logs.entrySet()) {
      if (log.getKey().startsWith("javac-") && log.getValue().contains("does not compile")) {
        String module = log.getKey().substring(6).replace(".log", "");
        if (module.compareTo(entry.module()) <= 0) {
          String errors = log.getValue().lines().filter(l -> l.contains("error:")).limit(3)
              .reduce("", (a, b) -> a + "\n" + b.replaceAll("^.*?/(lab0\\d-)", "$1"));
          return module + " does not compile" + errors;
        }
      }
    }
    return "a hang, a crash or the time limit: see the run's log";
  }

  int score() {
    return lines.stream().mapToInt(Line::score).sum();
  }

  int total() {
    return lines.stream().mapToInt(l -> l.entry().points()).sum();
  }

  Map<String, int[]> perLab() {
    Map<String, int[]> labs = new LinkedHashMap<>();
    for (Line line : lines) {
      int[] lab = labs.computeIfAbsent(line.entry().module(), k -> new int[2]);
      lab[0] += line.score();
      lab[1] += line.entry().points();
    }
    return labs;
  }

  String text() {
    StringBuilder s = new StringBuilder();
    for (Line line : lines) {
      s.append(String.format(Locale.ROOT, "%s: %s: %s%s%n", line.entry().module(), line.entry().test(),
          line.passed() ? "OK" : "FAIL", line.entry().points() == 0 ? " [0 points]" : ""));
      if (!line.passed()) {
        line.reason().lines().forEach(r -> s.append("    ").append(r).append('\n'));
      }
    }
    perLab().forEach((lab, p) -> s.append(lab).append(": ").append(p[0]).append('/').append(p[1]).append('\n'));
    notes.forEach(n -> s.append("note: ").append(n).append('\n'));
    return s.append("Score: ").append(score()).append('/').append(total()).append('\n').toString();
  }

  String json() {
    StringBuilder s = new StringBuilder("{\n  \"learner\": ").append(Json.quote(learner))
        .append(",\n  \"score\": ").append(score()).append(",\n  \"total\": ").append(total())
        .append(",\n  \"seconds\": ").append(Math.round(seconds)).append(",\n  \"labs\": {");
    String comma = "";
    for (var lab : perLab().entrySet()) {
      s.append(comma).append("\n    ").append(Json.quote(lab.getKey())).append(": {\"score\": ")
          .append(lab.getValue()[0]).append(", \"total\": ").append(lab.getValue()[1]).append('}');
      comma = ",";
    }
    s.append("\n  },\n  \"tests\": [");
    comma = "";
    for (Line l : lines) {
      s.append(comma).append("\n    {\"lab\": ").append(Json.quote(l.entry().module()))
          .append(", \"test\": ").append(Json.quote(l.entry().test()))
          .append(", \"passed\": ").append(l.passed())
          .append(", \"points\": ").append(l.score()).append(", \"of\": ").append(l.entry().points())
          .append(", \"reason\": ").append(Json.quote(l.reason())).append('}');
      comma = ",";
    }
    return s.append("\n  ],\n  \"notes\": [").append(String.join(", ", notes.stream().map(Json::quote).toList()))
        .append("]\n}\n").toString();
  }

  /** Gradescope's autograder results.json: score, and a row per test with its own points. */
  String gradescope() {
    StringBuilder s = new StringBuilder("{\n  \"score\": ").append(score()).append(",\n  \"output\": ")
        .append(Json.quote(String.join("\n", notes))).append(",\n  \"tests\": [");
    String comma = "";
    for (Line l : lines) {
      s.append(comma).append("\n    {\"name\": ").append(Json.quote(l.entry().module() + ": " + l.entry().test()))
          .append(", \"score\": ").append(l.score()).append(", \"max_score\": ").append(l.entry().points())
          .append(", \"status\": ").append(l.passed() ? "\"passed\"" : "\"failed\"")
          .append(", \"output\": ").append(Json.quote(l.reason()))
          .append(", \"visibility\": \"visible\"}");
      comma = ",";
    }
    return s.append("\n  ]\n}\n").toString();
  }

  /** The points in Markdown: a CI job's summary. */
  String markdown() {
    StringBuilder s = new StringBuilder("### " + learner + ": " + score() + "/" + total() + "\n\n| lab | points |\n|---|---|\n");
    perLab().forEach((lab, p) -> s.append("| ").append(lab).append(" | ").append(p[0]).append('/').append(p[1]).append(" |\n"));
    s.append("\n| test | points |\n|---|---|\n");
    for (Line l : lines) {
      s.append("| ").append(l.passed() ? "✅ " : "❌ ").append(l.entry().module()).append(": ")
          .append(l.entry().test().replace("|", "\\|")).append(" | ").append(l.score()).append('/')
          .append(l.entry().points()).append(" |\n");
    }
    notes.forEach(n -> s.append("\n- ").append(n.replace("\n", " ")));
    return s.append('\n').toString();
  }

  /** One RFC 4180 row of the batch's summary.csv. */
  String csvRow() {
    return Csv.row(learner, String.valueOf(score()), String.valueOf(total()),
        String.format(Locale.ROOT, "%.0f", seconds), String.join("; ", notes));
  }
}
