package containerlabs.image;

import io.airlift.compress.MalformedInputException;
import io.airlift.compress.zstd.ZstdInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * zstd-compressed layers ({@code tar+zstd}, as skopeo writes them on request): a class of its
 * own so that only an import that meets one loads the decoder.
 */
final class Zstd {
  /** Every zstd frame starts with these bytes (RFC 8878), little-endian 0xFD2FB528. */
  static final byte[] MAGIC = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd};

  private Zstd() {}

  static InputStream decompress(InputStream in) {
    return new FilterInputStream(new ZstdInputStream(in)) {
      @Override
      public int read() throws IOException {
        try {
          return super.read();
        } catch (MalformedInputException e) {
          throw damaged(e);
        }
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        try {
          return super.read(b, off, len);
        } catch (MalformedInputException e) {
          throw damaged(e);
        }
      }
    };
  }

  private static ImageException damaged(MalformedInputException e) {
    return new ImageException("the tarball's zstd stream is damaged: " + e.getMessage(), e);
  }
}
