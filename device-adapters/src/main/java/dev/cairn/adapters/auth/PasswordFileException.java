package dev.cairn.adapters.auth;

/**
 * A password file that cannot be used: missing, unreadable, readable by others, or with a bad line.
 * The message names the file (and {@code file:line} for a bad line) and what is allowed.
 */
public final class PasswordFileException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PasswordFileException(String message) {
    super(message);
  }
}
