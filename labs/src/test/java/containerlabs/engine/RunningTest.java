package containerlabs.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.StringReader;
import java.util.Properties;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The state file of a running container is written without Properties.store: it must read back the same. */
class RunningTest {

  @Test
  @DisplayName("a key or value escaped as Properties.store would: Properties.load reads back what it held")
  void escapedReadsBack() throws IOException {
    String[] values = {"sh -c 'echo a=b: #c !d'", " leading space", "line\nbreak\r\ttab\f", "back\\slash",
        "héllo ✓ \u0001", "", "pid=1\nstarted=0"};
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      text.append(Running.escaped("key " + i + "=:", true)).append('=').append(Running.escaped(values[i], false))
          .append('\n');
    }
    Properties read = new Properties();
    read.load(new StringReader(text.toString()));
    assertEquals(values.length, read.size(), text::toString);
    for (int i = 0; i < values.length; i++) {
      assertEquals(values[i], read.getProperty("key " + i + "=:"), text::toString);
    }
  }
}
