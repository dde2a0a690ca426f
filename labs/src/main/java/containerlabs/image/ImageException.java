package containerlabs.image;

/** An image cannot be made, read or used; the message says why and what to do. */
public final class ImageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ImageException(String message) {
    super(message);
  }

  ImageException(String message, Throwable cause) {
    super(message, cause);
  }
}
