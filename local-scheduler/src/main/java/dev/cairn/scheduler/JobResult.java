package dev.cairn.scheduler;

import java.util.Map;
import java.util.Objects;

/**
 * What the device gets back. On success: outputs, the backend that ran the job, queue and run times,
 * and the hex leaf hash and salt of its sealed receipt leaf. On refusal or failure: a code and a
 * message a person can act on.
 *
 * @param outputs in the kernel's output order; values are {@code float[]}, {@code int[]},
 *     {@link Double} or {@link Long}
 * @param replayed the result was kept from an earlier run of the same job (a resubmission or a fetch by
 *     id), not computed again
 */
public record JobResult(
    String id,
    String deviceId,
    Status status,
    ErrorCode code,
    String message,
    Map<String, Object> outputs,
    String backend,
    long queueMicros,
    long runMicros,
    String leaf,
    String salt,
    boolean replayed) {

  public enum Status {
    OK,
    ERROR
  }

  public JobResult {
    Objects.requireNonNull(status, "status");
    outputs = outputs == null ? Map.of() : outputs;
  }

  /** A result as computed now (not replayed). */
  public JobResult(String id, String deviceId, Status status, ErrorCode code, String message, Map<String, Object> outputs,
      String backend, long queueMicros, long runMicros, String leaf, String salt) {
    this(id, deviceId, status, code, message, outputs, backend, queueMicros, runMicros, leaf, salt, false);
  }

  /** The same result, marked as kept from an earlier run. */
  public JobResult asReplayed() {
    return new JobResult(id, deviceId, status, code, message, outputs, backend, queueMicros, runMicros, leaf, salt, true);
  }

  public static JobResult ok(
      String id, String deviceId, Map<String, Object> outputs, String backend, long queueMicros,
      long runMicros, String leaf, String salt) {
    return new JobResult(id, deviceId, Status.OK, null, null, outputs, backend, queueMicros, runMicros, leaf, salt);
  }

  public static JobResult error(String id, String deviceId, ErrorCode code, String message) {
    Objects.requireNonNull(code, "code");
    return new JobResult(id, deviceId, Status.ERROR, code, message, Map.of(), null, 0, 0, null, null);
  }

  public static JobResult error(String id, String deviceId, JobException e) {
    return error(id, deviceId, e.code(), e.getMessage());
  }

  public boolean isOk() {
    return status == Status.OK;
  }
}
