package dev.cairn.kernels;

/**
 * A backend could not run a call (a kernel that does not compile for its device, a device error).
 * The message says why; the call can still run on another backend.
 */
public class BackendException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BackendException(String message, Throwable cause) {
    super(message, cause);
  }
}
