package dev.cairn.anchor.impl;

import dev.cairn.anchor.AnchorErrorCode;
import dev.cairn.anchor.AnchorException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * The gateway's Ed25519 key (BouncyCastle, about 15x the JDK's speed here). {@code gateway.key} holds
 * the 32-byte private seed in hex and is created owner-only; {@code gateway.pub} the public key in hex.
 */
public final class GatewayKey {
  public static final String KEY_FILE = "gateway.key";
  public static final String PUB_FILE = "gateway.pub";
  private static final HexFormat HEX = HexFormat.of();

  private final Ed25519PrivateKeyParameters privateKey;
  private final byte[] publicKey;

  private GatewayKey(Ed25519PrivateKeyParameters privateKey) {
    this.privateKey = privateKey;
    this.publicKey = privateKey.generatePublicKey().getEncoded();
  }

  /** Loads the key from {@code dir}, creating it on first start. */
  public static GatewayKey loadOrCreate(Path dir) {
    Path key = dir.resolve(KEY_FILE);
    try {
      if (!Files.exists(key)) {
        create(dir, key);
      }
      checkOwnerOnly(key);
      String hex = Files.readString(key, StandardCharsets.US_ASCII).trim();
      byte[] seed;
      try {
        seed = HEX.parseHex(hex);
      } catch (IllegalArgumentException e) {
        throw new AnchorException(AnchorErrorCode.KEY, key + " is not a hex Ed25519 seed: " + e.getMessage());
      }
      if (seed.length != Ed25519PrivateKeyParameters.KEY_SIZE) {
        throw new AnchorException(AnchorErrorCode.KEY,
            key + " holds " + seed.length + " bytes; an Ed25519 seed is 32 bytes (64 hex digits)");
      }
      GatewayKey k = new GatewayKey(new Ed25519PrivateKeyParameters(seed, 0));
      Path pub = dir.resolve(PUB_FILE);
      String pubHex = HEX.formatHex(k.publicKey) + "\n";
      if (!Files.exists(pub) || !Files.readString(pub, StandardCharsets.US_ASCII).equals(pubHex)) {
        Files.writeString(pub, pubHex, StandardCharsets.US_ASCII);
      }
      return k;
    } catch (IOException e) {
      throw new AnchorException(AnchorErrorCode.KEY, "gateway key in " + dir + " could not be read or written: " + e, e);
    }
  }

  private static void create(Path dir, Path key) throws IOException {
    Files.createDirectories(dir);
    byte[] seed = new byte[Ed25519PrivateKeyParameters.KEY_SIZE];
    new SecureRandom().nextBytes(seed);
    try {
      // Owner-only from the first byte: created with the permissions, never chmod-ed afterwards.
      Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (FileAlreadyExistsException e) {
      return;
    } catch (UnsupportedOperationException e) {
      Files.createFile(key);
    }
    Files.writeString(key, HEX.formatHex(seed) + "\n", StandardCharsets.US_ASCII);
  }

  private static void checkOwnerOnly(Path key) throws IOException {
    Set<PosixFilePermission> perms;
    try {
      perms = Files.getPosixFilePermissions(key);
    } catch (UnsupportedOperationException e) {
      return;
    }
    for (PosixFilePermission p : perms) {
      if (p.name().startsWith("GROUP") || p.name().startsWith("OTHERS")) {
        throw new AnchorException(AnchorErrorCode.KEY, key + " is readable or writable by others ("
            + PosixFilePermissions.toString(perms) + "); the gateway's private key must be owner-only: chmod 600 " + key);
      }
    }
  }

  public byte[] publicKey() {
    return publicKey.clone();
  }

  public byte[] sign(byte[] message) {
    Ed25519Signer signer = new Ed25519Signer();
    signer.init(true, privateKey);
    signer.update(message, 0, message.length);
    return signer.generateSignature();
  }

  public static boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
    if (publicKey.length != Ed25519PublicKeyParameters.KEY_SIZE || signature.length != 64) {
      return false;
    }
    Ed25519Signer verifier = new Ed25519Signer();
    try {
      verifier.init(false, new Ed25519PublicKeyParameters(publicKey, 0));
    } catch (IllegalArgumentException e) {
      // Not a point on the curve: no signature can verify with it.
      return false;
    }
    verifier.update(message, 0, message.length);
    return verifier.verifySignature(signature);
  }
}
