package containerlabs.learner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The guide's chapters and sections, read from its sources (index.adoc and the files it
 * includes) and numbered as the built guide shows them (sectnums, doctype book): chapters 1, 2…,
 * their sections 1.1, 1.2…; appendices A, B…; a preface's sections have no number. A test names
 * a section by its title or its anchor, and {@code ./lab test} prints the number a reader finds
 * in the table of contents: it cannot go stale when sections move.
 */
public final class GuideSections {
  /** A chapter (level 1) or a section in it; {@code number} is "" where the guide shows none. */
  public record Section(String number, String title, String file, Section chapter, List<String> anchors) {
    /** "§1.3 The code", "chapter 1, Lab 01: …", or "Introduction › Running a lab" (no number). */
    public String label() {
      if (number.isEmpty()) {
        return chapter == null ? title : chapter.title + " › " + title;
      }
      if (chapter == null) {
        return (Character.isDigit(number.charAt(0)) ? "chapter " : "appendix ") + number + ", " + title;
      }
      return "§" + number + " " + title;
    }
  }

  private static final Pattern INCLUDE = Pattern.compile("^include::([^\\[]+)\\[(.*)]$");
  private static final Pattern LEVEL_OFFSET = Pattern.compile("leveloffset=\\+(\\d)");
  private static final Pattern HEADING = Pattern.compile("^(=+) (.+)$");
  private static final Pattern ANCHOR = Pattern.compile("^\\[\\[([\\w-]+)]]$|^\\[#([\\w-]+)]$");
  /** Delimited blocks (listings, literals, examples, tables…): a "== " inside is no heading. */
  private static final Pattern DELIMITER = Pattern.compile("^(-{4,}|\\.{4,}|={4,}|\\*{4,}|_{4,}|\\+{4,}|/{4,}|\\|===)$");

  /** The guide's sources, from the top of the repository. */
  public static final String FOLDER = "docs/src/docs/asciidoc";

  private final Path folder;
  private final List<Section> sections = new ArrayList<>();

  private GuideSections(Path folder) {
    this.folder = folder;
  }

  /** The guide of the repository at {@code repo} (none, if it has no guide: references then name no section). */
  public static GuideSections read(Path repo) {
    GuideSections guide = new GuideSections(repo.resolve(FOLDER));
    if (!Files.exists(guide.folder.resolve("index.adoc"))) {
      return guide;
    }
    try {
      int chapters = 0;
      int appendices = 0;
      for (String line : Files.readAllLines(guide.folder.resolve("index.adoc"))) {
        Matcher include = INCLUDE.matcher(line);
        if (include.matches() && !include.group(1).contains("{")) {
          Matcher offset = LEVEL_OFFSET.matcher(include.group(2));
          int[] counts = guide.readChapter(include.group(1), offset.find() ? Integer.parseInt(offset.group(1)) : 0,
              chapters, appendices);
          chapters = counts[0];
          appendices = counts[1];
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return guide;
  }

  /** Reads one included file; returns the chapter and appendix counts after it. */
  private int[] readChapter(String file, int levelOffset, int chapters, int appendices) throws IOException {
    List<String> anchors = new ArrayList<>();
    String style = "";
    String block = null;
    Section chapter = null;
    int[] counters = new int[8];
    for (String line : Files.readAllLines(folder.resolve(file))) {
      if (block != null) {
        block = line.equals(block) ? null : block;
        continue;
      }
      Matcher heading = HEADING.matcher(line);
      Matcher anchor = ANCHOR.matcher(line);
      if (DELIMITER.matcher(line).matches()) {
        block = line;
      } else if (anchor.matches()) {
        anchors.add(anchor.group(1) != null ? anchor.group(1) : anchor.group(2));
      } else if (line.equals("[preface]") || line.equals("[appendix]")) {
        style = line;
      } else if (heading.matches()) {
        int level = heading.group(1).length() - 1 + levelOffset;
        String title = heading.group(2).strip();
        if (level <= 1) {
          String number = switch (style) {
            case "[preface]" -> "";
            case "[appendix]" -> String.valueOf((char) ('A' + appendices++));
            default -> String.valueOf(++chapters);
          };
          chapter = new Section(number, title, file, null, List.copyOf(anchors));
          sections.add(chapter);
          counters = new int[8];
        } else if (chapter != null && level < counters.length) {
          counters[level]++;
          Arrays.fill(counters, level + 1, counters.length, 0);
          StringBuilder number = new StringBuilder(chapter.number());
          for (int l = 2; l <= level && !chapter.number().isEmpty(); l++) {
            number.append('.').append(counters[l]);
          }
          sections.add(new Section(number.toString(), title, file, chapter, List.copyOf(anchors)));
        }
        anchors.clear();
        style = "";
      } else if (!line.isBlank() && !line.startsWith("[") && !line.startsWith("//")) {
        anchors.clear(); // an anchor before a paragraph is the paragraph's
      }
    }
    return new int[] {chapters, appendices};
  }

  /** The chapter of lab N (its file is 0N-….adoc). */
  public Optional<Section> chapterOfLab(int lab) {
    return sections.stream().filter(s -> s.chapter() == null && s.file().startsWith(String.format("%02d-", lab)))
        .findFirst();
  }

  /**
   * A section by reference: an anchor anywhere in the guide ("engine"), or else the title of a
   * section in the chapter of lab N ("What you should observe").
   */
  public Optional<Section> find(String reference, int lab) {
    Optional<Section> anchored = sections.stream().filter(s -> s.anchors().contains(reference)).findFirst();
    if (anchored.isPresent()) {
      return anchored;
    }
    Optional<Section> chapter = chapterOfLab(lab);
    return sections.stream().filter(s -> s.chapter() != null && s.chapter().equals(chapter.orElse(null))
        && s.title().equals(reference)).findFirst();
  }

  /** The section's source file, as a path from the top of the repository. */
  public static String source(Section section) {
    return FOLDER + "/" + section.file();
  }

  public List<Section> sections() {
    return List.copyOf(sections);
  }
}
