package dev.cairn.scheduler;

import java.util.concurrent.CompletionStage;

/**
 * Makes a completed job's receipt leaf durable. The scheduler completes a job only after the stage
 * returned here completes, so a device never holds a result whose leaf could be lost.
 */
@FunctionalInterface
public interface ResultSealer {

  /** Completes with the leaf hash and salt once the leaf is durable; fails if it could not be made so. */
  CompletionStage<Seal> seal(CompletedJob job);

  /** Hex leaf hash and hex salt, as returned to the device. */
  record Seal(String leafHex, String saltHex) {}

  /** For tests and benchmarks that do not keep receipts. */
  static ResultSealer none() {
    return job -> java.util.concurrent.CompletableFuture.completedFuture(new Seal(null, null));
  }
}
