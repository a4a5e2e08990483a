package dev.cairn.anchor;

/**
 * Counters of the anchor service.
 *
 * @param leaves leaves durable in the journal
 * @param batchesSealed checkpoints signed
 * @param lastTreeSize leaves in the last sealed batch (0 before the first)
 * @param lastRootHex Merkle root of the last sealed batch, hex ({@code null} before the first)
 * @param leafSyncs syncs of the leaf log since start, each making a group of leaves durable at once:
 *     leaves appended over syncs is the group commit's size
 * @param leafSyncNanos time spent in those syncs
 * @param backlog per sink, the sealed batches it has not anchored yet
 */
public record AnchorStats(long leaves, long batchesSealed, long lastTreeSize, String lastRootHex, long leafSyncs,
    long leafSyncNanos, java.util.Map<String, Backlog> backlog) {

  /** Batches waiting for one sink, and when the oldest was sealed (Unix ms). */
  public record Backlog(int batches, long oldestMillis) {}

  public AnchorStats {
    backlog = java.util.Map.copyOf(backlog);
  }

  public AnchorStats(long leaves, long batchesSealed, long lastTreeSize, String lastRootHex, long leafSyncs) {
    this(leaves, batchesSealed, lastTreeSize, lastRootHex, leafSyncs, 0, java.util.Map.of());
  }
}
