package containerlabs.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import containerlabs.image.Images;
import containerlabs.testing.Guide;
import containerlabs.testing.Imports;
import containerlabs.testing.LabRunner;
import containerlabs.testing.LabRunner.Result;
import containerlabs.testing.LabTest;
import containerlabs.testing.ToolImages;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Containers from images that umoci and skopeo made (see {@link ToolImages}): what the
 * container sees is the right image, its layers stacked with their whiteouts and opaque folder.
 * The engine's, not the learner's: the grader skips it.
 */
@LabTest
@Guide("Images from other tools")
@Tag("reliability")
@DisplayName("lab04-rootfs: containers from images other tools made")
class ToolImagesTest {
  /** Tag a as a container sees it: data/gone whited out, data/kept the upper one, data/dir opaque. */
  private static final String SHOW = "echo /data/* /data/dir/*; read kept < /data/kept; echo $kept";
  private static final List<String> TAG_A = List.of("/data/dir /data/kept /data/dir/z", "upper");
  @RegisterExtension
  static final ToolImages tools = new ToolImages();
  @RegisterExtension
  final Imports imports = new Imports(Images.class);
  private final LabRunner lab = LabRunner.of(Lab04.class);

  private List<String> runIn(String... importArgs) {
    Result run = lab.run("--image", imports.imported(importArgs).name(), "--", "sh", "-c", SHOW);
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
