package containerlabs.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import containerlabs.testing.LabRunner.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test's imports into the shared image store: each image uniquely named, all removed after
 * the test ({@code @RegisterExtension final Imports imports = new Imports(Images.class)}).
 */
public final class Imports implements AfterEachCallback {
  private final LabRunner images;
  private final String prefix = "test-import-" + ThreadLocalRandom.current().nextInt(1_000_000) + "-";
  private final List<String> made = new ArrayList<>();

  public Imports(Class<?> imagesTool) {
    this.images = LabRunner.of(imagesTool);
  }

  /** What {@code images import NAME ARGS...} printed; NAME is new, and the import must succeed. */
  public record Imported(String name, Result result) {}

  public Imported imported(String... args) {
    String name = prefix + made.size();
    made.add(name);
    Result run = run(name, args);
    assertEquals(0, run.exitStatus(), run::toString);
    return new Imported(name, run);
  }

  /** {@code images import NAME ARGS...}, with a name no image has. */
  public Result run(String name, String... args) {
    List<String> command = new ArrayList<>(List.of("import", name));
    command.addAll(List.of(args));
    return images.run(command.toArray(String[]::new));
  }

  /** A name for an import that must fail (and so leave no image to remove). */
  public String unusedName() {
    return prefix + "refused";
  }

  @Override
  public void afterEach(ExtensionContext context) {
    made.forEach(name -> images.run("rm", name));
    made.clear();
  }
}
