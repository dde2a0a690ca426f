package containerlabs.image;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads a tar stream (POSIX ustar, with GNU long names and PAX headers, as docker and GNU
 * tar write them) entry by entry. A header with a bad checksum or a stream that ends inside
 * an entry is an {@link ImageException}, never a partial entry.
 */
final class TarReader {
  enum Type { FILE, HARDLINK, SYMLINK, CHAR, BLOCK, DIRECTORY, FIFO }

  record Entry(String name, Type type, int mode, int uid, int gid, long size, long mtime,
      String linkName, int devMajor, int devMinor) {}

  private final InputStream in;
  private long remaining; // bytes of the current entry's data not yet read
  private long padding;

  TarReader(InputStream in) {
    this.in = in;
  }

  /** The next entry, or null at the end of the archive. Its data is read with {@link #data}. */
  Entry next() throws IOException {
    skip(remaining + padding);
    remaining = padding = 0;
    String longName = null;
    String longLink = null;
    Map<String, String> pax = new HashMap<>();
    while (true) {
      byte[] header = readBlock();
      if (header == null || isZero(header)) {
        return null;
      }
      checkChecksum(header);
      char flag = (char) header[156];
      long size = number(header, 124, 12);
      if (flag == 'L' || flag == 'K' || flag == 'x') {
        String text = new String(readData(size), StandardCharsets.UTF_8);
        if (flag == 'L') {
          longName = cString(text);
        } else if (flag == 'K') {
          longLink = cString(text);
        } else {
          pax.putAll(parsePax(text));
        }
        continue;
      }
      if (flag == 'g') { // global PAX header: nothing we use
        readData(size);
        continue;
      }
      String name = string(header, 0, 100);
      String prefix = string(header, 345, 155);
      if (!prefix.isEmpty() && isUstar(header)) {
        name = prefix + "/" + name;
      }
      name = pax.getOrDefault("path", longName != null ? longName : name);
      String link = pax.getOrDefault("linkpath", longLink != null ? longLink : string(header, 157, 100));
      if (pax.containsKey("size")) {
        size = Long.parseLong(pax.get("size"));
      }
      Type type = switch (flag) {
        case '0', '\0', '7' -> name.endsWith("/") ? Type.DIRECTORY : Type.FILE;
        case '1' -> Type.HARDLINK;
        case '2' -> Type.SYMLINK;
        case '3' -> Type.CHAR;
        case '4' -> Type.BLOCK;
        case '5' -> Type.DIRECTORY;
        case '6' -> Type.FIFO;
        default -> throw new ImageException("unsupported tar entry type '" + flag + "' for " + name);
      };
      long dataSize = type == Type.FILE ? size : 0;
      if (type != Type.FILE && size > 0) {
        padding = size + pad(size); // data we ignore (a size on a link or dir)
      } else {
        remaining = dataSize;
        padding = pad(dataSize);
      }
      return new Entry(name, type, (int) number(header, 100, 8), (int) number(header, 108, 8),
          (int) number(header, 116, 8), dataSize, number(header, 136, 12), link,
          (int) number(header, 329, 8), (int) number(header, 337, 8));
    }
  }

  /** The current entry's data. */
  InputStream data() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (remaining == 0) {
          return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
          throw truncated();
        }
        remaining -= n;
        return n;
      }
    };
  }

  private byte[] readData(long size) throws IOException {
    byte[] data = in.readNBytes((int) size);
    if (data.length < size) {
      throw truncated();
    }
    skip(pad(size));
    return data;
  }

  private byte[] readBlock() throws IOException {
    byte[] block = in.readNBytes(512);
    if (block.length == 0) {
      return null; // no end-of-archive blocks: GNU tar accepts it, so do we
    }
    if (block.length < 512) {
      throw truncated();
    }
    return block;
  }

  private void skip(long n) throws IOException {
    while (n > 0) {
      long skipped = in.skip(n);
      if (skipped <= 0) {
        if (in.read() < 0) {
          throw truncated();
        }
        skipped = 1;
      }
      n -= skipped;
    }
  }

  private static ImageException truncated() {
    return new ImageException("the tarball is truncated: it ends in the middle of an entry",
        new EOFException());
  }

  private static long pad(long size) {
    return (512 - size % 512) % 512;
  }

  private static boolean isZero(byte[] block) {
    for (byte b : block) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean isUstar(byte[] header) {
    return new String(header, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
  }

  private static void checkChecksum(byte[] header) {
    long sum = 0;
    for (int i = 0; i < 512; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : header[i] & 0xff;
    }
    if (sum != number(header, 148, 8)) {
      throw new ImageException("not a tarball, or a corrupt one: a header's checksum is wrong");
    }
  }

  private static long number(byte[] header, int offset, int length) {
    if ((header[offset] & 0x80) != 0) { // GNU base-256, for sizes over 8 GiB
      long value = header[offset] & 0x7f;
      for (int i = 1; i < length; i++) {
        value = (value << 8) | (header[offset + i] & 0xff);
      }
      return value;
    }
    String text = string(header, offset, length).trim();
    if (text.isEmpty()) {
      return 0;
    }
    try {
      return Long.parseLong(text, 8);
    } catch (NumberFormatException e) {
      throw new ImageException("not a tarball, or a corrupt one: bad number '" + text + "' in a header");
    }
  }

  private static String string(byte[] header, int offset, int length) {
    int end = offset;
    while (end < offset + length && header[end] != 0) {
      end++;
    }
    return new String(header, offset, end - offset, StandardCharsets.UTF_8);
  }

  private static String cString(String text) {
    int nul = text.indexOf('\0');
    return nul < 0 ? text : text.substring(0, nul);
  }

  /** PAX records: "LENGTH KEY=VALUE\n". */
  private static Map<String, String> parsePax(String text) {
    Map<String, String> records = new HashMap<>();
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    int pos = 0;
    while (pos < bytes.length) {
      int space = pos;
      while (space < bytes.length && bytes[space] != ' ') {
        space++;
      }
      int length;
      try {
        length = Integer.parseInt(new String(bytes, pos, space - pos, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw new ImageException("not a tarball, or a corrupt one: bad PAX header");
      }
      if (length <= 0 || pos + length > bytes.length) {
        throw new ImageException("not a tarball, or a corrupt one: bad PAX header");
      }
      String record = new String(bytes, space + 1, pos + length - space - 2, StandardCharsets.UTF_8);
      int eq = record.indexOf('=');
      if (eq > 0) {
        records.put(record.substring(0, eq), record.substring(eq + 1));
      }
      pos += length;
    }
    return records;
  }
}
