package dev.cairn.anchor.impl;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 from the JDK (SHA-NI intrinsics; about 6x BouncyCastle's here). */
public final class Hashes {
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  });

  private Hashes() {}

  public static byte[] sha256(byte[] data) {
    MessageDigest md = SHA256.get();
    md.reset();
    return md.digest(data);
  }

  /** SHA-256 of the concatenation of the parts. */
  public static byte[] sha256(byte[]... parts) {
    MessageDigest md = SHA256.get();
    md.reset();
    for (byte[] p : parts) {
      md.update(p);
    }
    return md.digest();
  }

  /** SHA-256 of a one-byte prefix followed by the parts (RFC 9162 domain separation). */
  public static byte[] sha256(byte prefix, byte[]... parts) {
    MessageDigest md = SHA256.get();
    md.reset();
    md.update(prefix);
    for (byte[] p : parts) {
      md.update(p);
    }
    return md.digest();
  }
}
