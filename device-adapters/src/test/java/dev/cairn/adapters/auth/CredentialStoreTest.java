package dev.cairn.adapters.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialStoreTest {
  @TempDir Path dir;
  private final List<String> slowChecks = java.util.Collections.synchronizedList(new ArrayList<>());
  /** The real Argon2id check, counted; the file's hashes use small parameters so that tests stay fast. */
  private final BiPredicate<String, byte[]> counted = (encoded, password) -> {
    slowChecks.add(encoded);
    return PasswordHashes.verify(encoded, password);
  };
  private ExecutorService pool;

  @AfterEach
  void stop() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }

  private static byte[] pw(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** An Argon2id hash with 64 KiB and 1 pass: the same code as the defaults, quicker. */
  static String quickHash(String password) {
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    return new PasswordHashes.Phc(64, 1, 1, salt, PasswordHashes.argon2id(pw(password), salt, 64, 1, 1, 32, null, null)).encode();
  }

  private Path write(PasswordFile f) throws IOException {
    Path p = dir.resolve("passwords");
    f.write(p);
    return p;
  }

  private CredentialStore store(PasswordFile f, int cacheEntries) throws IOException {
    return CredentialStore.open(write(f), counted, cacheEntries);
  }

  private int slowChecksDuring(Runnable r) {
    int before = slowChecks.size();
    r.run();
    return slowChecks.size() - before;
  }

  @Test
  void unknownDevicesMissingAndWrongPasswordsEachCostOneSlowCheck() throws IOException {
    CredentialStore s = store(PasswordFile.empty().add("sensor-1", quickHash("right-password")), 100);
    assertEquals(1, slowChecksDuring(() -> assertFalse(s.verify("nobody", pw("right-password")))));
    assertEquals(1, slowChecksDuring(() -> assertFalse(s.verify(null, pw("right-password")))));
    assertEquals(1, slowChecksDuring(() -> assertFalse(s.verify("sensor-1", null))));
    assertEquals(1, slowChecksDuring(() -> assertFalse(s.verify("nobody", null))));
    assertEquals(1, slowChecksDuring(() -> assertFalse(s.verify("sensor-1", pw("wrong-password")))));
    assertEquals(1, slowChecksDuring(() -> assertTrue(s.verify("sensor-1", pw("right-password")))));
    // The unknown device was checked against a hash with the file's parameters, not the device's own.
    PasswordHashes.Phc dummy = PasswordHashes.parse(slowChecks.get(0));
    assertEquals(List.of(64, 1, 1, 16, 32), List.of(dummy.memoryKiB(), dummy.iterations(), dummy.parallelism(), dummy.salt().length, dummy.hash().length));
    assertFalse(slowChecks.get(0).equals(slowChecks.get(4)));
  }

  @Test
  void anEmptyFileChecksUnknownDevicesAgainstTheDefaultParameters() throws IOException {
    CredentialStore s = store(PasswordFile.empty(), 100);
    assertEquals(0, s.size());
    assertFalse(s.verify("sensor-1", pw("x")));
    assertTrue(slowChecks.get(0).startsWith("$argon2id$v=19$m=19456,t=2,p=1$"));
  }

  @Test
  void aReconnectWithTheRightPasswordSkipsTheSlowCheckAndAWrongOneNever() throws IOException {
    CredentialStore s = store(PasswordFile.empty().add("sensor-1", quickHash("right-password")), 100);
    assertTrue(s.verify("sensor-1", pw("right-password")));
    assertEquals(0, slowChecksDuring(() -> assertTrue(s.verify("sensor-1", pw("right-password")))));
    assertEquals(1, slowChecksDuring(() -> assertFalse(s.verify("sensor-1", pw("right-passwore")))));
    assertEquals(1, slowChecksDuring(() -> assertFalse(s.verify("sensor-1", null))));
    assertEquals(0, slowChecksDuring(() -> assertTrue(s.verify("sensor-1", pw("right-password")))));
  }

  @Test
  void theCacheIsBoundedLeastRecentlyUsedFirst() throws IOException {
    CredentialStore s = store(PasswordFile.empty().add("a", quickHash("pa-pa-pa")).add("b", quickHash("pb-pb-pb")).add("c", quickHash("pc-pc-pc")), 2);
    assertTrue(s.verify("a", pw("pa-pa-pa")));
    assertTrue(s.verify("b", pw("pb-pb-pb")));
    assertTrue(s.verify("a", pw("pa-pa-pa")));
    assertTrue(s.verify("c", pw("pc-pc-pc")));
    assertEquals(2, s.cacheSize());
    assertEquals(0, slowChecksDuring(() -> assertTrue(s.verify("a", pw("pa-pa-pa")))));
    assertEquals(1, slowChecksDuring(() -> assertTrue(s.verify("b", pw("pb-pb-pb")))));
  }

  @Test
  void reloadIsCheapWhenUnchangedAndNamesRemovedAndChangedDevices() throws IOException {
    PasswordFile f = PasswordFile.empty().add("a", quickHash("pa-pa-pa")).add("b", quickHash("pb-pb-pb")).add("c", quickHash("pc-pc-pc"));
    CredentialStore s = store(f, 100);
    assertTrue(s.verify("a", pw("pa-pa-pa")));
    assertEquals(0, slowChecksDuring(() -> assertEquals(CredentialStore.Outcome.UNCHANGED, s.reloadIfChanged().outcome())));

    write(f.replace("a", quickHash("new-pa-pa")).remove("b").add("d", quickHash("pd-pd-pd")));
    CredentialStore.Reload r = s.reloadIfChanged();
    assertEquals(new CredentialStore.Reload(CredentialStore.Outcome.RELOADED, Set.of("a", "b"), null), r);
    assertEquals(3, s.size());
    // The remembered old password no longer opens the door.
    assertEquals(1, slowChecksDuring(() -> assertFalse(s.verify("a", pw("pa-pa-pa")))));
    assertTrue(s.verify("a", pw("new-pa-pa")));
    assertFalse(s.verify("b", pw("pb-pb-pb")));
    assertTrue(s.verify("d", pw("pd-pd-pd")));
    assertTrue(s.verify("c", pw("pc-pc-pc")));
    assertEquals(CredentialStore.Outcome.UNCHANGED, s.reloadIfChanged().outcome());
  }

  @Test
  void aBadNewFileIsRefusedOnceAndThePreviousPasswordsStay() throws IOException {
    Path p = write(PasswordFile.empty().add("a", quickHash("pa-pa-pa")));
    CredentialStore s = CredentialStore.open(p, counted, 100);

    Files.writeString(p, "a:pa-pa-pa\n");
    CredentialStore.Reload r = s.reloadIfChanged();
    assertEquals(CredentialStore.Outcome.REFUSED, r.outcome());
    assertEquals(p + ":1: the password of 'a' is not an Argon2id hash; plain-text passwords are refused: set it with "
        + "cairn credentials passwd a --file " + p + "; the previous device passwords stay in use", r.error());
    assertTrue(s.verify("a", pw("pa-pa-pa")));
    assertEquals(CredentialStore.Outcome.UNCHANGED, s.reloadIfChanged().outcome());

    // Permissions count as a change: a file others may read is refused, and accepted again after chmod 600.
    write(PasswordFile.empty().add("a", quickHash("pa-pa-pa")));
    assertEquals(CredentialStore.Outcome.RELOADED, s.reloadIfChanged().outcome());
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
    r = s.reloadIfChanged();
    assertEquals(CredentialStore.Outcome.REFUSED, r.outcome());
    assertTrue(r.error().contains("chmod 600"), r.error());
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
    assertEquals(new CredentialStore.Reload(CredentialStore.Outcome.RELOADED, Set.of(), null), s.reloadIfChanged());

    // A deleted file is reported once; the devices keep working until it is back.
    Files.delete(p);
    r = s.reloadIfChanged();
    assertEquals(CredentialStore.Outcome.REFUSED, r.outcome());
    assertEquals("password file " + p + " does not exist; the previous device passwords stay in use", r.error());
    assertEquals(CredentialStore.Outcome.UNCHANGED, s.reloadIfChanged().outcome());
    assertTrue(s.verify("a", pw("pa-pa-pa")));
    write(PasswordFile.empty());
    r = s.reloadIfChanged();
    assertEquals(new CredentialStore.Reload(CredentialStore.Outcome.RELOADED, Set.of("a"), null), r);
    assertNull(r.error());
    assertFalse(s.verify("a", pw("pa-pa-pa")));
  }

  @Test
  void openRefusesABadFileClearly() throws IOException {
    Path p = dir.resolve("passwords");
    assertEquals("password file " + p + " does not exist", assertThrows(PasswordFileException.class, () -> CredentialStore.open(p)).getMessage());
    write(PasswordFile.empty().add("a", quickHash("pa-pa-pa")));
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-rw----"));
    assertTrue(assertThrows(PasswordFileException.class, () -> CredentialStore.open(p)).getMessage().endsWith("chmod 600 " + p));
  }

  @Test
  void checksFromManyThreadsWhileTheFileChanges() throws Exception {
    PasswordFile f = PasswordFile.empty().add("a", quickHash("pa-pa-pa")).add("b", quickHash("pb-pb-pb"));
    CredentialStore s = store(f, 100);
    pool = Executors.newFixedThreadPool(4);
    AtomicInteger wrong = new AtomicInteger();
    List<Future<?>> checks = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      checks.add(pool.submit(() -> {
        for (int i = 0; i < 200; i++) {
          // "a" keeps its password throughout; "b" and strangers never get in with a wrong one.
          if (!s.verify("a", pw("pa-pa-pa")) || s.verify("b", pw("nope-nope")) || s.verify("z", pw("pa-pa-pa"))) {
            wrong.incrementAndGet();
          }
        }
      }));
    }
    String aHash = f.hash("a").orElseThrow();
    for (int i = 0; i < 20; i++) {
      write(PasswordFile.empty().add("a", aHash).add("b", quickHash("pb-" + i)));
      assertEquals(CredentialStore.Outcome.RELOADED, s.reloadIfChanged().outcome());
    }
    for (Future<?> c : checks) {
      c.get();
    }
    assertEquals(0, wrong.get());
  }
}
