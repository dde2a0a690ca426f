package containerlabs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerlabs.engine.Feature;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options a lab parsed reach its init, which does not parse them again. */
class InitArgumentsTest {
  public static class Options implements Feature {
    @Option(names = "--name") String name;
    @Option(names = "--mode") String mode = "bridge";
    @Option(names = "--root") Path root;
    @Option(names = "--limit") Integer limit;
    @Option(names = "--keep") boolean keep;
    @Option(names = {"-v", "--volume"}) List<String> volumes = new ArrayList<>();
  }

  @Command(name = "test-lab")
  public static class TestLab extends LabCommand {
    @Mixin Options options;

    @Override
    protected List<Feature> features() {
      return List.of(options);
    }
  }

  private static TestLab roundTrip(String... args) throws Exception {
    TestLab parsed = new TestLab();
    new CommandLine(parsed).setStopAtPositional(true).parseArgs(args);
    List<String> encoded = new ArrayList<>(InitArguments.encode(parsed.spec));
    encoded.add("--"); // then the engine's part: the process, see Container.processArguments
    encoded.addAll(parsed.command);
    TestLab init = new TestLab();
    init.command = new ArrayList<>(InitArguments.decode(init, encoded));
    return init;
  }

  @Test
  @DisplayName("every option type, repeated options, and the command with its own options")
  void everyType() throws Exception {
    TestLab init = roundTrip("--name", "a=b#c", "--root", "/srv/root", "--limit", "20", "--keep",
        "-v", "/a:/b:ro", "--volume=/c:/d", "--trace", "--", "ls", "-l", "--", "x");
    assertEquals("a=b#c", init.options.name);
    assertEquals(Path.of("/srv/root"), init.options.root);
    assertEquals(20, init.options.limit);
    assertTrue(init.options.keep);
    assertEquals(List.of("/a:/b:ro", "/c:/d"), init.options.volumes);
    assertEquals("bridge", init.options.mode);
    assertTrue(init.tracing.trace);
    assertEquals(List.of("ls", "-l", "--", "x"), init.command);
  }

  @Test
  @DisplayName("options not given keep their defaults")
  void defaults() throws Exception {
    TestLab init = roundTrip("--mode", "none");
    assertEquals("none", init.options.mode);
    assertNull(init.options.name);
    assertFalse(init.options.keep);
    assertFalse(init.tracing.trace);
    assertEquals(List.of(), init.options.volumes);
    assertEquals(List.of(), init.command);
  }
}
