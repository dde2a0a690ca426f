package containerlabs.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import containerlabs.image.Images;
import containerlabs.kernel.Architecture;
import containerlabs.testing.Host;
import containerlabs.testing.LabRunner;
import containerlabs.testing.LabRunner.Result;
import containerlabs.testing.LabTest;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code ./lab images pull} against a real registry: Debian's docker-registry (Distribution 2.8)
 * on 127.0.0.1, images built with umoci from busybox and pushed with skopeo, a multi-platform
 * index, and a token server in front of the registry as Docker Hub has. Nothing leaves 127.0.0.1.
 */
@LabTest
@Tag("reliability")
@DisplayName("lab04-rootfs: images pull from a registry on 127.0.0.1")
class RegistryPullTest {
  private static final Path BUSYBOX = Path.of("/var/lib/container-labs/images/busybox/layers/0/bin/busybox");
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private static Path work;
  private static Process registry;
  private static String host; // 127.0.0.1:PORT of the registry
  private static String repo; // test/pull-RANDOM, so that the default local name is unique too

  private final LabRunner images = LabRunner.of(Images.class);
  private final LabRunner lab = LabRunner.of(Lab04.class);
  private final String name = "test-pull-" + ThreadLocalRandom.current().nextInt(1_000_000);
  private final List<String> made = new ArrayList<>(List.of(name));

  /**
   * The registry, and in it: REPO:one (OCI, busybox and /etc/gone), REPO:two (one + a layer that
   * adds /greeting and whites out /etc/gone), REPO:docker (the same as Docker schema 2), REPO:foreign (arm64 or amd64, whichever
   * this machine is not, with /arch), REPO:multi (an index: the foreign image first, then ours),
   * REPO:noise (a layer of random bytes, for the corruption test).
   */
  @BeforeAll
  static void registry() throws Exception {
    work = Files.createTempDirectory("container-labs-pull");
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    host = "127.0.0.1:" + port;
    repo = "test/pull-" + ThreadLocalRandom.current().nextInt(1_000_000);
    Files.writeString(work.resolve("registry.yml"), "version: 0.1\nlog:\n  level: error\n"
        + "storage:\n  filesystem:\n    rootdirectory: " + work.resolve("storage") + "\n"
        + "http:\n  addr: " + host + "\n");
    registry = new ProcessBuilder("docker-registry", "serve", work.resolve("registry.yml").toString())
        .redirectErrorStream(true).redirectOutput(work.resolve("registry.log").toFile()).start();
    for (int i = 0; !answers("http://" + host + "/v2/"); i++) {
      assertTrue(i < 100 && registry.isAlive(), "docker-registry did not start: "
          + Files.readString(work.resolve("registry.log")));
      Thread.sleep(50);
    }
    String foreign = Architecture.current() == Architecture.X86_64 ? "arm64" : "amd64";
    Host.sh("set -e; cd " + work + "; exec > umoci.log 2>&1\n"
        + "umoci init --layout oci; umoci new --image oci:empty\n"
        + "umoci unpack --image oci:empty b0; mkdir -p b0/rootfs/bin b0/rootfs/etc\n"
        + "cp " + BUSYBOX + " b0/rootfs/bin/busybox; ln -s busybox b0/rootfs/bin/sh; echo one > b0/rootfs/etc/gone\n"
        + "umoci repack --image oci:one b0\n"
        // umoci insert writes tars without their end (umoci 0.4.7): layers are made by unpack, change, repack.
        + "umoci unpack --image oci:one b1; echo two > b1/rootfs/greeting; rm b1/rootfs/etc/gone\n"
        + "umoci repack --image oci:two b1; umoci config --image oci:two --config.env GREETING=two\n"
        + "umoci unpack --image oci:one b2; echo foreign > b2/rootfs/arch\n"
        + "umoci repack --image oci:foreign b2; umoci config --image oci:foreign --architecture " + foreign + "\n"
        + "umoci unpack --image oci:one b3; head -c 65536 /dev/urandom > b3/rootfs/noise\n"
        + "umoci repack --image oci:noise b3\n");
    for (String tag : List.of("one", "two", "foreign", "noise")) {
      push("oci:" + work.resolve("oci") + ":" + tag, repo + ":" + tag, "");
    }
    push("oci:" + work.resolve("oci") + ":two", repo + ":docker", "--format v2s2");
    // The index, pushed as docker pushes one: its images first, then the index naming them.
    String index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
        + platformEntry("foreign", foreign) + "," + platformEntry("two", Architecture.current().imageName) + "]}";
    HttpResponse<String> put = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/" + repo
        + "/manifests/multi")).header("Content-Type", "application/vnd.oci.image.index.v1+json")
        .PUT(HttpRequest.BodyPublishers.ofString(index)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(201, put.statusCode(), put::body);
  }

  @AfterAll
  static void stopRegistry() throws Exception {
    if (registry != null) {
      registry.destroy(); // SIGTERM to the pid we started
      if (!registry.waitFor(10, TimeUnit.SECONDS)) {
        registry.destroyForcibly().waitFor();
      }
    }
    if (work != null) {
      try (var paths = Files.walk(work)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @AfterEach
  void removeImages() {
    for (String image : made) {
      if (Files.exists(Path.of("/var/lib/container-labs/images", image))) {
        images.run("rm", image);
      }
    }
  }

  @Test
  @DisplayName("an image built for another processor, with no index, is refused: its programs could not run")
  void foreignImage() throws Exception {
    oneLine(pull(repo + ":foreign", "--name", name), host + "/" + repo + ":foreign is an image for linux/"
        + (Architecture.current() == Architecture.X86_64 ? "arm64" : "amd64") + ", and this machine runs linux/"
        + Architecture.current().imageName + " programs");
    assertFalse(Files.exists(image(name)));
  }

  @Test
  @DisplayName("an OCI image of two layers: the layers stack, the config is kept verbatim, a container runs")
  void ociImage() throws Exception {
    Result pulled = pull(repo + ":two", "--name", name);
    assertEquals(0, pulled.exitStatus(), pulled::toString);
    assertTrue(pulled.out().startsWith("pulled " + host + "/" + repo + ":two (sha256:" + digest(manifest("two"))
        + ") as " + name + ": 2 layer(s)"), pulled::toString);
    assertEquals(configDigest(manifest("two")), sha256(Files.readAllBytes(image(name).resolve("config.json"))));
    assertTrue(Files.readString(image(name).resolve("config.json")).contains("GREETING=two"));
    Result run = lab.run("--image", name, "--", "sh", "-c", "cat /greeting; ls /etc/gone 2>&1");
    assertEquals(List.of("two", "ls: /etc/gone: No such file or directory"), run.lines(), run::toString);
  }

  @Test
  @DisplayName("a Docker schema 2 image pulls as the same layers and config")
  void dockerSchema2() throws Exception {
    String manifest = manifest("docker", "application/vnd.docker.distribution.manifest.v2+json");
    assertTrue(manifest.contains("application/vnd.docker.image.rootfs.diff.tar.gzip"), manifest);
    Result pulled = pull(repo + ":docker", "--name", name);
    assertEquals(0, pulled.exitStatus(), pulled::toString);
    assertEquals(configDigest(manifest), sha256(Files.readAllBytes(image(name).resolve("config.json"))));
    assertEquals("two\n", Files.readString(image(name).resolve("layers/1/greeting")));
    assertTrue(Files.isExecutable(image(name).resolve("layers/0/bin/busybox")));
  }

  @Test
  @DisplayName("from an index, this machine's linux image is pulled, not the other platform's listed first")
  void multiPlatformIndex() throws Exception {
    Result pulled = pull(repo + ":multi", "--name", name);
    assertEquals(0, pulled.exitStatus(), pulled::toString);
    assertTrue(pulled.out().contains("(sha256:" + digest(manifest("multi", "application/vnd.oci.image.index.v1+json"))
        + ")"), "the digest shown pins what the tag named, the index: " + pulled);
    assertTrue(Files.exists(image(name).resolve("layers/1/greeting")), "the foreign image was chosen");
    assertFalse(Files.exists(image(name).resolve("layers/1/arch")));
    assertTrue(Files.readString(image(name).resolve("config.json"))
        .contains("\"architecture\":\"" + Architecture.current().imageName + "\""));
  }

  @Test
  @DisplayName("NAME@sha256:DIGEST pulls exactly that manifest; the default local name is derived from the reference")
  void digestPinning() throws Exception {
    String digest = digest(manifest("two"));
    String local = repo.substring(repo.indexOf('/') + 1) + "-" + digest.substring(0, 12);
    made.add(local);
    Result pulled = pull(repo + "@sha256:" + digest);
    assertEquals(0, pulled.exitStatus(), pulled::toString);
    assertTrue(pulled.out().contains(" as " + local + ": 2 layer(s)"), pulled::toString);
    assertTrue(images.run("list").stdout().contains(host + "/" + repo + "@sha256:" + digest));

    made.add(repo.substring(repo.indexOf('/') + 1) + "-two");
    Result byTag = pull(repo + ":two");
    assertEquals(0, byTag.exitStatus(), byTag::toString);
    assertTrue(byTag.out().contains(" as " + made.get(made.size() - 1) + ": 2 layer(s)"), byTag::toString);
    Result absent = pull(repo + "@sha256:" + "0".repeat(64), "--name", name);
    oneLine(absent, "no image " + host + "/" + repo + "@sha256:" + "0".repeat(64) + " (HTTP 404");
  }

  @Test
  @DisplayName("a blob damaged in the registry is refused by its sha256, and leaves no image, not even half of one")
  void corruptedBlob() throws Exception {
    String manifest = manifest("noise");
    Matcher layers = Pattern.compile("\"digest\":\"sha256:([a-f0-9]{64})\"").matcher(
        manifest.substring(manifest.indexOf("\"layers\"")));
    layers.find();
    layers.find(); // the second layer: /noise, a blob no other image has
    Path data = work.resolve("storage/docker/registry/v2/blobs/sha256/" + layers.group(1).substring(0, 2) + "/"
        + layers.group(1) + "/data");
    try (RandomAccessFile file = new RandomAccessFile(data.toFile(), "rw")) {
      file.seek(file.length() / 2);
      int b = file.read();
      file.seek(file.length() / 2);
      file.write(b ^ 0xff); // same size, other bytes
    }
    Result pulled = pull(repo + ":noise", "--name", name);
    oneLine(pulled, "is not the blob its manifest names (sha256:" + layers.group(1));
    assertTrue(pulled.stderr().contains("nothing was saved"), pulled::toString);
    assertFalse(Files.exists(image(name)));
    // NothingLeftBehind fails the test too if a staging folder is left in the image store.
  }

  @Test
  @DisplayName("an existing image is never replaced without --replace; with it, only by a complete image")
  void existingImage() throws Exception {
    Result first = pull(repo + ":one", "--name", name);
    assertEquals(0, first.exitStatus(), first::toString);
    assertTrue(first.out().contains(": 1 layer(s), "), first::toString);
    String before = Files.readString(image(name).resolve("image.properties"));

    oneLine(pull(repo + ":two", "--name", name), "an image '" + name + "' exists already");
    assertEquals(before, Files.readString(image(name).resolve("image.properties")));
    oneLine(pull(repo + ":nope", "--name", name, "--replace"), "no image " + host + "/" + repo + ":nope");
    assertEquals(before, Files.readString(image(name).resolve("image.properties")), "a failed pull replaced it");
    assertTrue(Files.exists(image(name).resolve("layers/0/etc/gone")));

    Result replaced = pull(repo + ":two", "--name", name, "--replace");
    assertEquals(0, replaced.exitStatus(), replaced::toString);
    assertTrue(Files.exists(image(name).resolve("layers/1/greeting")));
  }

  @Test
  @DisplayName("an unknown tag or repository, a registry that is not there, a bad reference: one line, exit 125")
  void errors() throws Exception {
    oneLine(pull(repo + ":nope", "--name", name), "no image " + host + "/" + repo + ":nope (HTTP 404, MANIFEST_UNKNOWN");
    oneLine(pull("test/absent:1", "--name", name), "no image " + host + "/test/absent:1 (HTTP 404");
    int closed;
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    oneLine(images.run("pull", "127.0.0.1:" + closed + "/test/x:1", "--name", name),
        "cannot connect to the registry 127.0.0.1:" + closed);
    oneLine(images.run("pull", "Alpine"), "repository names are lowercase");
    oneLine(images.run("pull", "alpine@sha256:123"), "is not a digest");
  }

  @Test
  @DisplayName("a registry that wants a token, as Docker Hub: 401 names the realm, the token is fetched"
      + " anonymously and sent to the registry, never to the CDN its blobs are redirected to")
  void bearerToken() throws Exception {
    List<String> seen = Collections.synchronizedList(new ArrayList<>());
    String token = "token-" + ThreadLocalRandom.current().nextLong();
    // The CDN: another server (another host, for the client), as Docker Hub's blobs come from Cloudflare.
    HttpServer cdn = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    cdn.createContext("/cdn/", exchange -> {
      String digest = exchange.getRequestURI().getPath().substring("/cdn/".length());
      seen.add("cdn " + digest + " " + exchange.getRequestHeaders().getFirst("Authorization"));
      forward(exchange, "/v2/" + repo + "/blobs/" + digest);
    });
    HttpServer front = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    String realm = "http://127.0.0.1:" + front.getAddress().getPort() + "/token";
    front.createContext("/token", exchange -> {
      seen.add("token " + exchange.getRequestURI().getRawQuery());
      respond(exchange, 200, "application/json", ("{\"token\":\"" + token + "\",\"expires_in\":300}").getBytes());
    });
    front.createContext("/v2/", exchange -> {
      String path = exchange.getRequestURI().getPath();
      String authorization = exchange.getRequestHeaders().getFirst("Authorization");
      seen.add(path.substring(path.lastIndexOf('/', path.lastIndexOf('/') - 1)) + " " + authorization);
      if (!("Bearer " + token).equals(authorization)) {
        exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"" + realm
            + "\",service=\"test-registry\",scope=\"repository:" + repo + ":pull\"");
        respond(exchange, 401, "application/json",
            "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}".getBytes());
        return;
      }
      if (path.contains("/blobs/")) {
        exchange.getResponseHeaders().add("Location", "http://127.0.0.1:" + cdn.getAddress().getPort() + "/cdn/"
            + path.substring(path.lastIndexOf('/') + 1) + "?expires=300");
        respond(exchange, 307, "text/html", new byte[0]);
        return;
      }
      forward(exchange, path);
    });
    cdn.start();
    front.start();
    try {
      String frontHost = "127.0.0.1:" + front.getAddress().getPort();
      Result pulled = images.run("pull", frontHost + "/" + repo + ":two", "--name", name);
      assertEquals(0, pulled.exitStatus(), pulled::toString);
      String config = configDigest(manifest("two"));
      List<String> layers = layerDigests(manifest("two"));
      assertEquals(List.of("/manifests/two null",
          "token service=test-registry&scope=repository%3A" + repo.replace("/", "%2F") + "%3Apull",
          "/manifests/two Bearer " + token,
          "/blobs/sha256:" + config + " Bearer " + token, "cdn sha256:" + config + " null",
          "/blobs/sha256:" + layers.get(0) + " Bearer " + token, "cdn sha256:" + layers.get(0) + " null",
          "/blobs/sha256:" + layers.get(1) + " Bearer " + token, "cdn sha256:" + layers.get(1) + " null"), seen);
      assertTrue(Files.exists(image(name).resolve("layers/1/greeting")));

      // A token server that refuses: one line, and no image.
      front.removeContext("/token");
      front.createContext("/token", exchange -> respond(exchange, 401, "application/json", "{}".getBytes()));
      images.run("rm", name);
      oneLine(images.run("pull", frontHost + "/" + repo + ":two", "--name", name),
          "the token server 127.0.0.1 refused an anonymous token for repository:" + repo + ":pull (HTTP 401)");
      assertFalse(Files.exists(image(name)));
    } finally {
      front.stop(0);
      cdn.stop(0);
    }
  }

  @Test
  @DisplayName("a Docker schema 1 image and an artifact that is no image are refused with one line")
  void notImages() throws Exception {
    String chart = "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":{\"mediaType\":"
        + "\"application/vnd.cncf.helm.config.v1+json\",\"digest\":\"sha256:" + "1".repeat(64) + "\",\"size\":2},"
        + "\"layers\":[{\"mediaType\":\"application/vnd.cncf.helm.chart.content.v1.tar+gzip\",\"digest\":\"sha256:"
        + "2".repeat(64) + "\",\"size\":3}]}";
    String schema1 = "{\"schemaVersion\":1,\"name\":\"old\",\"tag\":\"1\",\"fsLayers\":[],\"history\":[]}";
    // A registry of two manifests, as a registry sends them (these cannot be pushed to docker-registry 2.8).
    HttpServer old = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    old.createContext("/v2/", exchange -> {
      boolean isChart = exchange.getRequestURI().getPath().endsWith("/chart");
      respond(exchange, 200, isChart ? OCI_MANIFEST : "application/vnd.docker.distribution.manifest.v1+prettyjws",
          (isChart ? chart : schema1).getBytes(StandardCharsets.UTF_8));
    });
    old.start();
    try {
      String at = "127.0.0.1:" + old.getAddress().getPort();
      oneLine(images.run("pull", at + "/test/old:1", "--name", name), "is a Docker schema 1 image");
      oneLine(images.run("pull", at + "/test/helm:chart", "--name", name),
          "is not a container image but an artifact of type application/vnd.cncf.helm.config.v1+json");
      assertFalse(Files.exists(image(name)));
    } finally {
      old.stop(0);
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  private Result pull(String reference, String... options) {
    List<String> args = new ArrayList<>(List.of("pull", host + "/" + reference));
    args.addAll(List.of(options));
    return images.run(args.toArray(String[]::new));
  }

  private static void oneLine(Result result, String expected) {
    assertEquals(125, result.exitStatus(), result::toString);
    assertEquals(1, result.stderr().lines().count(), result::toString);
    assertTrue(result.stderr().startsWith("images: "), result::toString);
    assertTrue(result.stderr().contains(expected), "expected '" + expected + "': " + result);
  }

  private static Path image(String name) {
    return Path.of("/var/lib/container-labs/images", name);
  }

  private static void push(String from, String to, String options) {
    Host.sh("skopeo --insecure-policy copy -q " + options + " --dest-tls-verify=false " + from
        + " docker://" + host + "/" + to);
  }

  private static String manifest(String tag) throws Exception {
    return manifest(tag, OCI_MANIFEST);
  }

  /** The manifest as the registry stores it (its digest is of these bytes). */
  private static String manifest(String tag, String type) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/" + repo
        + "/manifests/" + tag)).header("Accept", type).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response::body);
    return response.body();
  }

  private static String platformEntry(String tag, String architecture) throws Exception {
    String manifest = manifest(tag);
    return "{\"mediaType\":\"" + OCI_MANIFEST + "\",\"digest\":\"sha256:" + digest(manifest) + "\",\"size\":"
        + manifest.getBytes(StandardCharsets.UTF_8).length + ",\"platform\":{\"architecture\":\"" + architecture
        + "\",\"os\":\"linux\"}}";
  }

  private static String configDigest(String manifest) {
    Matcher config = Pattern.compile("\"config\":\\{[^}]*\"digest\":\"sha256:([a-f0-9]{64})\"").matcher(manifest);
    assertTrue(config.find(), manifest);
    return config.group(1);
  }

  private static List<String> layerDigests(String manifest) {
    Matcher digests = Pattern.compile("\"digest\":\"sha256:([a-f0-9]{64})\"")
        .matcher(manifest.substring(manifest.indexOf("\"layers\"")));
    List<String> layers = new ArrayList<>();
    while (digests.find()) {
      layers.add(digests.group(1));
    }
    return layers;
  }

  private static String digest(String manifest) throws Exception {
    return sha256(manifest.getBytes(StandardCharsets.UTF_8));
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private static boolean answers(String url) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(1)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Answer with what the registry answers to the same GET (the token it does not need left out). */
  private static void forward(HttpExchange exchange, String path) throws IOException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host + path));
    String accept = exchange.getRequestHeaders().getFirst("Accept");
    if (accept != null) {
      request.header("Accept", accept);
    }
    try {
      HttpResponse<byte[]> answer = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      answer.headers().firstValue("Docker-Content-Digest")
          .ifPresent(d -> exchange.getResponseHeaders().add("Docker-Content-Digest", d));
      respond(exchange, answer.statusCode(), answer.headers().firstValue("Content-Type")
          .orElse("application/octet-stream"), answer.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  private static void respond(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
    try (exchange; InputStream ignored = exchange.getRequestBody()) {
      exchange.getResponseHeaders().add("Content-Type", type);
      exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
      exchange.getResponseBody().write(body);
    }
  }
}
