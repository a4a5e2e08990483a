package dev.cairn.scheduler;

import java.util.Objects;

/** The root exception of job handling: a refusal or failure with its contract {@link ErrorCode}. */
public class JobException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  public JobException(ErrorCode code, String message) {
    super(message);
    this.code = Objects.requireNonNull(code, "code");
  }

  public JobException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = Objects.requireNonNull(code, "code");
  }

  public ErrorCode code() {
    return code;
  }
}
