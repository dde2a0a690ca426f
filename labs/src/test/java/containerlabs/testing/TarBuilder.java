package containerlabs.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

/** Builds small tarballs for tests, including ones no honest tool would write. */
public final class TarBuilder {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  public TarBuilder file(String name, String content) {
    return file(name, content.getBytes(StandardCharsets.UTF_8), 0644);
  }

  public TarBuilder file(String name, byte[] content, int mode) {
    header(name, '0', content.length, mode, "", 0, 0);
    out.writeBytes(content);
    out.writeBytes(new byte[(512 - content.length % 512) % 512]);
    return this;
  }

  public TarBuilder dir(String name) {
    header(name.endsWith("/") ? name : name + "/", '5', 0, 0755, "", 0, 0);
    return this;
  }

  public TarBuilder symlink(String name, String target) {
    header(name, '2', 0, 0777, target, 0, 0);
    return this;
  }

  public TarBuilder hardlink(String name, String target) {
    header(name, '1', 0, 0644, target, 0, 0);
    return this;
  }

  public TarBuilder charDevice(String name, int major, int minor) {
    header(name, '3', 0, 0666, "", major, minor);
    return this;
  }

  /** The archive with its two zero blocks at the end. */
  public byte[] bytes() {
    return Arrays.copyOf(out.toByteArray(), out.size() + 1024);
  }

  public byte[] gzipped() {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream zip = new GZIPOutputStream(gz)) {
      zip.write(bytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return gz.toByteArray();
  }

  public Path writeTo(Path file) {
    try {
      return Files.write(file, bytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void header(String name, char type, long size, int mode, String link, int major, int minor) {
    byte[] h = new byte[512];
    put(h, 0, 100, name);
    put(h, 100, 8, String.format("%07o", mode));
    put(h, 108, 8, "0000000");
    put(h, 116, 8, "0000000");
    put(h, 124, 12, String.format("%011o", size));
    put(h, 136, 12, String.format("%011o", 1700000000L));
    Arrays.fill(h, 148, 156, (byte) ' ');
    h[156] = (byte) type;
    put(h, 157, 100, link);
    put(h, 257, 6, "ustar");
    put(h, 263, 2, "00");
    put(h, 329, 8, String.format("%07o", major));
    put(h, 337, 8, String.format("%07o", minor));
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    put(h, 148, 8, String.format("%06o\0 ", sum));
    out.writeBytes(h);
  }

  private static void put(byte[] h, int offset, int length, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(bytes, 0, h, offset, Math.min(bytes.length, length));
  }
}
