package dev.cairn.scheduler;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Results kept by job id for their retention time, for devices that fetch a result again or resubmit a
 * job that already ran. Found results come back {@linkplain JobResult#asReplayed() replayed}.
 */
@FunctionalInterface
public interface KeptResults {

  /** The kept result of a device's job, empty when none is kept (never ran here, or expired). Never fails for absence. */
  CompletionStage<Optional<JobResult>> find(String deviceId, String jobId);

  /** Keeps nothing. */
  static KeptResults none() {
    return (d, j) -> CompletableFuture.completedFuture(Optional.empty());
  }
}
