package dev.cairn.scheduler;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Makes a completed job's receipt leaf durable. The scheduler completes a job only after the stage
 * returned here completes, so a device never holds a result whose leaf could be lost.
 */
@FunctionalInterface
public interface ResultSealer {

  /**
   * The digest of a job's inputs as the device sent them, for its receipt. The scheduler asks for it on
   * the job's worker just before the kernel runs, because the kernel may then write its output into an
   * input array that the request owns ({@link JobRequest#inputsOwned()}), and hands it back in
   * {@link CompletedJob#inputDigest()}. {@link #seal} must not read the request's inputs. Empty by default,
   * for sealers that keep no receipts.
   */
  default byte[] inputDigest(JobRequest request, Map<String, Object> params) {
    return new byte[0];
  }

  /** Completes with the leaf hash and salt once the leaf is durable; fails if it could not be made so. */
  CompletionStage<Seal> seal(CompletedJob job);

  /** Hex leaf hash and hex salt, as returned to the device. */
  record Seal(String leafHex, String saltHex) {}

  /** For tests and benchmarks that do not keep receipts. */
  static ResultSealer none() {
    return job -> java.util.concurrent.CompletableFuture.completedFuture(new Seal(null, null));
  }
}
