package dev.cairn.anchor;

import dev.cairn.anchor.impl.GatewayKey;
import java.nio.charset.StandardCharsets;

/**
 * Signatures of messages a gateway sends to its peers, made with the same Ed25519 key that signs its
 * checkpoints but over {@code domain || 0x00 || body}. A checkpoint's signed body is a CBOR map (its first
 * byte is 0xa0 to 0xbf) and every domain here starts with the letter 'c' (0x63), so a signature of one
 * kind can never be taken for a signature of another: not for a checkpoint, and not across domains.
 */
public enum PeerSignature {
  /** A gateway's announcement of itself on {@code cairn/net/gateways/{id}}. */
  ANNOUNCE("cairn-announce"),
  /** A job one gateway asks another to run. */
  WORK("cairn-work"),
  /** The answer to a {@link #WORK} request. */
  WORK_RESULT("cairn-work-result"),
  /** Signed answers of replicas that disagree, as a gateway publishes them on {@code cairn/net/evidence}. */
  EVIDENCE("cairn-evidence"),
  /** A usage statement, its countersignature or a dispute of it, sent on {@code cairn/net/usage/{peer}}. */
  USAGE("cairn-usage"),
  /** A gateway's receipt of a job it ran for a peer, sent to that peer on {@code cairn/net/receipts/{peer}}. */
  RECEIPT("cairn-receipt");

  private final byte[] prefix;

  PeerSignature(String domain) {
    byte[] d = domain.getBytes(StandardCharsets.US_ASCII);
    prefix = java.util.Arrays.copyOf(d, d.length + 1); // the 0x00 after the domain ends it
  }

  /** The bytes that are signed for {@code body} in this domain. */
  public byte[] message(byte[] body) {
    byte[] m = java.util.Arrays.copyOf(prefix, prefix.length + body.length);
    System.arraycopy(body, 0, m, prefix.length, body.length);
    return m;
  }

  /** True when {@code signature} is {@code publicKey}'s Ed25519 signature of {@code body} in this domain. */
  public boolean verify(byte[] publicKey, byte[] body, byte[] signature) {
    return GatewayKey.verify(publicKey, message(body), signature);
  }
}
