package dev.cairn.scheduler;

import java.util.Map;
import java.util.Objects;

/**
 * A decoded job from a device (see the device contract in README.md).
 *
 * @param deviceId the authenticated (or self-declared) device that sent it
 * @param id the device's own id for the job, unique per device
 * @param kernel installed kernel name, e.g. {@code vector.saxpy}
 * @param params scalar parameters: {@link Double} for numbers, {@link String} for words
 * @param inputs named float arrays
 * @param priority 0 (lowest) to 9 (highest)
 * @param deadlineMs milliseconds after receipt by which the job must have started; 0 for none
 * @param payloadBytes size of the encoded request, for limits and metrics
 * @param inputsOwned whether the input arrays were made for this request alone (decoded from its
 *     payload) and nothing else reads them: then a kernel may write its output into one of them, after
 *     the receipt's input digest has been taken ({@link ResultSealer#inputDigest})
 * @param placement where the device asks the job to run, or null to let the gateway choose
 */
public record JobRequest(
    String deviceId,
    String id,
    String kernel,
    Map<String, Object> params,
    Map<String, float[]> inputs,
    int priority,
    long deadlineMs,
    int payloadBytes,
    boolean inputsOwned,
    PlacementHint placement) {

  public static final int MIN_PRIORITY = 0;
  public static final int MAX_PRIORITY = 9;
  public static final int DEFAULT_PRIORITY = 5;
  /** The longest job id, in characters: a refusal names the job by its id only up to this length. */
  public static final int MAX_ID_LENGTH = 128;

  public JobRequest {
    Objects.requireNonNull(deviceId, "deviceId");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(kernel, "kernel");
    params = Map.copyOf(Objects.requireNonNull(params, "params"));
    inputs = Map.copyOf(Objects.requireNonNull(inputs, "inputs"));
  }

  /** A request without a placement hint. */
  public JobRequest(String deviceId, String id, String kernel, Map<String, Object> params, Map<String, float[]> inputs,
      int priority, long deadlineMs, int payloadBytes, boolean inputsOwned) {
    this(deviceId, id, kernel, params, inputs, priority, deadlineMs, payloadBytes, inputsOwned, null);
  }

  /** A request whose input arrays may be shared with others or read afterwards: kernels leave them as they are. */
  public JobRequest(String deviceId, String id, String kernel, Map<String, Object> params, Map<String, float[]> inputs,
      int priority, long deadlineMs, int payloadBytes) {
    this(deviceId, id, kernel, params, inputs, priority, deadlineMs, payloadBytes, false);
  }
}
