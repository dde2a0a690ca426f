package containerlabs.image;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JSON of image manifests, read with Gson's strict reader: objects become maps, arrays
 * lists, numbers doubles. A manifest comes from a stranger, so it is bounded: 4 MiB of text
 * and 64 levels of nesting (real manifests use 5), no key twice (two readers could each
 * believe a different one); anything else is a one-line {@link ImageException}.
 */
final class Json {
  static final int MAX_CHARS = 4 << 20;
  static final int MAX_DEPTH = 64;
  private static final Pattern WHERE = Pattern.compile("(.*?) at line (\\d+) column (\\d+)");

  private Json() {}

  static Object parse(String text) {
    return parse(text, "the manifest");
  }

  /** The JSON value of {@code text}; {@code what} names it in an error ("manifest.json"). */
  static Object parse(String text, String what) {
    if (text.length() > MAX_CHARS) {
      throw new ImageException("unexpected image manifest: " + what
          + " is larger than 4 MiB, far more than any manifest needs");
    }
    JsonReader reader = new JsonReader(new StringReader(text));
    reader.setStrictness(Strictness.STRICT);
    reader.setNestingLimit(MAX_DEPTH);
    try {
      Object value = value(reader, what);
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        throw bad(what, "text after the value");
      }
      return value;
    } catch (IOException | IllegalStateException | NumberFormatException e) {
      throw bad(what, e.getMessage());
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> object(Object value, String what) {
    if (value instanceof Map<?, ?> map) {
      return (Map<String, Object>) map;
    }
    throw new ImageException("unexpected image manifest: " + what + " is not a JSON object");
  }

  static List<?> array(Object value, String what) {
    if (value instanceof List<?> list) {
      return list;
    }
    throw new ImageException("unexpected image manifest: " + what + " is not a JSON array");
  }

  static String string(Object value, String what) {
    if (value instanceof String string) {
      return string;
    }
    throw new ImageException("unexpected image manifest: " + what + " is not a JSON string");
  }

  // Recursion is safe: the reader refuses to open more than MAX_DEPTH arrays and objects.
  private static Object value(JsonReader reader, String what) throws IOException {
    switch (reader.peek()) {
      case BEGIN_OBJECT -> {
        Map<String, Object> map = new LinkedHashMap<>();
        reader.beginObject();
        while (reader.hasNext()) {
          String key = reader.nextName();
          if (map.containsKey(key)) {
            throw new ImageException("unexpected image manifest: " + what + " has the key \""
                + key + "\" twice in one object");
          }
          map.put(key, value(reader, what));
        }
        reader.endObject();
        return map;
      }
      case BEGIN_ARRAY -> {
        List<Object> list = new ArrayList<>();
        reader.beginArray();
        while (reader.hasNext()) {
          list.add(value(reader, what));
        }
        reader.endArray();
        return list;
      }
      case STRING -> {
        return reader.nextString();
      }
      case NUMBER -> {
        return reader.nextDouble();
      }
      case BOOLEAN -> {
        return reader.nextBoolean();
      }
      case NULL -> {
        reader.nextNull();
        return null;
      }
      default -> throw new IOException("Expected a value " + reader.getPath());
    }
  }

  /** Gson's message, made one short line: its reason and where, without its path or link. */
  private static ImageException bad(String what, String message) {
    String line = message == null ? "" : message.lines().findFirst().orElse("");
    String reason = line;
    String where = "";
    Matcher m = WHERE.matcher(line);
    if (m.lookingAt()) {
      reason = m.group(1);
      where = " at line " + m.group(2) + " column " + m.group(3);
    }
    if (reason.startsWith("Nesting limit")) {
      reason = "nested more than " + MAX_DEPTH + " deep";
    } else if (reason.startsWith("Use JsonReader.setStrictness")) {
      reason = "not strict JSON";
    }
    return new ImageException("unexpected image manifest: " + what + " is not valid JSON" + where
        + " (" + reason + ")");
  }
}
