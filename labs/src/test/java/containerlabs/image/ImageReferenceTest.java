package containerlabs.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** References read as docker reads them (distribution/reference's normalize_test.go has these cases). */
@DisplayName("images pull: image references")
class ImageReferenceTest {
  private static final String DIGEST = "sha256:" + "ab".repeat(32);

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "alpine,                          docker.io, library/alpine,        latest, , alpine",
      "debian:12,                       docker.io, library/debian,        12,     , debian-12",
      "docker.io/library/alpine:3.19,   docker.io, library/alpine,        3.19,   , alpine-3.19",
      "index.docker.io/alpine,          docker.io, library/alpine,        latest, , alpine",
      "bitnami/redis:7.2,               docker.io, bitnami/redis,         7.2,    , redis-7.2",
      "localhost/tools,                 localhost, tools,                 latest, , tools",
      "localhost:5000/a/b/c:V1,         localhost:5000, a/b/c,            V1,     , c-v1",
      "127.0.0.1:5000/tools/sh:1,       127.0.0.1:5000, tools/sh,         1,      , sh-1",
      "ghcr.io/owner/image,             ghcr.io, owner/image,             latest, , image",
      "quay.io/org/a-b__c.d:tag_1,      quay.io, org/a-b__c.d,            tag_1,  , a-b__c.d-tag_1",
  })
  @DisplayName("registry, repository, tag and the local name")
  void parses(String text, String registry, String repository, String tag, String digest, String local) {
    ImageReference reference = ImageReference.parse(text);
    assertEquals(new ImageReference(registry, repository, tag, digest), reference);
    assertEquals(local, reference.localName());
  }

  @Test
  @DisplayName("a digest pins the image; the local name takes its first 12 digits")
  void digest() {
    ImageReference pinned = ImageReference.parse("alpine@" + DIGEST);
    assertEquals(new ImageReference("docker.io", "library/alpine", null, DIGEST), pinned);
    assertEquals(DIGEST, pinned.reference());
    assertEquals("alpine-" + "ab".repeat(6), pinned.localName());
    ImageReference both = ImageReference.parse("127.0.0.1:5000/x:1@" + DIGEST);
    assertEquals(DIGEST, both.reference());
    assertEquals("x-1", both.localName());
  }

  @Test
  @DisplayName("plain http only to this machine; Docker Hub's API is at registry-1.docker.io")
  void hosts() {
    assertTrue(ImageReference.parse("127.0.0.1:5000/x").loopback());
    assertTrue(ImageReference.parse("127.3.4.5/x").loopback());
    assertTrue(ImageReference.parse("localhost:5000/x").loopback());
    assertTrue(ImageReference.parse("[::1]:5000/x").loopback());
    assertFalse(ImageReference.parse("alpine").loopback());
    assertFalse(ImageReference.parse("127.0.0.1.example.com/x").loopback());
    assertFalse(ImageReference.parse("localhost.example.com:5000/x").loopback());
    assertFalse(ImageReference.parse("10.0.0.1:5000/x").loopback());
    assertEquals("registry-1.docker.io", ImageReference.parse("alpine").apiHost());
    assertEquals("127.0.0.1:5000", ImageReference.parse("127.0.0.1:5000/x").apiHost());
  }

  @ParameterizedTest(name = "[{0}]: {1}")
  @CsvSource({"Alpine, repository names are lowercase", "alpine@sha256:12, is not a digest",
      "'alpine:', is not a tag", "a//b, is not a name component", "'', is not a name component",
      "alpine:-x, is not a tag"})
  @DisplayName("a bad reference is one line that says what is wrong and how to write one")
  void refused(String text, String reason) {
    ImageException refused = assertThrows(ImageException.class, () -> ImageReference.parse(text));
    assertTrue(refused.getMessage().contains(reason), refused.getMessage());
    assertTrue(refused.getMessage().contains("[REGISTRY/]NAME[:TAG|@sha256:DIGEST]"), refused.getMessage());
    assertFalse(refused.getMessage().contains("\n"));
  }
}
