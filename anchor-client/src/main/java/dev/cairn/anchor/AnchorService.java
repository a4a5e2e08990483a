package dev.cairn.anchor;

import java.time.Clock;
import java.util.concurrent.CompletionStage;

/**
 * The gateway side of receipts: appends leaves durably to the journal (SQLite, WAL), seals them into
 * RFC 9162 Merkle batches every {@code batchMaxLeaves} leaves or {@code batchMaxDelayMs}, and signs
 * each batch's checkpoint with the gateway's Ed25519 key. Appends are group-committed on the
 * service's own writer thread; callers are never blocked.
 */
public interface AnchorService {

  /**
   * Opens (or creates) the journal and key in {@code options.dataDir()} and starts the writer and
   * the batch timer.
   *
   * @throws AnchorException {@code JOURNAL_CORRUPT} with what is wrong and how to recover, or
   *     {@code JOURNAL_IO}/{@code KEY}
   */
  static AnchorService open(AnchorOptions options, Clock clock) {
    return dev.cairn.anchor.impl.DefaultAnchorService.open(options, clock);
  }

  /** Completes once the leaf is durable (committed to the journal). */
  CompletionStage<SealedLeaf> append(LeafInput input);

  /**
   * Appends a leaf that is not a job's (a usage statement, say) as it is; it is sealed and anchored like
   * any other and its receipt is found by {@link #receipt} under {@code lookupDevice} and {@code lookupJob}.
   */
  CompletionStage<SealedLeaf> appendLeaf(String lookupDevice, String lookupJob, byte[] leaf);

  /** Signs {@code body} with the gateway key in {@code domain} ({@link Statements#message}). */
  byte[] signStatement(String domain, byte[] body);

  /**
   * Calls {@code leaves} on the calling thread with every leaf journaled at or after
   * {@code createdFromMs}, in journal order, and the time it was journaled (ms), read on a connection of
   * its own; returns how many. For start-up.
   */
  long scanLeaves(long createdFromMs, java.util.function.ObjLongConsumer<byte[]> leaves);

  /** Seals the open batch now, if it has leaves; completes with the number of leaves sealed. */
  CompletionStage<Long> sealNow();

  AnchorStats stats();

  /**
   * Looks up the receipt of a device's job: {@code READY} with the receipt once its batch is sealed and
   * anchored by every sink, {@code PENDING} with the reason before that, or {@code NOT_FOUND}.
   */
  CompletionStage<ReceiptLookup> receipt(String deviceId, String jobId);

  /**
   * Calls {@code listener} (on the journal's thread: hand work off, do not block) each time every sink
   * has anchored a batch, with the receipts of all its leaves.
   */
  void onAnchored(java.util.function.Consumer<AnchoredBatch> listener);

  /**
   * Results and MQTT sessions kept for devices in this journal (one durable store); usable until
   * {@link #close()}.
   */
  dev.cairn.anchor.kept.KeptStore kept();

  /** The gateway's Ed25519 public key (32 bytes) that signs checkpoints. */
  byte[] publicKey();

  /**
   * Signs a message to peers with the gateway's key, in its own {@link PeerSignature} domain (so it can
   * never pass for a checkpoint's signature). Cheap enough (BouncyCastle) to call on an event loop.
   */
  byte[] signForPeers(PeerSignature domain, byte[] body);

  /** Finishes pending appends, seals the open batch, and closes the journal. */
  CompletionStage<Void> close();

  /**
   * Changes the batch size and age and the sinks while running. Batches sealed from then on go to the
   * new sinks; batches already sealed still wait for the sinks they were sealed for.
   *
   * @throws IllegalArgumentException when {@code next} names another data directory or gateway
   */
  CompletionStage<Void> reconfigure(AnchorOptions next);
}
