package dev.cairn.anchor;

import java.util.concurrent.CompletionStage;

/**
 * Commits a checkpoint's hash somewhere outside the gateway. Called off the journal's thread; may be
 * called again for the same checkpoint after a failure or a restart, so a sink must make a repeat
 * harmless (the commitment is the idempotency key).
 */
public interface AnchorSink {

  /** The configured name, unique on a gateway (e.g. {@code local}, {@code tsa}). */
  String name();

  /**
   * Anchors {@code commitment} = SHA-256 of the checkpoint body. Fails when the service cannot be
   * reached or refuses; the anchor service retries with backoff.
   */
  CompletionStage<AnchorProof> anchor(Checkpoint checkpoint, byte[] commitment);
}
