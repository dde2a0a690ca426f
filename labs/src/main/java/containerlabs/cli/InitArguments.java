package containerlabs.cli;

import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.IAnnotatedElement;

/**
 * How the lab hands its parsed options to its init, which must start fast: building picocli's
 * model of a lab costs a JVM tens of milliseconds of reflection, twice per container if the
 * init parsed the command line again. So the lab writes each of its mixins (its features)
 * as {@code Class#field}, and each option that was given as {@code Class#field=value}; the
 * init creates and sets those fields directly, with no CLI library and without reading a
 * single annotation (the JVM makes a proxy class for each annotation type it reads).
 * (Only the lab's own option types are supported: String, Path, Integer, int, boolean, lists of String.)
 */
final class InitArguments {
  private InitArguments() {}

  /**
   * On the host: the mixins, then the given options, one {@code Class#field=value} each. The
   * engine adds {@code --} and the container's process (its command, environment...) after them.
   */
  static List<String> encode(CommandSpec spec) {
    List<String> encoded = new ArrayList<>();
    for (IAnnotatedElement mixin : spec.mixinAnnotatedElements().values()) {
      if (mixin.userObject() instanceof Field field) {
        encoded.add(field.getDeclaringClass().getName() + "#" + field.getName());
      }
    }
    for (ArgSpec arg : spec.args()) {
      if (!(arg.userObject() instanceof Field field) || arg.isPositional()) {
        continue;
      }
      Object value = arg.getValue();
      String name = field.getDeclaringClass().getName() + "#" + field.getName() + "=";
      if (value instanceof Collection<?> values) {
        values.forEach(v -> encoded.add(name + v));
      } else if (value != null && !value.equals(arg.initialValue())) {
        encoded.add(name + value);
      }
    }
    return encoded;
  }

  /** In the init: set the fields of the lab and of its mixins (its features); returns what follows {@code --}. */
  static List<String> decode(LabCommand lab, List<String> encoded) throws ReflectiveOperationException {
    List<Object> holders = new ArrayList<>(List.of(lab));
    int end = encoded.indexOf("--");
    for (String entry : encoded.subList(0, end)) {
      int hash = entry.indexOf('#');
      int equals = entry.indexOf('=', hash);
      Class<?> declaring = Class.forName(entry.substring(0, hash), false, lab.getClass().getClassLoader());
      Field field = declaring.getDeclaredField(entry.substring(hash + 1, equals < 0 ? entry.length() : equals));
      field.setAccessible(true);
      if (equals < 0) { // a mixin: a new one, as picocli would make
        Object mixin = field.getType().getDeclaredConstructor().newInstance();
        field.set(lab, mixin);
        holders.add(mixin);
      } else {
        set(holderOf(declaring, holders), field, entry.substring(equals + 1));
      }
    }
    return encoded.subList(end + 1, encoded.size());
  }

  private static Object holderOf(Class<?> declaring, List<Object> holders) {
    for (Object holder : holders) {
      if (declaring.isInstance(holder)) {
        return holder;
      }
    }
    throw new IllegalStateException("no mixin declares " + declaring.getName());
  }

  @SuppressWarnings("unchecked")
  private static void set(Object holder, Field field, String value) throws IllegalAccessException {
    Class<?> type = field.getType();
    if (List.class.isAssignableFrom(type)) {
      List<String> list = (List<String>) field.get(holder);
      if (list == null) {
        list = new ArrayList<>();
        field.set(holder, list);
      }
      list.add(value);
    } else if (type == String.class) {
      field.set(holder, value);
    } else if (type == Path.class) {
      field.set(holder, Path.of(value));
    } else if (type == Integer.class || type == int.class) {
      field.set(holder, Integer.valueOf(value));
    } else if (type == boolean.class || type == Boolean.class) {
      field.set(holder, Boolean.valueOf(value));
    } else {
      throw new IllegalArgumentException("the init cannot set " + field + " of type " + type
          + ": add its type to InitArguments");
    }
  }
}
