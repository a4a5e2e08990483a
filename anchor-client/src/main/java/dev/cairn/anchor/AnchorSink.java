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

  /**
   * As {@link #anchor(Checkpoint, byte[])}, with a durable memo for this checkpoint and sink: what a
   * sink remembers before an irreversible step (a signed transaction before it is broadcast) survives a
   * crash and is recalled on the next attempt, so the step is resumed instead of repeated.
   */
  default CompletionStage<AnchorProof> anchor(Checkpoint checkpoint, byte[] commitment, Memo memo) {
    return anchor(checkpoint, commitment);
  }

  /** A sink's durable note about one checkpoint. */
  interface Memo {
    /** What was remembered on an earlier attempt, or null. */
    String recalled();

    /** Completes once {@code note} is committed to the journal. */
    CompletionStage<Void> remember(String note);
  }
}
