package dev.cairn.anchor;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * Options of the anchor service.
 *
 * @param dataDir where the journal ({@code journal.db}) and the gateway key live; created if absent
 * @param gatewayId the origin named in leaves and checkpoints
 * @param batchMaxLeaves a batch is sealed once it holds this many leaves
 * @param batchMaxDelayMs ... or once its first leaf is this old
 * @param maxPendingLeaves leaves accepted but not yet durable; past this, appends fail with
 *     {@link AnchorErrorCode#OVERLOADED}
 * @param sinks where each checkpoint is anchored; a receipt is complete when all of them have
 */
public record AnchorOptions(
    Path dataDir, String gatewayId, int batchMaxLeaves, long batchMaxDelayMs, int maxPendingLeaves,
    List<AnchorSink> sinks) {

  public static final int DEFAULT_BATCH_MAX_LEAVES = 1000;
  public static final long DEFAULT_BATCH_MAX_DELAY_MS = 1000;
  public static final int DEFAULT_MAX_PENDING_LEAVES = 65_536;

  public AnchorOptions {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(gatewayId, "gatewayId");
    if (gatewayId.isBlank()) {
      throw new IllegalArgumentException("gatewayId must not be blank");
    }
    if (batchMaxLeaves < 1) {
      throw new IllegalArgumentException("batchMaxLeaves must be at least 1, was " + batchMaxLeaves);
    }
    if (batchMaxDelayMs < 1) {
      throw new IllegalArgumentException("batchMaxDelayMs must be at least 1, was " + batchMaxDelayMs);
    }
    if (maxPendingLeaves < 1) {
      throw new IllegalArgumentException("maxPendingLeaves must be at least 1, was " + maxPendingLeaves);
    }
    sinks = List.copyOf(sinks);
    if (sinks.isEmpty()) {
      throw new IllegalArgumentException("at least one anchor sink is needed (local is the default)");
    }
    var names = new HashSet<String>();
    for (AnchorSink s : sinks) {
      if (!names.add(s.name())) {
        throw new IllegalArgumentException("two anchor sinks are named '" + s.name() + "'; names must be unique");
      }
    }
  }

  /** Options anchoring to the {@code local} sink only. */
  public AnchorOptions(Path dataDir, String gatewayId, int batchMaxLeaves, long batchMaxDelayMs, int maxPendingLeaves) {
    this(dataDir, gatewayId, batchMaxLeaves, batchMaxDelayMs, maxPendingLeaves, List.of(AnchorSinks.local()));
  }

  public AnchorOptions withSinks(List<AnchorSink> newSinks) {
    return new AnchorOptions(dataDir, gatewayId, batchMaxLeaves, batchMaxDelayMs, maxPendingLeaves, newSinks);
  }

  public static AnchorOptions defaults(Path dataDir, String gatewayId) {
    return new AnchorOptions(
        dataDir, gatewayId, DEFAULT_BATCH_MAX_LEAVES, DEFAULT_BATCH_MAX_DELAY_MS, DEFAULT_MAX_PENDING_LEAVES);
  }
}
