package dev.cairn.anchor.usage;

import dev.cairn.anchor.Receipt;
import java.util.function.UnaryOperator;

/**
 * A usage statement as it is handed out: its body, the gateway's signature, optionally the
 * countersignature of the peer gateway the work was done for, and its receipt once anchored.
 *
 * @param countersignerKey the countersigning peer's Ed25519 public key, or null
 * @param countersignature the peer's signature of the body in {@link #COUNTERSIGN_DOMAIN}, or null
 * @param receipt the receipt of the statement's leaf, or null before it is anchored
 */
public record SignedUsage(UsageStatement statement, byte[] body, byte[] signature, byte[] countersignerKey,
    byte[] countersignature, Receipt receipt) {
  /** The domain the gateway key signs statements in ({@link dev.cairn.anchor.Statements}). */
  public static final String DOMAIN = "usage";
  /** The domain a peer signs the totals it agrees to. */
  public static final String COUNTERSIGN_DOMAIN = "usage-countersign";
  /**
   * The domain a peer signs its own version of a statement in when it disputes the gateway's: it says what
   * the peer's records hold, never that it agrees to the gateway's totals.
   */
  public static final String DISPUTE_DOMAIN = "usage-dispute";

  /** Signs {@code s} with {@code signer}, which maps a body to the gateway's signature in {@link #DOMAIN}. */
  public static SignedUsage sign(UsageStatement s, UnaryOperator<byte[]> signer) {
    byte[] body = s.body();
    return new SignedUsage(s, body, signer.apply(body), null, null, null);
  }

  public SignedUsage countersignedBy(byte[] peerKey, byte[] peerSignature) {
    return new SignedUsage(statement, body, signature, peerKey, peerSignature, receipt);
  }

  public SignedUsage withReceipt(Receipt r) {
    return new SignedUsage(statement, body, signature, countersignerKey, countersignature, r);
  }

  public byte[] hash() {
    return dev.cairn.anchor.impl.Hashes.sha256(body);
  }
}
