package dev.cairn.anchor;

import dev.cairn.anchor.impl.Cbor;
import dev.cairn.anchor.impl.GatewayKey;
import dev.cairn.anchor.impl.Hashes;
import java.util.Map;

/**
 * The signed head of one sealed batch. Its body is the deterministic CBOR map
 * {@code {"v":1, "origin", "batch", "size", "first", "root", "prev", "time"}}; the gateway signs the
 * body with Ed25519, and {@link #hash()} = SHA-256(body) is what the next checkpoint's {@code prev}
 * and the anchor sinks commit to.
 *
 * @param origin the gateway id
 * @param batch batch number, from 1
 * @param treeSize leaves in the batch
 * @param firstSequence journal sequence of the batch's first leaf
 * @param root RFC 9162 root of the batch's leaf hashes
 * @param previousHash hash of the previous checkpoint, 32 zero bytes for the first
 * @param timeMillis when the batch was sealed
 * @param signature Ed25519 signature of {@link #body()}
 */
public record Checkpoint(
    String origin, long batch, long treeSize, long firstSequence, byte[] root, byte[] previousHash,
    long timeMillis, byte[] signature) {

  public static final int VERSION = 1;

  public byte[] body() {
    return Cbor.encode(Map.of(
        "v", VERSION, "origin", origin, "batch", batch, "size", treeSize, "first", firstSequence,
        "root", root, "prev", previousHash, "time", timeMillis));
  }

  public byte[] hash() {
    return Hashes.sha256(body());
  }

  /** True when {@link #signature()} is the gateway's signature of {@link #body()}. */
  public boolean verify(byte[] gatewayPublicKey) {
    return GatewayKey.verify(gatewayPublicKey, body(), signature);
  }
}
