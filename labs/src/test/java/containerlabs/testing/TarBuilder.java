package containerlabs.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;

/** Builds small tarballs for tests, including ones no honest tool would write. */
public final class TarBuilder {
  private final Buffer out = new Buffer();
  private int lastHeader = -1;

  /** A stream whose bytes a test may still change (a header, after it was written). */
  private static final class Buffer extends ByteArrayOutputStream {
    byte[] array() {
      return buf;
    }
  }

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

  /** A PAX extended header ('x'): its records apply to the entry that follows. */
  public TarBuilder pax(Map<String, String> records) {
    StringBuilder text = new StringBuilder();
    records.forEach((key, value) -> text.append(paxRecord(key + "=" + value + "\n")));
    return extension("PaxHeaders/x", 'x', text.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** A GNU long name ('L'): the name of the entry that follows. */
  public TarBuilder longName(String name) {
    return extension("././@LongLink", 'L', (name + "\0").getBytes(StandardCharsets.UTF_8));
  }

  /** Change the last header written (its checksum is made right again afterwards). */
  public TarBuilder editHeader(Consumer<byte[]> edit) {
    byte[] h = Arrays.copyOfRange(out.array(), lastHeader, lastHeader + 512);
    edit.accept(h);
    Arrays.fill(h, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    put(h, 148, 8, String.format("%06o\0 ", sum));
    System.arraycopy(h, 0, out.array(), lastHeader, 512);
    return this;
  }

  /** Bytes as they are, where a header or data would be. */
  public TarBuilder raw(byte[] bytes) {
    out.writeBytes(bytes);
    return this;
  }

  private TarBuilder extension(String name, char type, byte[] data) {
    header(name, type, data.length, 0644, "", 0, 0);
    out.writeBytes(data);
    out.writeBytes(new byte[(512 - data.length % 512) % 512]);
    return this;
  }

  /** "LENGTH KEY=VALUE\n", where LENGTH counts itself. */
  private static String paxRecord(String keyValue) {
    int bytes = keyValue.getBytes(StandardCharsets.UTF_8).length + 1;
    int length = bytes + Integer.toString(bytes).length();
    if (Integer.toString(length).length() != Integer.toString(bytes).length()) {
      length++;
    }
    return length + " " + keyValue;
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
    lastHeader = out.size();
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
