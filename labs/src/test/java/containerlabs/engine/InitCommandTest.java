package containerlabs.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The init is the lab again, in a new JVM; the trace shows it short. */
class InitCommandTest {

  @Test
  @DisplayName("the init's argv is the whole JVM command line; the trace shows java ... Lab init ID ... -- command")
  void shortForm() {
    Container container = new Container("B7oTA3Gug5Q", List.of("sh", "-c", "hostname"));
    List<String> labArguments = List.of("lab-name", "some.Feature#option=value");
    InitCommand init = InitCommand.of(InitCommandTest.class, container, labArguments);

    assertEquals("java ... InitCommandTest init B7oTA3Gug5Q ... -- sh -c hostname", init.shortForm());
    List<String> argv = init.argv();
    assertTrue(argv.get(0).endsWith("/bin/java"), argv::toString);
    int main = argv.indexOf(InitCommandTest.class.getName());
    assertEquals("-cp", argv.get(main - 2), argv::toString);
    assertEquals(List.of("init", "B7oTA3Gug5Q"), argv.subList(main + 1, main + 3));
    assertEquals(labArguments, argv.subList(main + 3, main + 5));
    assertEquals("--", argv.get(main + 5));
    assertEquals(List.of("--", "sh", "-c", "hostname"), argv.subList(argv.size() - 4, argv.size()));
  }

  @Test
  @DisplayName("the process (environment, working folder, user, command) reaches the init as it was")
  void processRoundTrip() {
    Container container = new Container("B7oTA3Gug5Q", List.of("sh", "-c", "echo -- $A", "--"));
    container.environment().clear();
    container.environment().put("A", "x=y --");
    container.environment().put("PATH", "/bin");
    container.workingDir("/srv/app");
    container.user("app:staff");
    Container init = Container.inInit("B7oTA3Gug5Q", container.processArguments());
    assertEquals(container.command(), init.command());
    assertEquals(container.environment(), init.environment());
    assertEquals(List.of("A", "PATH"), List.copyOf(init.environment().keySet()));
    assertEquals("/srv/app", init.workingDir());
    assertEquals("app:staff", init.user());

    Container plain = Container.inInit("B7oTA3Gug5Q", new Container("x", List.of("true")).processArguments());
    assertEquals(null, plain.workingDir());
    assertEquals(null, plain.user());
  }
}
