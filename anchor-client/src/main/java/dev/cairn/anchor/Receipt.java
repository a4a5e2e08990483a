package dev.cairn.anchor;

import java.util.List;

/**
 * Everything needed to prove, offline, that a job's result was produced by a gateway at a time and
 * anchored: the leaf, its RFC 9162 inclusion path in its batch, the signed checkpoint of the batch,
 * and the anchors of that checkpoint.
 *
 * @param leaf the canonical CBOR leaf
 * @param index the leaf's position in its batch
 * @param path inclusion path of the leaf in the batch's tree
 * @param publicKey the gateway's Ed25519 public key, for convenience only: verifiers pin their own
 */
public record Receipt(
    int version,
    byte[] leaf,
    long index,
    List<byte[]> path,
    Checkpoint checkpoint,
    List<AnchorProof> anchors,
    byte[] publicKey) {

  public static final int VERSION = 1;

  public Receipt {
    path = List.copyOf(path);
    anchors = List.copyOf(anchors);
  }
}
