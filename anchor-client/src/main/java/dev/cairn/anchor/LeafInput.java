package dev.cairn.anchor;

import java.util.Map;
import java.util.Objects;

/**
 * What goes into one receipt leaf (DESIGN.md, "Receipts and anchoring"), before the salt and the
 * output commitment are made. The gateway id comes from {@link AnchorOptions}.
 *
 * @param inputDigest SHA-256 of the canonical encoding of the job's params and inputs
 *     ({@link Canonical#inputDigest})
 * @param outputs the job's outputs: values {@code float[]}, {@code int[]}, {@link Double} or {@link Long}
 * @param receivedMillis when the gateway received the job, Unix epoch milliseconds
 * @param completedMillis when the job completed, Unix epoch milliseconds
 * @param inputBytes bytes of the job's inputs (4 per float), for metering
 * @param queueMicros time the job waited in the queue
 * @param runMicros wall time of its run
 * @param cpuMicros CPU time of its run (0 where it cannot be measured)
 */
public record LeafInput(
    String deviceId,
    String jobId,
    String kernel,
    String kernelVersion,
    byte[] inputDigest,
    Map<String, Object> outputs,
    String backend,
    long receivedMillis,
    long completedMillis,
    long inputBytes,
    long queueMicros,
    long runMicros,
    long cpuMicros) {

  /** A leaf without metering figures (they read 0). */
  public LeafInput(String deviceId, String jobId, String kernel, String kernelVersion, byte[] inputDigest,
      Map<String, Object> outputs, String backend, long receivedMillis, long completedMillis) {
    this(deviceId, jobId, kernel, kernelVersion, inputDigest, outputs, backend, receivedMillis, completedMillis,
        0, 0, 0, 0);
  }

  public LeafInput {
    Objects.requireNonNull(deviceId, "deviceId");
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(kernel, "kernel");
    Objects.requireNonNull(kernelVersion, "kernelVersion");
    Objects.requireNonNull(inputDigest, "inputDigest");
    Objects.requireNonNull(outputs, "outputs");
    Objects.requireNonNull(backend, "backend");
    if (inputBytes < 0 || queueMicros < 0 || runMicros < 0 || cpuMicros < 0) {
      throw new IllegalArgumentException("metering figures cannot be negative");
    }
  }
}
