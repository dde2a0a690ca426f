package containerlabs.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerlabs.image.Images;
import containerlabs.testing.LabRunner;
import containerlabs.testing.LabRunner.Result;
import containerlabs.testing.LabTest;
import containerlabs.testing.TarBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The image's config (Env, Entrypoint, Cmd, WorkingDir, User) decides the container's process
 * as docker's does. The image is an OCI layout that umoci builds here, from the busybox image's
 * files and a layer with the image's own users, and that ./lab images import reads.
 */
@Tag("reliability")
@LabTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("lab04-rootfs: the image's config")
class ImageConfigTest {
  private static final Path BUSYBOX = Path.of("/var/lib/container-labs/images/busybox/layers/0");
  private static final String IMAGE_PATH = "/opt/tools/bin:/usr/bin:/bin";
  private final LabRunner images = LabRunner.of(Images.class);
  private final LabRunner lab = LabRunner.of(Lab04.class);
  private final String name = "test-config-" + ThreadLocalRandom.current().nextInt(1_000_000);
  private final List<String> made = new ArrayList<>();
  private Path work;

  @BeforeAll
  void buildImage() throws Exception {
    work = Files.createTempDirectory("container-labs-config");
    Path tarball = umociImage("--config.env=PATH=" + IMAGE_PATH, "--config.env=GREETING=hello",
        "--config.entrypoint=/bin/echo", "--config.cmd=from", "--config.cmd=the image",
        "--config.workingdir=/srv/app", "--config.user=app");
    importImage(name, tarball);
  }

  @AfterAll
  void cleanUp() throws Exception {
    for (String image : made) {
      images.run("rm", image);
    }
    try (var paths = Files.walk(work)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  @DisplayName("with no command, the container runs the image's Entrypoint and then its Cmd")
  void entrypointAndCmd() {
    Result run = lab.run("--image", name);
    assertEquals(0, run.exitStatus(), run::toString);
    assertEquals("from the image", run.out(), run::toString);
  }

  @Test
  @DisplayName("a command replaces the Cmd, after the Entrypoint; --entrypoint replaces both")
  void commandReplacesCmd() {
    Result run = lab.run("--image", name, "--", "mine", "too");
    assertEquals("mine too", run.out(), run::toString);
    Result replaced = lab.run("--image", name, "--entrypoint", "sh", "--", "-c", "echo replaced");
    assertEquals("replaced", replaced.out(), replaced::toString);
  }

  @Test
  @DisplayName("the environment is the image's Env (its PATH finds its tools), HOSTNAME and HOME; -e adds and overrides")
  void environment() {
    Result run = lab.run("--image", name, "--hostname", "cfgbox", "--entrypoint", "env");
    List<String> env = run.lines();
    assertTrue(env.contains("PATH=" + IMAGE_PATH), run::toString);
    assertTrue(env.contains("GREETING=hello"), run::toString);
    assertTrue(env.contains("HOSTNAME=cfgbox"), run::toString);
    assertTrue(env.contains("HOME=/home/app"), "HOME from the image's /etc/passwd: " + run);
    Result tool = lab.run("--image", name, "-e", "GREETING=bye", "-e", "EXTRA=1", "--entrypoint", "greet");
    assertEquals("greet: bye 1", tool.out(), "greet is found only in the image's PATH: " + tool);
  }

  @Test
  @DisplayName("the command starts in the WorkingDir, made if the image lacks it; -w changes it")
  void workingDir() {
    Result run = lab.run("--image", name, "--entrypoint", "pwd");
    assertEquals("/srv/app", run.out(), run::toString);
    Result other = lab.run("--image", name, "-w", "/var/made/here", "--entrypoint", "pwd");
    assertEquals("/var/made/here", other.out(), other::toString);
  }

  @Test
  @DisplayName("the command runs as the image's User, named in the image's /etc/passwd and /etc/group, not the host's")
  void user() {
    Result run = lab.run("--image", name, "--entrypoint", "id");
    assertEquals("uid=1234(app) gid=2345(staff) groups=2345(staff),3456(extra)", run.out(), run::toString);
    // daemon is uid 1 on the host (Debian's base-passwd); the image says 4321.
    Result daemon = lab.run("--image", name, "-u", "daemon", "--entrypoint", "id");
    assertEquals("uid=4321(daemon) gid=3456(extra) groups=3456(extra)", daemon.out(), daemon::toString);
    Result numeric = lab.run("--image", name, "-u", "777:staff", "--entrypoint", "sh", "--", "-c",
        "id; grep -E '^(Cap(Prm|Eff)|NoNewPrivs)' /proc/self/status");
    assertEquals(List.of("uid=777 gid=2345(staff) groups=2345(staff)", "CapPrm:\t0000000000000000",
        "CapEff:\t0000000000000000", "NoNewPrivs:\t1"), numeric.lines(), numeric::toString);
    Result unknown = lab.run("--image", name, "-u", "nosuchuser", "--", "true");
    assertEquals(125, unknown.exitStatus(), unknown::toString);
    assertEquals(1, unknown.stderr().lines().count(), unknown::toString);
    assertTrue(unknown.stderr().contains("unable to find user nosuchuser"), unknown::toString);
  }

  @Test
  @DisplayName("a hostile config is refused in one line, at import and at run")
  void hostileConfig() throws Exception {
    refusedAtImport("{\"config\":{\"Env\":[\"NO_EQUALS_SIGN\"]}}", "is not KEY=VALUE");
    refusedAtImport("{\"config\":{\"Cmd\":[\"a\\u0000b\"]}}", "NUL byte");
    refusedAtImport("{\"config\":{\"Cmd\":5}}", "Cmd is not a list");
    refusedAtImport("{\"config\":{\"Entrypoint\":[\"sh\",7]}}", "Entrypoint holds a number, not a string");
    refusedAtImport("{\"config\":{\"User\":\"root\\n:0:0\"}}", "is not a user");
    refusedAtImport("{\"config\":{\"WorkingDir\":\"relative/dir\"}}", "not an absolute path");
    refusedAtImport("{\"config\":[]}", "\"config\" is not a JSON object");
    refusedAtImport("{\"config\":{\"Env\":[\"A=" + "x".repeat(200_000) + "\"]}}", "longer than execve takes");

    // An image stored with a bad config (by hand, or by an older import): refused before it runs.
    String stored = name + "-stored";
    Result run;
    try {
      importImage(stored, new TarBuilder().dir("bin").writeTo(work.resolve("plain.tar")));
      Files.writeString(Path.of("/var/lib/container-labs/images", stored, "config.json"),
          "{\"config\":{\"Cmd\":\"x\",\"Env\":[\"=nameless\"]}}");
      run = lab.run("--image", stored);
    } finally {
      images.run("rm", stored);
    }
    assertEquals(125, run.exitStatus(), run::toString);
    assertEquals(1, run.stderr().lines().count(), run::toString);
    assertTrue(run.stderr().contains("image '" + stored + "'") && run.stderr().contains("not KEY=VALUE"),
        run::toString);
    Result options = lab.run("--image", name, "-w", "relative", "--", "true");
    assertEquals(125, options.exitStatus(), options::toString);
    assertTrue(options.stderr().contains("absolute path"), options::toString);
  }

  @Test
  @DisplayName("./lab images inspect shows the image's config")
  void inspect() throws Exception {
    Result run = images.run("inspect", name);
    assertEquals(0, run.exitStatus(), run::toString);
    List<String> lines = run.lines();
    assertTrue(lines.contains("entrypoint   [\"/bin/echo\"]"), run::toString);
    assertTrue(lines.contains("cmd          [\"from\", \"the image\"]"), run::toString);
    assertTrue(lines.contains("             GREETING=hello"), run::toString);
    assertTrue(lines.contains("workdir      /srv/app"), run::toString);
    assertTrue(lines.contains("user         app"), run::toString);
    assertTrue(lines.contains("os           linux"), run::toString);
    Result json = images.run("inspect", "--json", name);
    assertEquals(Files.readString(Path.of("/var/lib/container-labs/images", name, "config.json")), json.stdout());
    assertTrue(json.stdout().contains("\"WorkingDir\":\"/srv/app\""), json::toString);
  }

  /** An OCI layout built by umoci: busybox's files, the image's users and a tool, then the config. */
  private Path umociImage(String... config) throws Exception {
    Path oci = work.resolve("oci");
    String image = oci + ":test";
    run("umoci", "init", "--layout", oci.toString());
    run("umoci", "new", "--image", image);
    // Tars made here and added as they are: umoci 0.4.7's own `insert` of a few small files
    // wrote a truncated layer.
    run("tar", "-C", BUSYBOX.toString(), "-cf", work.resolve("busybox.tar").toString(), ".");
    run("umoci", "raw", "add-layer", "--image", image, work.resolve("busybox.tar").toString());
    Path extra = work.resolve("extra");
    Files.createDirectories(extra.resolve("etc"));
    Files.writeString(extra.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n"
        + "daemon:x:4321:3456:daemon:/:/bin/false\napp:x:1234:2345:app:/home/app:/bin/sh\n");
    Files.writeString(extra.resolve("etc/group"), "root:x:0:\nstaff:x:2345:\nextra:x:3456:app\n");
    Files.createDirectories(extra.resolve("opt/tools/bin"));
    Path greet = Files.writeString(extra.resolve("opt/tools/bin/greet"), "#!/bin/sh\necho \"greet: $GREETING $EXTRA\"\n");
    greet.toFile().setExecutable(true, false);
    run("tar", "-C", extra.toString(), "-cf", work.resolve("extra.tar").toString(), ".");
    run("umoci", "raw", "add-layer", "--image", image, work.resolve("extra.tar").toString());
    List<String> command = new ArrayList<>(List.of("umoci", "config", "--image", image));
    command.addAll(List.of(config));
    run(command.toArray(String[]::new));
    Path tarball = work.resolve("oci.tar");
    run("tar", "-C", oci.toString(), "-cf", tarball.toString(), ".");
    return tarball;
  }

  private void importImage(String image, Path tarball) {
    made.add(image); // removed after all tests (rm of a removed image: a harmless refusal)
    Result imported = images.run("import", image, tarball.toString());
    assertEquals(0, imported.exitStatus(), imported::toString);
  }

  private void refusedAtImport(String config, String reason) throws Exception {
    Path tarball = new TarBuilder()
        .file("manifest.json", "[{\"Config\":\"c.json\",\"RepoTags\":[\"t:1\"],\"Layers\":[\"l0/layer.tar\"]}]")
        .file("c.json", config)
        .dir("l0").file("l0/layer.tar", new TarBuilder().dir("bin").bytes(), 0644)
        .writeTo(work.resolve("hostile.tar"));
    String image = name + "-hostile";
    Result run = images.run("import", image, tarball.toString());
    assertEquals(125, run.exitStatus(), run::toString);
    assertEquals(1, run.stderr().lines().count(), run::toString);
    assertTrue(run.stderr().contains(reason), "expected '" + reason + "': " + run);
    assertFalse(images.run("list").stdout().contains(image), "a refused import left an image");
  }

  private static void run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, process.waitFor(), String.join(" ", command) + ": " + out);
  }
}
