package dev.cairn.adapters.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class PasswordHashesTest {
  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] filled(int n, int value) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) value);
    return b;
  }

  @Test
  void argon2idMatchesTheRfc9106TestVector() {
    // RFC 9106 section 5.3: t=3, m=32 KiB, p=4, tag 32 bytes, password 32 x 0x01, salt 16 x 0x02,
    // secret 8 x 0x03, associated data 12 x 0x04.
    byte[] tag = PasswordHashes.argon2id(filled(32, 1), filled(16, 2), 32, 3, 4, 32, filled(8, 3), filled(12, 4));
    assertArrayEquals(HexFormat.of().parseHex("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"), tag);
  }

  @Test
  void verifiesTheReferenceImplementationsPhcString() {
    // phc-winner-argon2's src/test.c: argon2id, password "password", salt "somesalt", t=2, m=64 MiB, p=1.
    String reference = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
    assertTrue(PasswordHashes.verify(reference, bytes("password")));
    assertFalse(PasswordHashes.verify(reference, bytes("passwore")));
    PasswordHashes.Phc phc = PasswordHashes.parse(reference);
    assertEquals(reference, phc.encode());
    assertArrayEquals(HexFormat.of().parseHex("09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7"), phc.hash());
  }

  @Test
  void hashesWithOwaspParametersAndAFreshSaltEachTime() {
    String a = PasswordHashes.hash(bytes("correct horse"));
    String b = PasswordHashes.hash(bytes("correct horse"));
    assertTrue(a.matches("\\$argon2id\\$v=19\\$m=19456,t=2,p=1\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}"), a);
    assertNotEquals(a, b);
    assertTrue(PasswordHashes.verify(a, bytes("correct horse")));
    assertTrue(PasswordHashes.verify(b, bytes("correct horse")));
    assertFalse(PasswordHashes.verify(a, bytes("correct horsE")));
    assertFalse(PasswordHashes.verify(a, new byte[0]));
  }

  @Test
  void theDummyHashHasTheDefaultParametersAndMatchesNoPassword() {
    PasswordHashes.Phc dummy = PasswordHashes.parse(PasswordHashes.dummy());
    PasswordHashes.Phc real = PasswordHashes.parse(PasswordHashes.hash(bytes("x")));
    assertEquals(real.memoryKiB(), dummy.memoryKiB());
    assertEquals(real.iterations(), dummy.iterations());
    assertEquals(real.parallelism(), dummy.parallelism());
    assertEquals(real.salt().length, dummy.salt().length);
    assertEquals(real.hash().length, dummy.hash().length);
    assertFalse(PasswordHashes.verify(PasswordHashes.dummy(), new byte[0]));
    assertNotEquals(PasswordHashes.dummy(), PasswordHashes.dummy());
  }

  @Test
  void refusesMalformedStringsSayingWhatIsExpected() {
    String salt = "c29tZXNhbHRzb21lc2FsdA";
    String hash = "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
    assertMessage("not an Argon2id hash: expected $argon2id$v=19$m=<KiB>", "hunter22");
    assertMessage("not an Argon2id hash", "$argon2i$v=19$m=65536,t=2,p=1$" + salt + "$" + hash);
    assertMessage("not an Argon2id hash", null);
    assertMessage("malformed Argon2id hash", "$argon2id$v=19$m=65536,t=2$" + salt + "$" + hash);
    assertMessage("malformed Argon2id hash", "$argon2id$v=19$m=65536,t=2,p=1$" + salt + "=$" + hash);
    assertMessage("malformed Argon2id hash", "$argon2id$v=19$m=65536,t=2,p=1$" + salt + "$" + hash + "$");
    assertMessage("only v=19", "$argon2id$v=16$m=65536,t=2,p=1$" + salt + "$" + hash);
    // Bounds are checked before any memory is taken: a typo cannot ask for terabytes.
    assertMessage("memory m=2147483647 KiB must be 8 x p to 1048576 KiB", "$argon2id$v=19$m=2147483647,t=2,p=1$" + salt + "$" + hash);
    assertMessage("memory m=7 KiB", "$argon2id$v=19$m=7,t=2,p=1$" + salt + "$" + hash);
    assertMessage("passes t=0 must be 1 to 64", "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + hash);
    assertMessage("lanes p=17 must be 1 to 16", "$argon2id$v=19$m=1024,t=1,p=17$" + salt + "$" + hash);
    assertMessage("salt of 4 bytes must be 8 to 64 bytes", "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + hash);
    assertMessage("hash of 4 bytes must be 16 to 64 bytes", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$c2FsdA");
    assertMessage("salt is not valid base64", "$argon2id$v=19$m=64,t=1,p=1$c2FsdAAAA$" + hash);
  }

  private static void assertMessage(String part, String encoded) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PasswordHashes.verify(encoded, bytes("x")));
    assertTrue(e.getMessage().contains(part), e.getMessage());
  }

  @Test
  void measuresOneVerifyWithTheDefaultParameters() {
    // Printed for the documentation; no assertion on time.
    String encoded = PasswordHashes.hash(bytes("measured"));
    for (int i = 0; i < 3; i++) {
      PasswordHashes.verify(encoded, bytes("measured"));
    }
    int n = 10;
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      assertTrue(PasswordHashes.verify(encoded, bytes("measured")));
    }
    double ms = (System.nanoTime() - start) / 1e6 / n;
    System.out.printf("argon2id m=%d KiB, t=%d, p=%d: one verify takes %.1f ms (mean of %d, %d processors)%n",
        PasswordHashes.DEFAULT_MEMORY_KIB, PasswordHashes.DEFAULT_ITERATIONS, PasswordHashes.DEFAULT_PARALLELISM, ms, n,
        Runtime.getRuntime().availableProcessors());
  }
}
