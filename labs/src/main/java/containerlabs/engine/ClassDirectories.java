package containerlabs.engine;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * After pivot_root the init sees the image, not the host: a class it has not loaded yet
 * could no longer be found. Classes in jars are safe (the JVM keeps each jar open); classes
 * in folders ({@code target/classes}, under {@code mvn exec:java} and in tests) are read by
 * path, so the init loads them all before its features run.
 */
final class ClassDirectories {
  private ClassDirectories() {}

  static void preload() {
    ClassLoader loader = ClassDirectories.class.getClassLoader();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path dir = Path.of(entry);
      if (!Files.isDirectory(dir.resolve("containerlabs"))) {
        continue;
      }
      try (Stream<Path> classes = Files.walk(dir.resolve("containerlabs"))) {
        classes.map(p -> dir.relativize(p).toString())
            .filter(name -> name.endsWith(".class"))
            .map(name -> name.substring(0, name.length() - 6).replace('/', '.'))
            .forEach(name -> load(name, loader));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static void load(String name, ClassLoader loader) {
    try {
      Class.forName(name, false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      // a test class whose test library is absent: the init never needs it
    }
  }
}
