package containerlabs.image;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What {@code docker pull} accepts: {@code [REGISTRY/]NAME[:TAG|@DIGEST]}, read as docker reads it
 * (github.com/distribution/reference, normalize.go). {@code alpine} is
 * {@code docker.io/library/alpine:latest}; the first component is a registry only if it looks
 * like a host ({@code .} or {@code :} in it, or {@code localhost}), so {@code bitnami/redis} is
 * {@code docker.io/bitnami/redis} and {@code 127.0.0.1:5000/tools/sh} is on 127.0.0.1:5000.
 */
public record ImageReference(String registry, String repository, String tag, String digest) {
  public static final String DOCKER_HUB = "docker.io";
  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final Pattern DIGEST = Pattern.compile("sha256:[a-f0-9]{64}");

  public static ImageReference parse(String text) {
    String rest = text;
    String digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      digest = rest.substring(at + 1);
      rest = rest.substring(0, at);
      if (!DIGEST.matcher(digest).matches()) {
        throw bad(text, "'" + digest + "' is not a digest (sha256: and 64 hex digits)");
      }
    }
    String tag = null;
    int colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) { // a colon in the last component is a tag's, not a port's
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw bad(text, "'" + tag + "' is not a tag (up to 128 of A-Z a-z 0-9 _ . -)");
      }
    }
    String registry = DOCKER_HUB;
    int slash = rest.indexOf('/');
    if (slash >= 0) {
      String first = rest.substring(0, slash);
      if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
        registry = first.equals("index.docker.io") ? DOCKER_HUB : first;
        rest = rest.substring(slash + 1);
      }
    }
    if (registry.equals(DOCKER_HUB) && !rest.contains("/")) {
      rest = "library/" + rest; // Docker Hub's official images
    }
    for (String component : rest.split("/", -1)) {
      if (!COMPONENT.matcher(component).matches()) {
        throw bad(text, component.equals(component.toLowerCase(Locale.ROOT))
            ? "'" + component + "' is not a name component (a-z 0-9, separated by . _ -)"
            : "repository names are lowercase");
      }
    }
    if (tag == null && digest == null) {
      tag = "latest";
    }
    return new ImageReference(registry, rest, tag, digest);
  }

  private static ImageException bad(String text, String why) {
    return new ImageException("'" + text + "' is not an image reference: " + why
        + "; write [REGISTRY/]NAME[:TAG|@sha256:DIGEST], e.g. alpine, debian:12, 127.0.0.1:5000/tools/sh:1");
  }

  /** What the pull asks the registry for: the digest when there is one (it pins the content). */
  public String reference() {
    return digest != null ? digest : tag;
  }

  /** Docker Hub's name is docker.io, its API is at registry-1.docker.io. */
  public String apiHost() {
    return registry.equals(DOCKER_HUB) ? "registry-1.docker.io" : registry;
  }

  /**
   * A registry on this machine speaks plain http (docker, too, trusts only loopback without
   * TLS); any other is reached over https, so no one on the way can change what is pulled.
   */
  public boolean loopback() {
    return loopback(registry.startsWith("[") ? registry.substring(0, registry.indexOf(']') + 1)
        : registry.replaceFirst(":\\d+$", ""));
  }

  /** A host name that is this machine, without asking DNS: localhost, 127.x.x.x, [::1]. */
  static boolean loopback(String host) {
    return host != null && (host.equals("localhost") || host.equals("[::1]") || host.matches("127(\\.\\d{1,3}){3}"));
  }

  /**
   * The local image name when no --name is given: the last component of the repository,
   * then {@code -TAG} unless the tag is latest (or {@code -} and 12 digits of the digest):
   * alpine, debian-12, two-v1.
   */
  public String localName() {
    String last = repository.substring(repository.lastIndexOf('/') + 1);
    String suffix = tag != null ? (tag.equals("latest") && digest == null ? "" : "-" + tag)
        : "-" + digest.substring("sha256:".length(), "sha256:".length() + 12);
    String name = (last + suffix).toLowerCase(Locale.ROOT);
    if (!name.matches("[a-z0-9][a-z0-9._-]{0,63}")) {
      throw new ImageException("cannot make an image name of '" + this + "': give one with --name NAME");
    }
    return name;
  }

  @Override
  public String toString() {
    return registry + "/" + repository + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
  }
}
