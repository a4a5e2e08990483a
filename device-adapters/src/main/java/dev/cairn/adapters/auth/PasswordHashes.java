package dev.cairn.adapters.auth;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id (RFC 9106) password hashes in the PHC string format
 * {@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>} (salt and hash in base64 without padding), the
 * form the reference {@code argon2} tool, libsodium and most password libraries read and write.
 *
 * <p>New hashes use OWASP's minimum for Argon2id (19 MiB, 2 passes, 1 lane) so that one check stays
 * affordable on a small gateway; a hash made elsewhere with other parameters verifies too, within
 * the {@code MAX_*} bounds, which keep a mistyped file from asking for gigabytes per check.
 */
public final class PasswordHashes {
  /** Memory of new hashes, in KiB (OWASP's minimum for Argon2id: 19 MiB). */
  public static final int DEFAULT_MEMORY_KIB = 19_456;
  /** Passes over the memory of new hashes. */
  public static final int DEFAULT_ITERATIONS = 2;
  /** Lanes of new hashes. */
  public static final int DEFAULT_PARALLELISM = 1;
  /** Random salt of new hashes, in bytes. */
  public static final int SALT_BYTES = 16;
  /** Hash length of new hashes, in bytes. */
  public static final int HASH_BYTES = 32;
  /** Largest memory a stored hash may ask for, in KiB (1 GiB). */
  public static final int MAX_MEMORY_KIB = 1 << 20;
  /** Most passes a stored hash may ask for. */
  public static final int MAX_ITERATIONS = 64;
  /** Most lanes a stored hash may ask for. */
  public static final int MAX_PARALLELISM = 16;

  static final String PREFIX = "$argon2id$";
  private static final String FORM = "$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>, salt and hash in base64 without padding";
  private static final Pattern PHC = Pattern.compile(
      "\\$argon2id\\$v=(\\d{1,4})\\$m=(\\d{1,10}),t=(\\d{1,10}),p=(\\d{1,10})\\$([A-Za-z0-9+/]+)\\$([A-Za-z0-9+/]+)");
  private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
  private static final SecureRandom RANDOM = new SecureRandom();

  private PasswordHashes() {}

  /** A stored hash taken apart; {@code salt} and {@code hash} are the decoded bytes. */
  record Phc(int memoryKiB, int iterations, int parallelism, byte[] salt, byte[] hash) {
    String encode() {
      return PREFIX + "v=19$m=" + memoryKiB + ",t=" + iterations + ",p=" + parallelism + "$" + B64.encodeToString(salt) + "$" + B64.encodeToString(hash);
    }
  }

  /** A new hash of {@code password} with a fresh random salt and the {@code DEFAULT_*} parameters. */
  public static String hash(byte[] password) {
    byte[] salt = random(SALT_BYTES);
    byte[] out = argon2id(password, salt, DEFAULT_MEMORY_KIB, DEFAULT_ITERATIONS, DEFAULT_PARALLELISM, HASH_BYTES, null, null);
    return new Phc(DEFAULT_MEMORY_KIB, DEFAULT_ITERATIONS, DEFAULT_PARALLELISM, salt, out).encode();
  }

  /**
   * Whether {@code password} matches {@code encoded}, with the parameters the string gives, compared in
   * constant time. Blocking and slow on purpose (tens of milliseconds): call it off event loops.
   *
   * @throws IllegalArgumentException when {@code encoded} is not an Argon2id PHC string within the bounds
   */
  public static boolean verify(String encoded, byte[] password) {
    Phc phc = parse(encoded);
    byte[] out = argon2id(password, phc.salt(), phc.memoryKiB(), phc.iterations(), phc.parallelism(), phc.hash().length, null, null);
    return MessageDigest.isEqual(out, phc.hash());
  }

  /**
   * A hash with the {@code DEFAULT_*} parameters that no password matches (random salt and hash), to
   * verify against when a device is unknown so that the check costs what a known device's costs.
   */
  public static String dummy() {
    return dummyLike(new Phc(DEFAULT_MEMORY_KIB, DEFAULT_ITERATIONS, DEFAULT_PARALLELISM, new byte[SALT_BYTES], new byte[HASH_BYTES]));
  }

  /** A hash no password matches, with the parameters and lengths of {@code like}: the same work to check. */
  static String dummyLike(Phc like) {
    return new Phc(like.memoryKiB(), like.iterations(), like.parallelism(), random(like.salt().length), random(like.hash().length)).encode();
  }

  /** Takes {@code encoded} apart, refusing anything but a well-formed Argon2id v=19 hash within the bounds. */
  static Phc parse(String encoded) {
    if (encoded == null || !encoded.startsWith(PREFIX)) {
      throw new IllegalArgumentException("not an Argon2id hash: expected " + FORM);
    }
    Matcher m = PHC.matcher(encoded);
    if (!m.matches()) {
      throw new IllegalArgumentException("malformed Argon2id hash: expected " + FORM);
    }
    if (!m.group(1).equals("19")) {
      throw new IllegalArgumentException("Argon2 version v=" + m.group(1) + " is not supported: only v=19 (Argon2 1.3)");
    }
    long parallelism = Long.parseLong(m.group(4));
    long memory = Long.parseLong(m.group(2));
    long iterations = Long.parseLong(m.group(3));
    if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
      throw new IllegalArgumentException("Argon2id lanes p=" + parallelism + " must be 1 to " + MAX_PARALLELISM);
    }
    if (memory < 8 * parallelism || memory > MAX_MEMORY_KIB) {
      throw new IllegalArgumentException("Argon2id memory m=" + memory + " KiB must be 8 x p to " + MAX_MEMORY_KIB + " KiB");
    }
    if (iterations < 1 || iterations > MAX_ITERATIONS) {
      throw new IllegalArgumentException("Argon2id passes t=" + iterations + " must be 1 to " + MAX_ITERATIONS);
    }
    byte[] salt = decode(m.group(5), "salt");
    byte[] hash = decode(m.group(6), "hash");
    if (salt.length < 8 || salt.length > 64) {
      throw new IllegalArgumentException("Argon2id salt of " + salt.length + " bytes must be 8 to 64 bytes");
    }
    if (hash.length < 16 || hash.length > 64) {
      throw new IllegalArgumentException("Argon2id hash of " + hash.length + " bytes must be 16 to 64 bytes");
    }
    return new Phc((int) memory, (int) iterations, (int) parallelism, salt, hash);
  }

  private static byte[] decode(String b64, String what) {
    // A length of 1 mod 4 is no base64 at all; the decoder would also take it apart wrongly.
    if (b64.length() % 4 == 1) {
      throw new IllegalArgumentException("Argon2id " + what + " is not valid base64 (without padding)");
    }
    return Base64.getDecoder().decode(b64);
  }

  /** Raw Argon2id (version 0x13); {@code secret} and {@code additional} may be null. */
  static byte[] argon2id(byte[] password, byte[] salt, int memoryKiB, int iterations, int parallelism, int length,
      byte[] secret, byte[] additional) {
    Argon2Parameters.Builder b = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
        .withVersion(Argon2Parameters.ARGON2_VERSION_13)
        .withMemoryAsKB(memoryKiB)
        .withIterations(iterations)
        .withParallelism(parallelism)
        .withSalt(salt);
    if (secret != null) {
      b.withSecret(secret);
    }
    if (additional != null) {
      b.withAdditional(additional);
    }
    Argon2BytesGenerator generator = new Argon2BytesGenerator();
    generator.init(b.build());
    byte[] out = new byte[length];
    generator.generateBytes(password == null ? new byte[0] : password, out);
    return out;
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }
}
