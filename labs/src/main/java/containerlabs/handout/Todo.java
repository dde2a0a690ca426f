package containerlabs.handout;

import containerlabs.engine.ContainerException;
import containerlabs.engine.ExitStatus;

/**
 * What a handout's stubs call where the learner's code goes: it compiles anywhere (in a
 * method of any return type, as {@code return Todo.fail(…)}) and fails when it runs, with
 * the message saying what to write and where the guide explains it.
 */
public final class Todo {
  private Todo() {}

  public static <T> T fail(String message) {
    throw new Unsolved(message);
  }

  /** A part of a lab not written yet: the lab reports it in one line, exit 125. */
  public static final class Unsolved extends ContainerException {
    private static final long serialVersionUID = 1L;

    Unsolved(String message) {
      super(ExitStatus.RUNTIME_ERROR, message);
    }
  }
}
