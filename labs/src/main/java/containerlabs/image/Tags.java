package containerlabs.image;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * An archive may hold several images, each known by tags (an OCI layout's
 * {@code org.opencontainers.image.ref.name}, a docker save's {@code RepoTags}). The one to
 * import is the one asked for; with no tag asked, the only one, and never a silent guess.
 */
final class Tags {
  private Tags() {}

  static List<Map<String, Object>> choose(List<Map<String, Object>> entries,
      Function<Map<String, Object>, List<String>> names, String tag, String source) {
    if (entries.isEmpty()) {
      throw new ImageException(source + " holds no image: its index lists none");
    }
    Set<String> all = new TreeSet<>(); // sorted: the order of an index means nothing
    Set<List<String>> images = new LinkedHashSet<>();
    for (Map<String, Object> entry : entries) {
      all.addAll(names.apply(entry));
      images.add(names.apply(entry));
    }
    if (tag != null) {
      List<Map<String, Object>> matching = new ArrayList<>();
      for (Map<String, Object> entry : entries) {
        if (names.apply(entry).stream().anyMatch(name -> answers(name, tag))) {
          matching.add(entry);
        }
      }
      if (matching.isEmpty()) {
        throw new ImageException("no tag '" + tag + "' in " + source + ": "
            + (all.isEmpty() ? "its images have no tags, import it without --tag" : "its tags are " + String.join(", ", all)));
      }
      return matching;
    }
    if (images.size() > 1) { // entries with the same names are one image's platforms
      throw new ImageException(source + " holds " + images.size() + " images ("
          + (all.isEmpty() ? "none tagged" : "tags " + String.join(", ", all)) + "): choose one with --tag TAG");
    }
    return entries;
  }

  /** "latest" answers for docker.io/library/busybox:latest; so does busybox:latest. */
  static boolean answers(String name, String tag) {
    return name.equals(tag) || name.endsWith(":" + tag) && !tag.contains(":")
        || tag.contains(":") && name.endsWith("/" + tag);
  }

  /** The strings of a JSON array, none if it is absent. */
  static List<String> strings(Object value) {
    List<String> strings = new ArrayList<>();
    if (value instanceof List<?> list) {
      for (Object item : list) {
        if (item instanceof String s) {
          strings.add(s);
        }
      }
    }
    return strings;
  }
}
