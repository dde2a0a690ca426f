package containerlabs.image;

import containerlabs.engine.ContainerException;
import containerlabs.engine.ExitStatus;

/** An image cannot be made, read or used; the message says why and what to do. */
public final class ImageException extends ContainerException {
  private static final long serialVersionUID = 1L;

  public ImageException(String message) {
    super(ExitStatus.RUNTIME_ERROR, message);
  }

  ImageException(String message, Throwable cause) {
    super(ExitStatus.RUNTIME_ERROR, message, cause);
  }
}
