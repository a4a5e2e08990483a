package dev.cairn.anchor;

import java.util.Objects;

/** The root exception of the anchor client. */
public class AnchorException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final AnchorErrorCode code;

  public AnchorException(AnchorErrorCode code, String message) {
    super(message);
    this.code = Objects.requireNonNull(code, "code");
  }

  public AnchorException(AnchorErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = Objects.requireNonNull(code, "code");
  }

  public AnchorErrorCode code() {
    return code;
  }
}
