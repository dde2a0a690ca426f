package containerlabs.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** An image's config as docker reads it, and docker run's way of making a command of it. */
class ImageConfigParseTest {

  @Test
  @DisplayName("fields absent or null get docker's defaults; PATH too, unless the image sets one")
  void defaults() {
    ImageConfig config = ImageConfig.parse("{\"config\":{\"Env\":null,\"Entrypoint\":null,\"Cmd\":null,"
        + "\"WorkingDir\":\"\",\"User\":\"\"}}");
    assertEquals(List.of("PATH=" + ImageConfig.DEFAULT_PATH), config.env());
    assertEquals(List.of(), config.entrypoint());
    assertEquals(List.of("/bin/sh"), config.cmd(), "no command at all: the labs' shell");
    assertEquals("/", config.workingDir());
    assertEquals("", config.user());
    assertEquals(ImageConfig.DEFAULT.env(), ImageConfig.parse("{}").env());
    ImageConfig own = ImageConfig.parse("{\"config\":{\"Env\":[\"A=1\",\"PATH=/x\",\"A=2\"],\"Entrypoint\":[\"/e\"]}}");
    assertEquals(List.of("A=1", "PATH=/x", "A=2"), own.env());
    assertEquals(Map.of("A", "2", "PATH", "/x"), own.environment());
    assertEquals(List.of(), own.cmd(), "an Entrypoint alone runs alone");
  }

  @Test
  @DisplayName("the command: Entrypoint, then the user's command or else Cmd; --entrypoint drops Cmd")
  void command() {
    ImageConfig config = ImageConfig.parse("{\"config\":{\"Entrypoint\":[\"/e\",\"-x\"],\"Cmd\":\"c\"}}");
    assertEquals(List.of("/e", "-x", "c"), config.command(null, List.of()));
    assertEquals(List.of("/e", "-x", "mine"), config.command(null, List.of("mine")));
    assertEquals(List.of("/other"), config.command("/other", List.of()));
    assertEquals(List.of("/other", "a"), config.command("/other", List.of("a")));
    assertEquals(List.of("a", "b"), config.command("", List.of("a", "b")));
    ImageException none = assertThrows(ImageException.class, () -> config.command("", List.of()));
    assertTrue(none.getMessage().contains("no command"), none.getMessage());
  }

  @Test
  @DisplayName("users: NAME, UID, NAME:GROUP, UID:GID or nothing; anything else is refused")
  void users() {
    for (String user : List.of("", "app", "1000", "app:staff", "1000:1000")) {
      assertEquals(user, ImageConfig.checkUser(user, "-u"));
    }
    for (String user : List.of("a:b:c", ":x", "x:", "a b", "a\nb", "x".repeat(300))) {
      assertThrows(ImageException.class, () -> ImageConfig.checkUser(user, "-u"), user);
    }
  }
}
