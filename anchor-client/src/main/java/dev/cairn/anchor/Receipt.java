package dev.cairn.anchor;

import java.util.List;
import java.util.Objects;

/**
 * Everything needed to prove, offline, that a job's result was produced by a gateway at a time and
 * anchored: the leaf, its RFC 9162 inclusion path in its batch, the signed checkpoint of the batch,
 * and the anchors of that checkpoint. For a job another gateway ran, {@code executed} also holds that
 * gateway's own receipt of its leaf, which this receipt's leaf names by its hash ({@link ChainLeaf}).
 *
 * @param leaf the canonical CBOR leaf
 * @param index the leaf's position in its batch
 * @param path inclusion path of the leaf in the batch's tree
 * @param publicKey the gateway's Ed25519 public key, for convenience only: verifiers pin their own
 * @param executed the receipts of the gateways that ran the job, when this gateway did not (else empty)
 */
public record Receipt(
    int version,
    byte[] leaf,
    long index,
    List<byte[]> path,
    Checkpoint checkpoint,
    List<AnchorProof> anchors,
    byte[] publicKey,
    List<Executed> executed) {

  public static final int VERSION = 1;

  /** The receipt of the executing {@code gateway} for its own leaf of the job (it carries no {@code executed} of its own). */
  public record Executed(String gateway, Receipt receipt) {
    public Executed {
      Objects.requireNonNull(gateway, "gateway");
      Objects.requireNonNull(receipt, "receipt");
      if (!receipt.executed().isEmpty()) {
        throw new IllegalArgumentException("an executing gateway's receipt cannot itself name executing gateways");
      }
    }
  }

  public Receipt {
    path = List.copyOf(path);
    anchors = List.copyOf(anchors);
    executed = executed == null ? List.of() : List.copyOf(executed);
  }

  /** A receipt of a job this gateway ran itself. */
  public Receipt(int version, byte[] leaf, long index, List<byte[]> path, Checkpoint checkpoint, List<AnchorProof> anchors,
      byte[] publicKey) {
    this(version, leaf, index, path, checkpoint, anchors, publicKey, List.of());
  }

  /** This receipt with the executing gateways' receipts. */
  public Receipt withExecuted(List<Executed> receipts) {
    return new Receipt(version, leaf, index, path, checkpoint, anchors, publicKey, receipts);
  }
}
