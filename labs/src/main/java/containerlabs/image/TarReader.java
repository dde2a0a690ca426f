package containerlabs.image;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.ZipException;

/**
 * Reads a tar stream (POSIX ustar, with GNU long names and PAX headers, as docker and GNU
 * tar write them) entry by entry. A tarball is input from a stranger: every number is
 * checked (no negative or absurd size), a name holds no NUL, the headers that carry long
 * names are at most 1 MiB, and anything else wrong is a one-line {@link ImageException}
 * (never a partial entry, a NumberFormatException or an OutOfMemoryError).
 */
final class TarReader {
  enum Type { FILE, HARDLINK, SYMLINK, CHAR, BLOCK, DIRECTORY, FIFO }

  record Entry(String name, Type type, int mode, int uid, int gid, long size, long mtime,
      String linkName, int devMajor, int devMinor) {}

  /** A long name, a long link target or PAX records: more than this is not honest. */
  private static final int MAX_EXTENSION = 1 << 20;
  /** Sizes stay far from overflowing a long when added up (tar allows 2^95). */
  private static final long MAX_SIZE = 1L << 50;

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
      char flag = (char) (header[156] & 0xff);
      long size = size(number(header, 124, 12), "the header's size");
      if (flag == 'L' || flag == 'K' || flag == 'x' || flag == 'g') {
        if (size > MAX_EXTENSION) {
          throw corrupt("an extended header ('" + flag + "') of " + size + " bytes, over 1 MiB");
        }
        byte[] data = readData(size);
        if (flag == 'L') {
          longName = cString(data);
        } else if (flag == 'K') {
          longLink = cString(data);
        } else if (flag == 'x') {
          pax.putAll(parsePax(data));
        } // 'g', a global PAX header: nothing in it that we use
        continue;
      }
      String name = string(header, 0, 100);
      String prefix = string(header, 345, 155);
      if (!prefix.isEmpty() && isUstar(header)) {
        name = prefix + "/" + name;
      }
      name = noNul(pax.getOrDefault("path", longName != null ? longName : name), "name");
      String link = noNul(pax.getOrDefault("linkpath", longLink != null ? longLink : string(header, 157, 100)),
          "link target of " + shown(name));
      for (String key : pax.keySet()) {
        if (key.startsWith("GNU.sparse.")) {
          throw sparse(name);
        }
      }
      if (pax.containsKey("size")) {
        size = size(paxNumber(pax, "size", name), "the PAX size");
      }
      Type type = switch (flag) {
        case '0', '\0', '7' -> name.endsWith("/") ? Type.DIRECTORY : Type.FILE;
        case '1' -> Type.HARDLINK;
        case '2' -> Type.SYMLINK;
        case '3' -> Type.CHAR;
        case '4' -> Type.BLOCK;
        case '5' -> Type.DIRECTORY;
        case '6' -> Type.FIFO;
        case 'S' -> throw sparse(name);
        default -> throw new ImageException("unsupported tar entry type "
            + (flag > ' ' && flag < 127 ? "'" + flag + "'" : String.format("0x%02x", (int) flag))
            + " for " + shown(name) + ": docker, OCI and GNU tar write files, links, folders, devices, fifos");
      };
      long dataSize = type == Type.FILE ? size : 0;
      if (type != Type.FILE && size > 0) {
        padding = size + pad(size); // data we ignore (a size on a link or dir)
      } else {
        remaining = dataSize;
        padding = pad(dataSize);
      }
      long uid = pax.containsKey("uid") ? paxNumber(pax, "uid", name) : number(header, 108, 8);
      long gid = pax.containsKey("gid") ? paxNumber(pax, "gid", name) : number(header, 116, 8);
      long mtime = pax.containsKey("mtime") ? paxSeconds(pax.get("mtime"), name) : number(header, 136, 12);
      return new Entry(name, type, (int) (number(header, 100, 8) & 07777), id(uid, "uid", name),
          id(gid, "gid", name), dataSize, mtime, link, (int) device(header, 329), (int) device(header, 337));
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
        int n = TarReader.this.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
          throw truncated();
        }
        remaining -= n;
        return n;
      }
    };
  }

  /** A read of the stream: a damaged gzip stream under it is the image's fault, said so. */
  private int read(byte[] b, int off, int len) throws IOException {
    try {
      return in.read(b, off, len);
    } catch (ZipException | EOFException e) {
      throw new ImageException("the tarball's gzip stream is damaged: " + e.getMessage(), e);
    }
  }

  private byte[] readNBytes(int n) throws IOException {
    byte[] data = new byte[n];
    int done = 0;
    while (done < n) {
      int got = read(data, done, n - done);
      if (got < 0) {
        break;
      }
      done += got;
    }
    return done == n ? data : java.util.Arrays.copyOf(data, done);
  }

  private byte[] readData(long size) throws IOException {
    byte[] data = readNBytes((int) size); // size <= MAX_EXTENSION
    if (data.length < size) {
      throw truncated();
    }
    skip(pad(size));
    return data;
  }

  private byte[] readBlock() throws IOException {
    byte[] block = readNBytes(512);
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
      long skipped;
      try {
        skipped = in.skip(n);
      } catch (ZipException | EOFException e) {
        throw new ImageException("the tarball's gzip stream is damaged: " + e.getMessage(), e);
      }
      if (skipped <= 0) {
        if (read(new byte[1], 0, 1) < 0) {
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

  private static ImageException corrupt(String what) {
    return new ImageException("not a tarball, or a corrupt one: " + what);
  }

  private static ImageException sparse(String name) {
    return new ImageException("the entry " + shown(name) + " is a GNU sparse file, which image tools never"
        + " write: make the tarball again without --sparse (-S)");
  }

  private static long size(long size, String what) {
    if (size < 0 || size > MAX_SIZE) {
      throw corrupt(what + " is " + (size < 0 ? "negative" : "over 1 PiB") + " (" + size + ")");
    }
    return size;
  }

  /** A uid or gid: 0 to 2^32-2 (the kernel's uid_t; -1 means "unchanged" to chown). */
  private static int id(long value, String what, String name) {
    if (value < 0 || value > 0xFFFF_FFFEL) {
      throw corrupt("the " + what + " " + value + " of " + shown(name) + " is not a valid id");
    }
    return (int) value;
  }

  private static long device(byte[] header, int offset) {
    long value = number(header, offset, 8);
    if (value < 0 || value > 0xFFF_FFFFL) {
      throw corrupt("a device number " + value + " out of range");
    }
    return value;
  }

  private static String noNul(String text, String what) {
    if (text.indexOf('\0') >= 0) {
      throw corrupt("the " + what + " " + shown(text) + " holds a NUL character, which no file name can");
    }
    return text;
  }

  /** A PAX number (size, uid, gid): decimal digits only. */
  private static long paxNumber(Map<String, String> pax, String key, String name) {
    String text = pax.get(key);
    if (!text.matches("[0-9]{1,18}")) {
      throw corrupt("bad PAX " + key + " '" + printable(text) + "' for " + shown(name));
    }
    return Long.parseLong(text);
  }

  /** A PAX time: seconds, perhaps negative, perhaps with a fraction ("1600000000.5"). */
  private static long paxSeconds(String text, String name) {
    if (!text.matches("-?[0-9]{1,18}(\\.[0-9]*)?")) {
      throw corrupt("bad PAX mtime '" + printable(text) + "' for " + shown(name));
    }
    int dot = text.indexOf('.');
    return Long.parseLong(dot < 0 ? text : text.substring(0, dot));
  }

  private static String printable(String text) {
    String shown = text.length() > 40 ? text.substring(0, 40) + "..." : text;
    return shown.replaceAll("[^\\x20-\\x7e]", "?");
  }

  /** A name from the tarball as an error message may show it: one line, of sane length. */
  static String shown(String name) {
    String shown = name.length() > 200 ? name.substring(0, 200) + "..." : name;
    return shown.replaceAll("\\p{Cntrl}", "?");
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
      throw corrupt("a header's checksum is wrong");
    }
  }

  private static long number(byte[] header, int offset, int length) {
    if ((header[offset] & 0x80) != 0) { // GNU base-256, for sizes over 8 GiB
      if ((header[offset] & 0x40) != 0) {
        throw corrupt("a negative number in a header"); // two's complement: 0xff... is -1
      }
      long value = header[offset] & 0x3f;
      for (int i = 1; i < length; i++) {
        if (value >>> 55 != 0) {
          throw corrupt("a number too large in a header");
        }
        value = (value << 8) | (header[offset + i] & 0xff);
      }
      return value;
    }
    String text = string(header, offset, length).trim();
    if (text.isEmpty()) {
      return 0;
    }
    if (!text.matches("[0-7]{1,21}")) { // octal: no sign, and at most 63 bits
      throw corrupt("bad number '" + printable(text) + "' in a header");
    }
    return Long.parseLong(text, 8);
  }

  private static String string(byte[] header, int offset, int length) {
    int end = offset;
    while (end < offset + length && header[end] != 0) {
      end++;
    }
    return new String(header, offset, end - offset, StandardCharsets.UTF_8);
  }

  private static String cString(byte[] data) {
    int end = 0;
    while (end < data.length && data[end] != 0) {
      end++;
    }
    return new String(data, 0, end, StandardCharsets.UTF_8);
  }

  /** PAX records: "LENGTH KEY=VALUE\n", where LENGTH counts the whole record. */
  private static Map<String, String> parsePax(byte[] bytes) {
    Map<String, String> records = new HashMap<>();
    int pos = 0;
    while (pos < bytes.length) {
      if (bytes[pos] == 0) {
        break; // NUL padding after the last record
      }
      int space = pos;
      while (space < bytes.length && space - pos < 8 && bytes[space] >= '0' && bytes[space] <= '9') {
        space++;
      }
      if (space == pos || space >= bytes.length || bytes[space] != ' ') {
        throw corrupt("a bad PAX header");
      }
      int length = Integer.parseInt(new String(bytes, pos, space - pos, StandardCharsets.US_ASCII));
      int end = pos + length; // one past the record's '\n'
      if (end <= space + 1 || end > bytes.length || bytes[end - 1] != '\n') {
        throw corrupt("a bad PAX header");
      }
      String record = new String(bytes, space + 1, end - 1 - (space + 1), StandardCharsets.UTF_8);
      int eq = record.indexOf('=');
      if (eq <= 0) {
        throw corrupt("a bad PAX header");
      }
      if (eq + 1 < record.length()) { // an empty value unsets the key: the header's field counts
        records.put(record.substring(0, eq), record.substring(eq + 1));
      }
      pos = end;
    }
    return records;
  }
}
