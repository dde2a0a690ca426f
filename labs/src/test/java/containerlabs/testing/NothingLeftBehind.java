package containerlabs.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;

/**
 * For every lab test: it must run as root (it fails loudly otherwise, never skips), and it
 * fails if the host holds anything afterwards that it did not hold before.
 */
public final class NothingLeftBehind
    implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback {
  private static final Namespace NAMESPACE = Namespace.create(NothingLeftBehind.class);

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    String uid = Files.readAllLines(Path.of("/proc/self/status")).stream()
        .filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[2];
    if (!uid.equals("0")) {
      throw new AssertionError("the lab tests create namespaces and mounts and must run as root:"
          + " run them with sudo (e.g. sudo mvn test)");
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    context.getStore(NAMESPACE).put(HostState.class, HostState.now());
  }

  @Override
  public void afterEach(ExtensionContext context) {
    HostState before = context.getStore(NAMESPACE).get(HostState.class, HostState.class);
    Set<String> left = HostState.now().newSince(before);
    if (!left.isEmpty()) {
      throw new AssertionError("the run left behind:\n  " + String.join("\n  ", left));
    }
  }
}
