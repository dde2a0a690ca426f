package containerlabs.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Content addressing: an image names every blob by the hash of its bytes, so a blob that
 * does not hash to its name is damaged or forged, and a runtime refuses it before use.
 */
final class Digests {
  private Digests() {}

  /** A digest as images write it, {@code sha256:HEX} (or sha512), checked; its algorithm. */
  static MessageDigest algorithm(String digest, String what) {
    if (digest != null && digest.matches("sha256:[a-f0-9]{64}")) {
      return newDigest("SHA-256");
    }
    if (digest != null && digest.matches("sha512:[a-f0-9]{128}")) {
      return newDigest("SHA-512");
    }
    throw new ImageException("unexpected image manifest: " + what + " has the digest " + digest
        + ", not sha256:HEX or sha512:HEX");
  }

  /** Refuses a blob whose size or hash is not what its descriptor says. */
  // tag::verify[]
  static void verify(Path blob, String digest, Object size, String what) throws IOException {
    MessageDigest md = algorithm(digest, what);
    if (size instanceof Number n && n.longValue() != Files.size(blob)) {
      throw tampered(what + " (" + digest + ") is " + Files.size(blob) + " bytes where its descriptor says "
          + n.longValue());
    }
    try (InputStream in = new DigestInputStream(Files.newInputStream(blob), md)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    check(md, digest, what);
  }
  // end::verify[]

  /** Hashes what is read through it, to be checked once read to the end. */
  static final class Checked {
    private final String digest;
    private final String what;
    private final MessageDigest md;

    Checked(String digest, String what) {
      this.digest = digest;
      this.what = what;
      this.md = algorithm(digest, what);
    }

    InputStream wrap(InputStream in) {
      return new DigestInputStream(in, md) {
        @Override
        public long skip(long n) throws IOException { // skipped bytes count too: read them
          byte[] buffer = new byte[(int) Math.min(Math.max(n, 0), 1 << 16)];
          return buffer.length == 0 ? 0 : Math.max(read(buffer, 0, buffer.length), 0);
        }
      };
    }

    void verify() {
      check(md, digest, what);
    }
  }

  private static void check(MessageDigest md, String digest, String what) {
    String actual = digest.substring(0, digest.indexOf(':') + 1) + HexFormat.of().formatHex(md.digest());
    if (!actual.equals(digest)) {
      throw tampered(what + " should hash to " + digest + " but hashes to " + actual);
    }
  }

  private static ImageException tampered(String what) {
    return new ImageException("refused: " + what + ": the image is damaged or was tampered with;"
        + " get it again from its source");
  }

  private static MessageDigest newDigest(String name) {
    try {
      return MessageDigest.getInstance(name);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e); // every Java has SHA-256 and SHA-512
    }
  }
}
