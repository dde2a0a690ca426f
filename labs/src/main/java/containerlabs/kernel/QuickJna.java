package containerlabs.kernel;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * JNA, loaded without its two slow habits, which cost each JVM of a container (the lab and
 * its init) tens of milliseconds: on Linux it runs {@code ldconfig -p} to learn where
 * libraries are, and it unpacks its native half from its jar into a temporary file. Both
 * are skipped when told where things are: the folder of the libc this JVM already uses, and
 * a copy of the native half, unpacked once into the labs' folder.
 */
final class QuickJna {
  private static final Path CACHE = Path.of("/var/lib/container-labs/jna");

  private QuickJna() {}

  static <T extends Library> T load(String name, Class<T> type) {
    if (System.getProperty("jna.platform.library.path") == null) {
      String libc = libcFolder();
      if (libc != null) {
        System.setProperty("jna.platform.library.path", libc);
      }
    }
    if (System.getProperty("jna.boot.library.path") == null) {
      Path unpacked = unpackedDispatch();
      if (unpacked != null) {
        System.setProperty("jna.boot.library.path", unpacked.getParent().toString());
      }
    }
    return Native.load(name, type);
  }

  /** Where the libc mapped into this process lives, read from /proc/self/maps. */
  private static String libcFolder() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
        int slash = line.indexOf('/');
        if (slash > 0 && line.endsWith("/libc.so.6")) {
          return Path.of(line.substring(slash)).getParent().toString();
        }
      }
    } catch (IOException e) {
      // then JNA searches as usual
    }
    return null;
  }

  /**
   * The native half, unpacked once per JNA version; null if it cannot be. Native.VERSION is
   * a constant, compiled in: reading it neither loads JNA nor opens its jar.
   */
  private static Path unpackedDispatch() {
    Path target = CACHE.resolve("jna-" + Native.VERSION).resolve("libjnidispatch.so");
    if (Files.exists(target)) {
      return target;
    }
    // Where JNA's jar keeps it for this machine, e.g. linux-x86-64 or linux-aarch64. Platform
    // only reads system properties: JNA's native half is not loaded yet.
    String dispatch = "com/sun/jna/" + Platform.RESOURCE_PREFIX + "/libjnidispatch.so";
    URL resource = QuickJna.class.getClassLoader().getResource(dispatch);
    if (resource == null) {
      return null;
    }
    try (InputStream in = resource.openStream()) {
      Files.createDirectories(target.getParent());
      Path partial = Files.createTempFile(target.getParent(), "libjnidispatch", ".partial");
      Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
      Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE); // two labs may race here
      return target;
    } catch (IOException | RuntimeException e) {
      return null; // not root, or a read-only disk: JNA unpacks it as usual
    }
  }
}
