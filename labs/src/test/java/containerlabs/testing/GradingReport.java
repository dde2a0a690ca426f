package containerlabs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * With {@code -Dcontainerlabs.results=FILE}, each test's outcome is appended to FILE as one
 * JSON line: lab, test (its display name), points, passed, seconds, reason. The grader reads it.
 */
public final class GradingReport implements BeforeEachCallback, TestWatcher {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(GradingReport.class);

  @Override
  public void beforeEach(ExtensionContext context) {
    context.getStore(NAMESPACE).put("start", System.nanoTime());
  }

  @Override
  public void testSuccessful(ExtensionContext context) {
    write(context, true, "");
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    write(context, false, String.valueOf(cause.getMessage()));
  }

  @Override
  public void testAborted(ExtensionContext context, Throwable cause) {
    write(context, false, "aborted: " + cause.getMessage());
  }

  @Override
  public void testDisabled(ExtensionContext context, Optional<String> reason) {
    write(context, false, "disabled");
  }

  private static void write(ExtensionContext context, boolean passed, String reason) {
    String file = System.getProperty("containerlabs.results");
    if (file == null || file.isBlank()) {
      return;
    }
    Long start = context.getStore(NAMESPACE).get("start", Long.class);
    double seconds = start == null ? 0 : (System.nanoTime() - start) / 1e9;
    int points = context.getRequiredTestMethod().isAnnotationPresent(Points.class)
        ? context.getRequiredTestMethod().getAnnotation(Points.class).value() : 0;
    String lab = context.getParent().map(ExtensionContext::getDisplayName).orElse("?").split(" ")[0];
    String line = String.format(java.util.Locale.ROOT,
        "{\"lab\":%s,\"test\":%s,\"points\":%d,\"passed\":%b,\"seconds\":%.2f,\"reason\":%s}%n",
        json(lab), json(context.getDisplayName()), points, passed, seconds, json(reason));
    try {
      Files.writeString(Path.of(file), line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String json(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
