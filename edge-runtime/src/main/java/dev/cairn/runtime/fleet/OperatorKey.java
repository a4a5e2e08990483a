package dev.cairn.runtime.fleet;

import dev.cairn.runtime.config.ConfigException;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * The fleet operator's Ed25519 keys, as PEM files openssl reads and writes: the private key PKCS#8
 * ({@code openssl genpkey -algorithm ed25519}), the public key SubjectPublicKeyInfo ({@code openssl
 * pkey -pubout}). The private key file must be owner-only.
 */
public final class OperatorKey {
  private OperatorKey() {}

  /** Writes a new key pair: the private key to {@code key} (rw-------), the public key to {@code pub}; never overwrites. */
  public static void generate(Path key, Path pub) throws IOException {
    for (Path p : new Path[] {key, pub}) {
      if (Files.exists(p)) {
        throw new ConfigException(p + " exists; keys are never overwritten (move it away first)");
      }
    }
    Ed25519PrivateKeyParameters priv = new Ed25519PrivateKeyParameters(new SecureRandom());
    Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(key, pem("PRIVATE KEY", PrivateKeyInfoFactory.createPrivateKeyInfo(priv).getEncoded()));
    Files.writeString(pub, pem("PUBLIC KEY", SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(priv.generatePublicKey()).getEncoded()));
  }

  private static String pem(String type, byte[] der) throws IOException {
    StringWriter w = new StringWriter();
    try (PemWriter p = new PemWriter(w)) {
      p.writeObject(new PemObject(type, der));
    }
    return w.toString();
  }

  /** Reads an owner-only PEM Ed25519 private key. */
  public static Ed25519PrivateKeyParameters readPrivate(Path file) {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (perms.stream().anyMatch(x -> !x.name().startsWith("OWNER"))) {
        throw new ConfigException(file + " is readable or writable by others; the operator key must be owner-only: chmod 600 " + file);
      }
      Object o = parse(file);
      AsymmetricKeyParameter k = o instanceof PrivateKeyInfo info ? PrivateKeyFactory.createKey(info) : null;
      if (k instanceof Ed25519PrivateKeyParameters ed) {
        return ed;
      }
      throw new ConfigException(file + " is not an Ed25519 private key in PEM (openssl genpkey -algorithm ed25519 makes one)");
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot be read: " + e.getMessage());
    }
  }

  /** Reads a PEM Ed25519 public key. */
  public static Ed25519PublicKeyParameters readPublic(Path file) {
    try {
      Object o = parse(file);
      AsymmetricKeyParameter k = o instanceof SubjectPublicKeyInfo info ? PublicKeyFactory.createKey(info) : null;
      if (k instanceof Ed25519PublicKeyParameters ed) {
        return ed;
      }
      throw new ConfigException(file + " is not an Ed25519 public key in PEM (openssl pkey -in KEY -pubout makes one)");
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot be read: " + e.getMessage());
    }
  }

  private static Object parse(Path file) throws IOException {
    try (PEMParser p = new PEMParser(new StringReader(Files.readString(file, StandardCharsets.US_ASCII)))) {
      return p.readObject();
    }
  }

  static byte[] sign(Ed25519PrivateKeyParameters key, byte[] message) {
    Ed25519Signer s = new Ed25519Signer();
    s.init(true, key);
    s.update(message, 0, message.length);
    return s.generateSignature();
  }

  static boolean verify(Ed25519PublicKeyParameters key, byte[] message, byte[] signature) {
    Ed25519Signer s = new Ed25519Signer();
    s.init(false, key);
    s.update(message, 0, message.length);
    return s.verifySignature(signature);
  }
}
