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
 * @param executedBy the gateways that ran the job (empty until the gateway that answers the device names them)
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
    boolean replayed,
    java.util.List<String> executedBy) {

  public enum Status {
    OK,
    ERROR
  }

  public JobResult {
    Objects.requireNonNull(status, "status");
    outputs = outputs == null ? Map.of() : outputs;
    executedBy = executedBy == null ? java.util.List.of() : java.util.List.copyOf(executedBy);
  }

  /** A result as computed now (not replayed) that names no executing gateway yet. */
  public JobResult(String id, String deviceId, Status status, ErrorCode code, String message, Map<String, Object> outputs,
      String backend, long queueMicros, long runMicros, String leaf, String salt) {
    this(id, deviceId, status, code, message, outputs, backend, queueMicros, runMicros, leaf, salt, false, null);
  }

  /** This result, naming the gateways that ran it. */
  public JobResult withExecutedBy(java.util.List<String> gateways) {
    return new JobResult(id, deviceId, status, code, message, outputs, backend, queueMicros, runMicros, leaf, salt, replayed,
        gateways);
  }

  /** This result, sent to {@code device} about its job {@code jobId}. */
  public JobResult forDevice(String device, String jobId) {
    return new JobResult(jobId, device, status, code, message, outputs, backend, queueMicros, runMicros, leaf, salt, replayed,
        executedBy);
  }

  /** The same result, marked as kept from an earlier run. */
  public JobResult asReplayed() {
    return new JobResult(id, deviceId, status, code, message, outputs, backend, queueMicros, runMicros, leaf, salt, true,
        executedBy);
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
