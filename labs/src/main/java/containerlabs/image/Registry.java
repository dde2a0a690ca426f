package containerlabs.image;

import containerlabs.kernel.Architecture;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * Pulls an image from a registry that speaks the Distribution API (the Docker Registry HTTP API
 * v2: Docker Hub, ghcr.io, quay.io, Debian's docker-registry). A pull is four kinds of request:
 * <ol>
 * <li>{@code GET /v2/NAME/manifests/TAG}: what the image is made of. A registry that wants a token
 *     answers 401, {@code WWW-Authenticate: Bearer realm="…",service="…",scope="…"};
 * <li>{@code GET REALM?service=…&scope=…}: an anonymous token for that scope; the manifest request
 *     again, with {@code Authorization: Bearer TOKEN};
 * <li>if the manifest is an index (one image per platform), {@code GET /v2/NAME/manifests/DIGEST}
 *     of this machine's image;
 * <li>{@code GET /v2/NAME/blobs/DIGEST}: the image's config, then each layer, each checked
 *     against its digest as it streams in.
 * </ol>
 */
public final class Registry {
  private static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  private static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
  /** What we can read, in the order we prefer it: a registry that has several forms picks by this. */
  private static final String ACCEPT = String.join(", ", OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST);
  private static final Set<String> CONFIGS = Set.of("application/vnd.oci.image.config.v1+json",
      "application/vnd.docker.container.image.v1+json");
  private static final Set<String> LAYERS = Set.of("application/vnd.oci.image.layer.v1.tar",
      "application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.oci.image.layer.v1.tar+zstd",
      "application/vnd.docker.image.rootfs.diff.tar.gzip");
  private static final int MAX_MANIFEST = 4 << 20; // docker's limit too
  private static final Pattern CHALLENGE_PARAMETER = Pattern.compile("(\\w+)=\"([^\"]*)\"");

  /** A blob as a manifest names it: what it is, its sha256, its size. */
  record Descriptor(String mediaType, String digest, long size) {}

  /** One platform's image: its config and layers, and the digest that pins what was pulled. */
  record Manifest(String digest, Descriptor config, List<Descriptor> layers) {}

  private final ImageReference image;
  private final String api; // http(s)://HOST/v2/REPOSITORY/
  private final PrintStream trace; // each request and its answer, or null
  private final boolean progress;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(15))
      .followRedirects(HttpClient.Redirect.NEVER) // followed by hand: a token goes to the registry only
      .build();
  private String token;

  Registry(ImageReference image, PrintStream trace, boolean progress) {
    this.image = image;
    this.api = (image.loopback() ? "http://" : "https://") + image.apiHost() + "/v2/" + image.repository() + "/";
    this.trace = trace;
    this.progress = progress;
  }

  /**
   * Pulls the image as {@code name}: the manifest first (nothing is written if the registry
   * refuses), then the config and layers into a staging image that gets its name only when
   * complete. Without {@code replace} an existing image of that name is never touched.
   */
  public static Pulled pull(ImageStore store, ImageReference image, String name, boolean replace,
      PrintStream trace, boolean progress) {
    ImageStore.checkName(name);
    if (!replace && store.exists(name)) {
      throw new ImageException("an image '" + name + "' exists already: choose another name with --name,"
          + " replace it with --replace, or remove it first with ./lab images rm " + name);
    }
    Registry registry = new Registry(image, trace, progress);
    Manifest manifest = registry.manifest();
    String source = image.digest() != null ? image.toString() : image + "@" + manifest.digest();
    ImageStore.Image pulled = store.create(name, source, replace, layers -> {
      // The image's config (Env, Cmd, Entrypoint...) as the registry has it, beside the layers.
      Path config = layers.resolveSibling(ImageStore.CONFIG);
      registry.blob(manifest.config(), config, "config");
      registry.checkPlatform(Json.object(Json.parse(Files.readString(config)), "the image's config"));
      List<Descriptor> blobs = manifest.layers();
      for (int i = 0; i < blobs.size(); i++) {
        Path blob = layers.resolveSibling("layer-" + i + ".download");
        registry.blob(blobs.get(i), blob, "layer " + (i + 1) + "/" + blobs.size());
        ImageImport.unpack(blob, layers.resolve(Integer.toString(i)), false);
        Files.delete(blob);
      }
      return blobs.size();
    });
    long bytes = manifest.config().size() + manifest.layers().stream().mapToLong(Descriptor::size).sum();
    return new Pulled(pulled, manifest.digest(), bytes);
  }

  /** What a pull made: the image, the digest it was pulled at, and the bytes downloaded. */
  public record Pulled(ImageStore.Image image, String digest, long bytes) {}

  // tag::manifest[]
  /** The manifest of this machine's image; through an index when the image has one per platform. */
  Manifest manifest() {
    Fetched fetched = manifest(image.reference(), image.digest());
    String digest = fetched.digest(); // of what the tag names: pulling NAME@DIGEST gets this again
    if (fetched.type().equals(OCI_INDEX) || fetched.type().equals(DOCKER_LIST)) {
      String chosen = platform(fetched.json());
      fetched = manifest(chosen, chosen);
    }
    if (!fetched.type().equals(OCI_MANIFEST) && !fetched.type().equals(DOCKER_MANIFEST)) {
      throw new ImageException(image + " is a " + fetched.type() + ", not an image manifest: this pull reads"
          + " OCI and Docker schema 2 images only");
    }
    Map<String, Object> manifest = fetched.json();
    Descriptor config = descriptor(manifest.get("config"), "config");
    if (!CONFIGS.contains(config.mediaType())) {
      throw new ImageException(image + " is not a container image but an artifact of type "
          + config.mediaType() + " (a signature, a chart?): pull an image's tag instead");
    }
    List<Descriptor> layers = new ArrayList<>();
    for (Object layer : Json.array(manifest.get("layers"), "layers")) {
      Descriptor descriptor = descriptor(layer, "layer");
      if (!LAYERS.contains(descriptor.mediaType())) {
        throw new ImageException(image + " has a layer of type " + descriptor.mediaType()
            + ", which this pull cannot unpack (it reads tar, gzip and zstd layers): choose another image");
      }
      layers.add(descriptor);
    }
    return new Manifest(digest, config, layers);
  }
  // end::manifest[]

  /** A manifest as received: its JSON, its media type, its sha256. */
  private record Fetched(Map<String, Object> json, String type, String digest) {}

  /** GET a manifest, by tag or by digest; when {@code expected} is a digest, the manifest must have it. */
  private Fetched manifest(String reference, String expected) {
    HttpResponse<InputStream> response = get(URI.create(api + "manifests/" + reference), ACCEPT);
    if (response.statusCode() != 200) {
      throw refused(response, "manifests/" + reference);
    }
    byte[] body;
    try (InputStream in = response.body()) {
      body = in.readNBytes(MAX_MANIFEST + 1);
    } catch (IOException e) {
      throw unreachable(e);
    }
    if (body.length > MAX_MANIFEST) {
      throw new ImageException("the manifest of " + image + " is over 4 MiB: that is no image manifest");
    }
    String digest = sha256(body);
    // The digest is the manifest's name: by digest, it pins the whole image, config and layers.
    String announced = response.headers().firstValue("Docker-Content-Digest").orElse(digest);
    if (expected != null ? !digest.equals(expected) : !digest.equals(announced)) {
      throw new ImageException("the manifest " + reference + " from " + image.registry() + " has digest "
          + digest + ", not " + (expected != null ? expected : announced)
          + ": the registry's copy is damaged or was changed on the way; pull again, or ask the registry's owner");
    }
    Map<String, Object> manifest = Json.object(Json.parse(new String(body, StandardCharsets.UTF_8)), "the manifest");
    if (manifest.get("schemaVersion") instanceof Number version && version.intValue() == 1) {
      throw new ImageException(image + " is a Docker schema 1 image (deprecated since 2017, unsupported here):"
          + " pull a newer tag, or push it again with a current docker or skopeo");
    }
    String type = manifest.get("mediaType") instanceof String t ? t
        : response.headers().firstValue("Content-Type").orElse("(no media type)").replaceFirst(";.*", "").strip();
    return new Fetched(manifest, type, digest);
  }

  /** From an index, the digest of the linux image for this machine's processor. */
  private String platform(Map<String, Object> index) {
    String architecture = Architecture.current().imageName;
    List<String> offered = new ArrayList<>();
    for (Object entry : Json.array(index.get("manifests"), "manifests")) {
      Map<String, Object> manifest = Json.object(entry, "an index entry");
      if (manifest.get("platform") instanceof Map<?, ?> platform) {
        offered.add(platform.get("os") + "/" + platform.get("architecture")
            + (platform.get("variant") != null ? "/" + platform.get("variant") : ""));
        if ("linux".equals(platform.get("os")) && architecture.equals(platform.get("architecture"))
            && (platform.get("variant") == null || platform.get("variant").equals("v8"))) {
          return descriptor(manifest, "an index entry").digest();
        }
      }
    }
    throw new ImageException(image + " has no image for linux/" + architecture + " (it has " + offered
        + "): choose an image built for this machine");
  }

  /** An image with no index says its platform in its config only: its programs must run here. */
  private void checkPlatform(Map<String, Object> config) {
    String architecture = Architecture.current().imageName;
    Object os = config.getOrDefault("os", "linux");
    Object built = config.getOrDefault("architecture", architecture);
    if (!"linux".equals(os) || !architecture.equals(built)) {
      throw new ImageException(image + " is an image for " + os + "/" + built + ", and this machine runs"
          + " linux/" + architecture + " programs: pull a tag built for linux/" + architecture);
    }
  }

  // tag::blob[]
  /** GET a blob into a file, checking its size and sha256 while it streams in. */
  void blob(Descriptor blob, Path file, String what) throws IOException {
    HttpResponse<InputStream> response = get(URI.create(api + "blobs/" + blob.digest()), null);
    if (response.statusCode() != 200) {
      throw refused(response, "blobs/" + blob.digest());
    }
    MessageDigest sha256 = sha256();
    long received = 0;
    Progress shown = new Progress(what, blob);
    try (InputStream in = response.body(); OutputStream out = Files.newOutputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int n = read(in, buffer); n >= 0; n = read(in, buffer)) {
        received += n;
        if (received > blob.size()) {
          break; // more than the manifest said: no need to read the rest
        }
        sha256.update(buffer, 0, n);
        out.write(buffer, 0, n);
        shown.update(received);
      }
    } finally {
      shown.end();
    }
    String digest = "sha256:" + HexFormat.of().formatHex(sha256.digest());
    if (received != blob.size() || !digest.equals(blob.digest())) {
      throw new ImageException("the " + what + " of " + image + " from " + image.registry() + " is not the blob"
          + " its manifest names (" + blob.digest() + ", " + blob.size() + " bytes; received "
          + (received != blob.size() ? received + " bytes" : digest) + "): the registry's copy is damaged"
          + " or was changed on the way; nothing was saved: pull again, or ask the registry's owner");
    }
  }
  // end::blob[]

  /** A read from the network: its failure is the network's (a write's is the disk's). */
  private int read(InputStream in, byte[] buffer) {
    try {
      return in.read(buffer);
    } catch (IOException e) {
      throw unreachable(e);
    }
  }

  // tag::get[]
  /**
   * One GET, as the registry wants it: with the token once it asked for one (a 401 names where to
   * get it), and following a redirect (Docker Hub sends blobs from a CDN) without the token.
   */
  private HttpResponse<InputStream> get(URI uri, String accept) {
    boolean authenticated = false;
    for (int redirects = 0; redirects < 5; redirects++) {
      HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
          .header("User-Agent", "container-labs");
      if (accept != null) {
        request.header("Accept", accept);
      }
      boolean toRegistry = uri.getAuthority().equals(URI.create(api).getAuthority());
      if (token != null && toRegistry) {
        request.header("Authorization", "Bearer " + token);
      }
      HttpResponse<InputStream> response = send(request.build());
      int status = response.statusCode();
      if (status == 401 && toRegistry && !authenticated) {
        discard(response);
        token = token(response.headers().firstValue("WWW-Authenticate").orElse(""));
        authenticated = true;
        redirects--;
        continue;
      }
      if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
        discard(response);
        uri = uri.resolve(response.headers().firstValue("Location").orElse(""));
        checkScheme(uri);
        continue;
      }
      return response;
    }
    throw new ImageException(image.registry() + " redirected 5 times: it is misconfigured; try again later");
  }
  // end::get[]

  // tag::token[]
  /** An anonymous token, as Docker Hub gives one: from the realm, for the service and scope the 401 named. */
  private String token(String challenge) {
    if (!challenge.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new ImageException(image.registry() + " asks for a login (" + challenge.split(" ")[0]
          + "): this pull is anonymous only; pull a public image, or copy it with skopeo and import it");
    }
    Map<String, String> parameters = new HashMap<>();
    Matcher parameter = CHALLENGE_PARAMETER.matcher(challenge);
    while (parameter.find()) {
      parameters.put(parameter.group(1), parameter.group(2));
    }
    String realm = parameters.get("realm");
    if (realm == null) {
      throw new ImageException(image.registry() + " asked for a token but named no realm to get it from: it is misconfigured");
    }
    String scope = parameters.getOrDefault("scope", "repository:" + image.repository() + ":pull");
    URI uri = URI.create(realm + (realm.contains("?") ? "&" : "?")
        + (parameters.containsKey("service") ? "service=" + encode(parameters.get("service")) + "&" : "")
        + "scope=" + encode(scope));
    checkScheme(uri);
    HttpResponse<InputStream> response = send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
        .header("User-Agent", "container-labs").build());
    String body = text(response);
    if (response.statusCode() != 200) {
      throw new ImageException("the token server " + uri.getHost() + " refused an anonymous token for " + scope
          + " (HTTP " + response.statusCode() + "): the image is private or does not exist; check its name");
    }
    Map<String, Object> answer = Json.object(Json.parse(body), "the token server's answer");
    Object token = answer.containsKey("token") ? answer.get("token") : answer.get("access_token");
    if (!(token instanceof String t) || t.isEmpty()) {
      throw new ImageException("the token server " + uri.getHost() + " gave no token: it is misconfigured");
    }
    return t;
  }
  // end::token[]

  /** Plain http only to this machine: a token or a layer that crosses a network needs TLS. */
  private void checkScheme(URI uri) {
    boolean local = ImageReference.loopback(uri.getHost());
    if (!"https".equals(uri.getScheme()) && !("http".equals(uri.getScheme()) && local)) {
      throw new ImageException(image.registry() + " sent the pull to " + uri.getScheme() + "://" + uri.getHost()
          + ": refused, only https (or http on this machine) is used; ask the registry's owner");
    }
  }

  /** The one line a refusal is: what the registry said, and what to do. */
  private ImageException refused(HttpResponse<InputStream> response, String path) {
    String said = errors(text(response));
    String fix = switch (response.statusCode()) {
      case 401, 403 -> "the image does not exist or is private (this pull logs in to no account): check the"
          + " name" + (image.registry().equals(ImageReference.DOCKER_HUB) ? " (Docker Hub: hub.docker.com lists the images)" : "");
      case 404 -> "check the name and the tag (" + (image.registry().equals(ImageReference.DOCKER_HUB)
          ? "hub.docker.com lists each image's tags" : "skopeo list-tags docker://" + image.registry() + "/"
          + image.repository() + " lists the tags") + ")";
      case 429 -> "too many pulls (Docker Hub limits anonymous ones per address): wait, then pull again";
      default -> "the registry failed; try again later";
    };
    String what = response.statusCode() == 404 ? (path.startsWith("blobs/") ? "a blob of " + image + " is missing"
        : "no image " + image) : image.registry() + " refused " + path;
    return new ImageException(what + " (HTTP " + response.statusCode() + (said.isEmpty() ? "" : ", " + said)
        + "): " + fix);
  }

  /** A registry's error body, {"errors":[{"code":…,"message":…}]}, in a few words. */
  private static String errors(String body) {
    try {
      List<String> said = new ArrayList<>();
      for (Object error : Json.array(Json.object(Json.parse(body), "errors").get("errors"), "errors")) {
        Map<String, Object> e = Json.object(error, "error");
        said.add(e.get("code") + ": " + e.get("message"));
      }
      return String.join("; ", said);
    } catch (RuntimeException notJson) {
      return "";
    }
  }

  private HttpResponse<InputStream> send(HttpRequest request) {
    try {
      HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      if (trace != null) {
        trace.println("images: GET " + request.uri() + (request.headers().firstValue("Authorization").isPresent()
            ? " (with the token)" : "") + " -> " + response.statusCode() + " "
            + response.headers().firstValue("Content-Type").orElse(""));
      }
      return response;
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImageException("the pull was interrupted; nothing was saved");
    }
  }

  /** A network failure, as one line: which, and what to check. */
  private ImageException unreachable(IOException e) {
    String host = image.apiHost();
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof UnresolvedAddressException || cause instanceof UnknownHostException) {
        return new ImageException("cannot find the registry " + host + " (unknown host): check its name,"
            + " and that this machine has internet access", e);
      }
      if (cause instanceof HttpConnectTimeoutException || cause instanceof HttpTimeoutException) {
        return new ImageException(host + " did not answer in time: check this machine's internet access,"
            + " then pull again", e);
      }
      if (cause instanceof ConnectException) {
        return new ImageException("cannot connect to the registry " + host + " (" + (cause.getMessage() != null
            ? cause.getMessage() : "connection refused") + "): check its name and port, and that it runs", e);
      }
      if (cause instanceof SSLException) {
        return new ImageException("no https connection to " + host + " (" + cause.getMessage() + "): a registry"
            + " not on this machine must speak https with a trusted certificate", e);
      }
    }
    return new ImageException("the connection to " + host + " failed (" + e + "): check the network, then pull again", e);
  }

  private static String text(HttpResponse<InputStream> response) {
    try (InputStream in = response.body()) {
      return new String(in.readNBytes(64 << 10), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static void discard(HttpResponse<InputStream> response) {
    text(response);
  }

  private static Descriptor descriptor(Object value, String what) {
    Map<String, Object> map = Json.object(value, what);
    Object digest = map.get("digest");
    Object size = map.get("size");
    if (!(digest instanceof String d) || !d.matches("sha256:[a-f0-9]{64}")
        || !(size instanceof Number n) || n.doubleValue() < 0 || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw new ImageException("unexpected image manifest: its " + what + " has no sha256 digest and size"
          + " (digest " + digest + ", size " + size + ")");
    }
    return new Descriptor(String.valueOf(map.get("mediaType")), d, n.longValue());
  }

  private static String sha256(byte[] bytes) {
    return "sha256:" + HexFormat.of().formatHex(sha256().digest(bytes));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** The progress line of one blob, redrawn in place on a terminal at most 10 times a second. */
  private final class Progress {
    private final String line;
    private final long total;
    private long shownAt;

    Progress(String what, Descriptor blob) {
      this.line = what + " " + blob.digest().substring(7, 19);
      this.total = blob.size();
    }

    void update(long received) {
      long now = System.nanoTime();
      if (progress && (now - shownAt > 100_000_000L || received == total)) {
        shownAt = now;
        System.err.printf("\r%s: %s of %s ", line, size(received), size(total));
        System.err.flush();
      }
    }

    void end() {
      if (progress && shownAt != 0) {
        System.err.println();
      }
    }
  }

  /** 512 bytes, 3.4 KiB, 27.8 MiB: for people, not for scripts. */
  static String size(long bytes) {
    return bytes < 1024 ? bytes + " bytes" : bytes < 1 << 20 ? String.format("%.1f KiB", bytes / 1024.0)
        : bytes < 1 << 30 ? String.format("%.1f MiB", bytes / 1048576.0) : String.format("%.2f GiB", bytes / 1073741824.0);
  }
}
