package containerlabs.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import containerlabs.image.Images;
import containerlabs.testing.LabRunner;
import containerlabs.testing.LabRunner.Result;
import containerlabs.testing.LabTest;
import containerlabs.testing.ToolImages;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Containers from images that umoci and skopeo made (see {@link ToolImages}): what the
 * container sees is the right image, its layers stacked with their whiteouts and opaque folder.
 * The engine's, not the learner's: the grader skips it.
 */
@LabTest
@Tag("reliability")
@DisplayName("lab04-rootfs: containers from images other tools made")
class ToolImagesTest {
  /** Tag a as a container sees it: data/gone whited out, data/kept the upper one, data/dir opaque. */
  private static final String SHOW = "echo /data/* /data/dir/*; read kept < /data/kept; echo $kept";
  private static final List<String> TAG_A = List.of("/data/dir /data/kept /data/dir/z", "upper");
  private static ToolImages tools;
  private final LabRunner images = LabRunner.of(Images.class);
  private final LabRunner lab = LabRunner.of(Lab04.class);
  private final String prefix = "test-tools-" + ThreadLocalRandom.current().nextInt(1_000_000) + "-";
  private final List<String> made = new ArrayList<>();

  @BeforeAll
  static void build() throws IOException {
    tools = ToolImages.build();
  }

  @AfterAll
  static void remove() throws IOException {
    if (tools != null) {
      tools.close();
    }
  }

  @AfterEach
  void removeImages() {
    made.forEach(name -> images.run("rm", name));
  }

  private List<String> runIn(String... importArgs) {
    String name = prefix + made.size();
    made.add(name);
    List<String> command = new ArrayList<>(List.of("import", name));
    command.addAll(List.of(importArgs));
    Result imported = images.run(command.toArray(String[]::new));
    assertEquals(0, imported.exitStatus(), imported::toString);
    Result run = lab.run("--image", name, "--", "sh", "-c", SHOW);
    assertEquals(0, run.exitStatus(), run::toString);
    return run.lines();
  }

  @Test
  @DisplayName("an OCI layout's tags: --tag a runs a's three layers, b its one")
  void tags() {
    assertEquals(TAG_A, runIn("--tag", "a", tools.layout.toString()));
    assertEquals(List.of("/data/dir /data/gone /data/kept /data/dir/x /data/dir/y", "lower"),
        runIn("--tag", "b", tools.layout.toString()));
  }

  @Test
  @DisplayName("skopeo's docker-archive, dir: and zstd-compressed oci-archive run alike")
  void skopeoFormats() throws IOException {
    tools.skopeo("a", "docker-archive:" + tools.dir.resolve("a.tar") + ":labs/tool:one");
    assertEquals(TAG_A, runIn(tools.dir.resolve("a.tar").toString()));
    tools.skopeo("a", "dir:" + tools.dir.resolve("a-dir"));
    assertEquals(TAG_A, runIn(tools.dir.resolve("a-dir").toString()));
    tools.skopeo("a", "oci-archive:" + tools.dir.resolve("a-zstd.tar"), "--dest-compress-format", "zstd");
    assertEquals(TAG_A, runIn(tools.dir.resolve("a-zstd.tar").toString()));
  }
}
