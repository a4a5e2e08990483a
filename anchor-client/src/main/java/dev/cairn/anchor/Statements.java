package dev.cairn.anchor;

import java.nio.charset.StandardCharsets;

/**
 * Domain separation for what the gateway key signs besides checkpoints: a statement of domain {@code d}
 * signs {@code "cairn-statement:" || d || 0x00 || body}, so a signature made for one kind of statement
 * (a usage statement, say) can never be taken for another or for a checkpoint.
 */
public final class Statements {
  private static final byte[] PREFIX = "cairn-statement:".getBytes(StandardCharsets.US_ASCII);

  private Statements() {}

  /** The bytes signed for {@code body} in {@code domain} (lowercase letters, digits and '-'). */
  public static byte[] message(String domain, byte[] body) {
    if (domain.isEmpty() || !domain.chars().allMatch(c -> c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')) {
      throw new IllegalArgumentException("a statement domain is lowercase letters, digits and '-', was '" + domain + "'");
    }
    byte[] d = domain.getBytes(StandardCharsets.US_ASCII);
    byte[] m = new byte[PREFIX.length + d.length + 1 + body.length];
    System.arraycopy(PREFIX, 0, m, 0, PREFIX.length);
    System.arraycopy(d, 0, m, PREFIX.length, d.length);
    System.arraycopy(body, 0, m, PREFIX.length + d.length + 1, body.length);
    return m;
  }

  /** Whether {@code signature} is {@code publicKey}'s signature of {@code body} in {@code domain}. */
  public static boolean verify(byte[] publicKey, String domain, byte[] body, byte[] signature) {
    return dev.cairn.anchor.impl.GatewayKey.verify(publicKey, message(domain, body), signature);
  }
}
