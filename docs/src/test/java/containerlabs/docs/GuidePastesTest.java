package containerlabs.docs;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A learner copies commands out of the built guide and pastes them into a shell. Asciidoctor's
 * text substitutions (typographic quotes, {@code --} to an em dash, {@code ...} to an ellipsis,
 * {@code $$} and {@code +} passthroughs, attribute references) rewrite text that is not marked
 * literal, and a pasted command then fails. These checks read the guide as built
 * (target/guide/index.html) beside its Asciidoc source and fail when the two differ.
 */
@DisplayName("The built guide shows every command exactly as its source")
class GuidePastesTest {

    /** What Asciidoctor's replacements put in (dashes, curly quotes, the zero-width space after an
     *  ellipsis, arrows, (C) (R) (TM)), and a shell never wants. */
    private static final String TYPOGRAPHIC = "\u2014\u2013\u2018\u2019\u201c\u201d\u200b\u2192\u2190\u21d2\u21d0\u00a9\u00ae\u2122";

    /** A listing line that is a command a learner would paste (transcripts start it with "# "). */
    private static final Pattern COMMAND = Pattern.compile(
            "^(# )?(((\\./lab|sudo|mvn|java|ip|cat|vagrant|cd|nft|nsenter|mount|umount|mkdir|sysctl|"
                    + "setpriv|hostname|grep|ls|kill|pkill|pgrep|echo|docker|busybox|find)(\\s|$))"
                    + "|CONTAINER_LABS_PAUSE=|LAB_NO_BUILD=|scripts/|docs/|\\(\\./lab)");

    private static Path source;
    private static Path transcripts;
    private static Document guide;
    private static final List<Span> sourceCode = new ArrayList<>();
    private static final List<String> sourceCommands = new ArrayList<>();

    /** An inline monospace span of the source: the text the author meant, and where. */
    record Span(String text, String where) {}

    @BeforeAll
    static void read() throws IOException {
        Path docs = Path.of(System.getProperty("guide.docs", "."));
        source = docs.resolve("src/docs/asciidoc");
        transcripts = source.resolve("transcripts");
        Path html = docs.resolve("target/guide/index.html");
        assertTrue(Files.isRegularFile(html), html + " is missing: build the guide first (mvn -pl docs package)");
        guide = Jsoup.parse(html.toFile(), "UTF-8");
        guide.select("#toc").remove();
        readAsciidoc(source.resolve("index.adoc"));
    }

    @Test
    @DisplayName("no inline command holds a dash, quote or ellipsis that Asciidoctor typeset")
    void noTypographicCharacters() {
        List<String> bad = new ArrayList<>();
        for (Element code : inlineCode()) {
            String text = code.wholeText();
            for (char c : TYPOGRAPHIC.toCharArray()) {
                if (text.indexOf(c) >= 0) {
                    bad.add(String.format("U+%04X in <code>%s</code>", (int) c, text));
                }
            }
        }
        if (!bad.isEmpty()) {
            fail(bad.size() + " inline commands were typeset (write them as `+...+`):\n  " + String.join("\n  ", bad));
        }
    }

    @Test
    @DisplayName("every inline command reads as written in the source, in order")
    void inlineCodeEqualsSource() {
        List<String> rendered = inlineCode().stream().map(code -> normalize(code.wholeText())).toList();
        List<String> written = sourceCode.stream().map(Span::text).toList();
        assertTrue(written.size() > 100, "the guide's source holds inline code: found " + written.size());
        // Align the two sequences (longest common subsequence), so that one lost span is
        // reported once, and not as a shift of every span after it.
        int[][] common = new int[written.size() + 1][rendered.size() + 1];
        for (int i = written.size() - 1; i >= 0; i--) {
            for (int j = rendered.size() - 1; j >= 0; j--) {
                common[i][j] = written.get(i).equals(rendered.get(j))
                        ? common[i + 1][j + 1] + 1
                        : Math.max(common[i + 1][j], common[i][j + 1]);
            }
        }
        List<String> bad = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < written.size() || j < rendered.size()) {
            if (i < written.size() && j < rendered.size() && written.get(i).equals(rendered.get(j))) {
                i++;
                j++;
                continue;
            }
            int fromI = i;
            int fromJ = j;
            while ((i < written.size() || j < rendered.size())
                    && !(i < written.size() && j < rendered.size() && written.get(i).equals(rendered.get(j)))) {
                if (j >= rendered.size() || (i < written.size() && common[i + 1][j] >= common[i][j + 1])) {
                    i++;
                } else {
                    j++;
                }
            }
            String where = fromI < sourceCode.size() ? sourceCode.get(fromI).where() : "(end)";
            bad.add(where + ": source " + quote(written.subList(fromI, i)) + ", rendered " + quote(rendered.subList(fromJ, j)));
        }
        if (!bad.isEmpty()) {
            fail("inline code differs from its source (write it as `+...+`):\n  " + String.join("\n  ", bad));
        }
    }

    private static String quote(List<String> spans) {
        return spans.isEmpty() ? "nothing" : "`" + String.join("` `", spans) + "`";
    }

    @Test
    @DisplayName("every command in a listing or transcript reads as written in the source")
    void listingCommandsEqualSource() {
        List<String> rendered = new ArrayList<>();
        for (Element pre : guide.select("pre")) {
            if (pre.selectFirst("code[data-lang=java]") != null) {
                continue; // the labs' code, quoted by tag: compiled, not pasted
            }
            for (String line : pre.wholeText().split("\n", -1)) {
                // A callout renders as "(1)" where the source has "<1>".
                String command = line.replaceAll("\\s*(\\(\\d+\\)\\s*)+$", "").stripTrailing();
                if (COMMAND.matcher(command).find()) {
                    rendered.add(command);
                }
            }
        }
        List<String> missing = new ArrayList<>(sourceCommands);
        List<String> changed = new ArrayList<>();
        for (String command : rendered) {
            if (!missing.remove(command)) {
                changed.add(command);
            }
        }
        if (!changed.isEmpty() || !missing.isEmpty()) {
            fail("listing commands differ from their source.\n rendered, not in the source:\n  "
                    + String.join("\n  ", changed) + "\n in the source, not rendered:\n  " + String.join("\n  ", missing));
        }
        assertTrue(rendered.size() > 40, "the guide's transcripts and listings hold commands: found " + rendered.size());
    }

    private static List<Element> inlineCode() {
        return guide.select("code").stream().filter(code -> code.closest("pre") == null).toList();
    }

    // ---- The source side: what the author wrote -------------------------------------------

    private static final Pattern INCLUDE = Pattern.compile("^include::([^\\[]+)\\[.*]$");
    private static final Pattern DELIMITER = Pattern.compile("^(-{4,}|\\.{4,}|\\+{4,}|/{4,}|={4,}|\\*{4,}|_{4,})$");

    /**
     * Reads an Asciidoc file as Asciidoctor would for these purposes: chapters are included
     * in place, listing blocks give commands (transcripts included), and every other line is
     * prose whose monospace spans are collected.
     */
    private static void readAsciidoc(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        StringBuilder paragraph = new StringBuilder();
        int paragraphStart = 0;
        String blockStyle = "";
        String verbatim = null; // the delimiter of the verbatim block we are in, if any
        boolean code = false; // that block is the labs' Java code, or a diagram
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (verbatim != null) {
                if (line.equals(verbatim)) {
                    verbatim = null;
                } else if (!code) {
                    listingLine(line);
                }
                continue;
            }
            Matcher delimiter = DELIMITER.matcher(line);
            if (delimiter.matches() && "-.+/".indexOf(line.charAt(0)) >= 0) {
                prose(paragraph, paragraphStart, file);
                paragraph.setLength(0);
                verbatim = line;
                // The labs' Java code is quoted by tag and compiled; diagrams are not commands.
                code = blockStyle.matches("\\[(source,\\s*java.*|plantuml.*|ditaa.*)]")
                        || line.startsWith("/") || line.startsWith("+");
                blockStyle = "";
                continue;
            }
            Matcher include = INCLUDE.matcher(line);
            if (include.matches() && include.group(1).endsWith(".adoc")) {
                prose(paragraph, paragraphStart, file);
                paragraph.setLength(0);
                Path chapter = file.resolveSibling(include.group(1));
                if (Files.exists(chapter) || !line.contains("opts=optional")) {
                    readAsciidoc(chapter); // an optional one may be left out, as Asciidoctor does
                }
                continue;
            }
            if (line.startsWith("//") || line.matches("^:[\\w-]+:.*") || line.matches("^\\[.*]$")) {
                if (line.startsWith("[")) {
                    blockStyle = line;
                }
                continue;
            }
            if (line.isBlank() || delimiter.matches()) {
                prose(paragraph, paragraphStart, file);
                paragraph.setLength(0);
                continue;
            }
            if (paragraph.length() == 0) {
                paragraphStart = i + 1;
            }
            paragraph.append(line).append('\n');
            blockStyle = "";
        }
        prose(paragraph, paragraphStart, file);
    }

    private static void listingLine(String line) throws IOException {
        Matcher include = INCLUDE.matcher(line);
        if (include.matches()) {
            String target = include.group(1);
            if (target.startsWith("{transcripts}/")) {
                for (String included : Files.readAllLines(transcripts.resolve(target.substring("{transcripts}/".length())))) {
                    listingLine(included);
                }
            }
            return;
        }
        String command = line.replaceAll("\\s*(<\\d+>\\s*)+$", "").stripTrailing();
        if (COMMAND.matcher(command).find()) {
            sourceCommands.add(command);
        }
    }

    /**
     * The monospace spans of one paragraph, as meant: `+text+` is text, literally; ``text`` and
     * `text` are text. Any text substitution Asciidoctor then makes shows as a difference.
     */
    private static void prose(CharSequence paragraph, int start, Path file) {
        String text = paragraph.toString();
        int at = 0;
        while ((at = text.indexOf('`', at)) >= 0) {
            String close;
            int from;
            if (text.startsWith("`+", at)) {
                close = "+`";
                from = at + 2;
            } else if (text.startsWith("``", at)) {
                close = "``";
                from = at + 2;
            } else {
                close = "`";
                from = at + 1;
            }
            int end = text.indexOf(close, from);
            if (end < 0) {
                break;
            }
            int line = start + (int) text.substring(0, at).chars().filter(c -> c == '\n').count();
            sourceCode.add(new Span(normalize(text.substring(from, end)), source.relativize(file) + ":" + line));
            at = end + close.length();
        }
    }

    private static String normalize(String text) {
        return text.replaceAll("\\s+", " ").strip();
    }
}
