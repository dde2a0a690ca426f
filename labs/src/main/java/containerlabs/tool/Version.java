package containerlabs.tool;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** The project's version, from the build. */
public final class Version implements IVersionProvider {
  @Override
  public String[] getVersion() throws IOException {
    Properties properties = new Properties();
    try (InputStream in = Version.class.getResourceAsStream("/containerlabs/version.properties")) {
      properties.load(in);
    }
    return new String[] {"Container Labs " + properties.getProperty("version")
        + " (Java " + System.getProperty("java.version") + ")"};
  }
}
