package dev.cairn.anchor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.anchor.impl.DefaultAnchorService;
import dev.cairn.anchor.impl.Hashes;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnchorServiceTest {
  @TempDir Path dir;
  final MutableClock clock = new MutableClock();

  AnchorService open(int batchLeaves, long batchDelayMs) {
    return AnchorService.open(new AnchorOptions(dir, "gw-1", batchLeaves, batchDelayMs, 1000), clock);
  }

  static LeafInput leaf(String job) {
    return new LeafInput("dev1", job, "vector.saxpy", "1.0.0", new byte[32],
        Map.of("y", new float[] {1, 2, 3}), "jvm", 1000, 2000);
  }

  static <T> T get(CompletionStage<T> s) throws Exception {
    return s.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static void close(AnchorService s) throws Exception {
    get(s.close());
  }

  List<byte[]> journalLeafHashes(String where) throws Exception {
    List<byte[]> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("journal.db"));
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT leaf_hash FROM leaves " + where + " ORDER BY seq")) {
      while (rs.next()) {
        out.add(rs.getBytes(1));
      }
    }
    return out;
  }

  Checkpoint checkpoint(long batch) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("journal.db"));
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT tree_size, first_seq, root, prev_hash, time_ms, signature FROM checkpoints WHERE batch = " + batch)) {
      assertTrue(rs.next(), "no checkpoint " + batch);
      return new Checkpoint("gw-1", batch, rs.getLong(1), rs.getLong(2), rs.getBytes(3), rs.getBytes(4), rs.getLong(5), rs.getBytes(6));
    }
  }

  byte[] publicKeyFile() throws Exception {
    return HexFormat.of().parseHex(Files.readString(dir.resolve("gateway.pub")).trim());
  }

  @Test
  void appendedLeafIsDurableAndFoundByAnotherReader() throws Exception {
    AnchorService s = open(1000, 3_600_000);
    SealedLeaf sealed = get(s.append(leaf("j1")));
    assertEquals(0, sealed.sequence());
    assertEquals(16, sealed.salt().length);
    assertEquals(1, s.stats().leafSyncs(), "one group, one sync of the leaf log");
    // Durable in the leaf log; a lookup makes SQLite take it at once (otherwise within 100 ms).
    assertEquals(ReceiptLookup.Status.PENDING, get(s.receipt("dev1", "j1")).status());
    List<byte[]> inJournal = journalLeafHashes("WHERE job = 'j1'");
    assertEquals(1, inJournal.size());
    assertArrayEquals(sealed.leafHash(), inJournal.get(0));
    close(s);
  }

  @Test
  void outputCommitmentIsReproducibleFromSaltAndOutputs() throws Exception {
    AnchorService s = open(1000, 3_600_000);
    SealedLeaf sealed = get(s.append(leaf("j1")));
    close(s);
    byte[] leafBytes;
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("journal.db"));
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT leaf FROM leaves WHERE seq = 0")) {
      rs.next();
      leafBytes = rs.getBytes(1);
    }
    assertArrayEquals(Merkle.leafHash(leafBytes), sealed.leafHash());
    byte[] commitment = Hashes.sha256(sealed.salt(), Canonical.outputBytes(Map.of("y", new float[] {1, 2, 3})));
    String leafHex = HexFormat.of().formatHex(leafBytes);
    // "out" (63 6f 75 74... no: 63 = 3-char text) followed by a 32-byte string (58 20).
    assertTrue(leafHex.contains("636f7574" + "5820" + HexFormat.of().formatHex(commitment)), leafHex);
  }

  @Test
  void batchIsSealedAtNLeavesWithASignedCheckpoint() throws Exception {
    AnchorService s = open(3, 3_600_000);
    for (int i = 0; i < 7; i++) {
      get(s.append(leaf("j" + i)));
    }
    get(((DefaultAnchorService) s).tick());
    assertEquals(2, s.stats().batchesSealed());
    Checkpoint c1 = checkpoint(1);
    Checkpoint c2 = checkpoint(2);
    assertEquals(3, c1.treeSize());
    assertEquals(3, c2.firstSequence());
    assertArrayEquals(Merkle.root(journalLeafHashes("WHERE batch = 1")), c1.root());
    assertArrayEquals(new byte[32], c1.previousHash());
    assertArrayEquals(c1.hash(), c2.previousHash());
    assertTrue(c1.verify(publicKeyFile()));
    assertTrue(c2.verify(s.publicKey()));
    byte[] root = c2.root().clone();
    root[5] ^= 1;
    Checkpoint tampered = new Checkpoint(c2.origin(), c2.batch(), c2.treeSize(), c2.firstSequence(), root, c2.previousHash(), c2.timeMillis(), c2.signature());
    assertFalse(tampered.verify(s.publicKey()));
    close(s);
    // The seventh leaf was sealed at close.
    assertEquals(3, checkpoint(3).batch());
    assertEquals(1, checkpoint(3).treeSize());
  }

  @Test
  void batchIsSealedWhenItsFirstLeafIsOldEnoughByTheClock() throws Exception {
    AnchorService s = open(1000, 1000);
    get(s.append(leaf("j1")));
    get(s.append(leaf("j2")));
    get(((DefaultAnchorService) s).tick());
    assertEquals(0, s.stats().batchesSealed());
    clock.advanceMillis(999);
    get(((DefaultAnchorService) s).tick());
    assertEquals(0, s.stats().batchesSealed());
    clock.advanceMillis(1);
    get(((DefaultAnchorService) s).tick());
    assertEquals(1, s.stats().batchesSealed());
    assertEquals(2, s.stats().lastTreeSize());
    close(s);
  }

  @Test
  void checkpointsChainAcrossRestartsAndUnsealedLeavesAreSealedAfterRestart() throws Exception {
    AnchorService s = open(2, 3_600_000);
    for (int i = 0; i < 2; i++) {
      get(s.append(leaf("a" + i)));
    }
    get(((DefaultAnchorService) s).tick());
    // Stop the writer without sealing: as after a crash, the journal holds one unsealed leaf.
    get(s.append(leaf("a2")));
    s = reopenWithoutSeal(s);
    assertEquals(1, s.stats().batchesSealed());
    assertEquals(3, s.stats().leaves());
    assertEquals(1L, get(s.sealNow()));
    Checkpoint c2 = checkpoint(2);
    assertEquals(2, c2.firstSequence());
    assertArrayEquals(checkpoint(1).hash(), c2.previousHash());
    assertEquals(3, get(s.append(leaf("a3"))).sequence());
    close(s);
  }

  /** Simulates a crash: copies the journal files while the service holds them, then opens the copy. */
  private AnchorService reopenWithoutSeal(AnchorService s) throws Exception {
    Path copy = Files.createDirectory(dir.resolve("copy"));
    for (String f : new String[] {"journal.db", "journal.db-wal", "gateway.key", "gateway.pub"}) {
      if (Files.exists(dir.resolve(f))) {
        Files.copy(dir.resolve(f), copy.resolve(f));
      }
    }
    close(s);
    for (String f : new String[] {"journal.db", "journal.db-wal", "journal.db-shm"}) {
      Files.deleteIfExists(dir.resolve(f));
      if (Files.exists(copy.resolve(f))) {
        Files.copy(copy.resolve(f), dir.resolve(f));
      }
    }
    return open(2, 3_600_000);
  }

  /**
   * A power cut after the leaf log's sync but before SQLite synced: SQLite comes back without the last
   * leaves (here: the journal files as they were before them), the leaf log still has them. Every leaf
   * that was acknowledged is back, in order, and gets a receipt that verifies.
   */
  @Test
  void leavesSqliteLostAreTakenBackFromTheLeafLogAndGetReceipts() throws Exception {
    AnchorService s = AnchorService.open(new AnchorOptions(dir, "gw-1", 1000, 3_600_000, 1000,
        List.of(AnchorSinks.local())), clock);
    List<SealedLeaf> acknowledged = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      acknowledged.add(get(s.append(leaf("p" + i))));
    }
    // A lookup makes SQLite take the leaves waiting in the log.
    get(s.receipt("dev1", "p0"));
    Path before = Files.createDirectory(dir.resolve("before"));
    for (String f : new String[] {"journal.db", "journal.db-wal"}) {
      if (Files.exists(dir.resolve(f))) {
        Files.copy(dir.resolve(f), before.resolve(f));
      }
    }
    for (int i = 3; i < 8; i++) {
      acknowledged.add(get(s.append(leaf("p" + i))));
    }
    Path log = Files.copy(dir.resolve("leaves.log"), dir.resolve("leaves.log.at-cut"));
    close(s);
    for (String f : new String[] {"journal.db", "journal.db-wal", "journal.db-shm"}) {
      Files.deleteIfExists(dir.resolve(f));
      if (Files.exists(before.resolve(f))) {
        Files.copy(before.resolve(f), dir.resolve(f));
      }
    }
    Files.move(log, dir.resolve("leaves.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertEquals(3, journalLeafHashes("").size(), "the journal as it was before the last five leaves");

    s = AnchorService.open(new AnchorOptions(dir, "gw-1", 1000, 3_600_000, 1000, List.of(AnchorSinks.local())), clock);
    assertEquals(8, s.stats().leaves());
    List<byte[]> back = journalLeafHashes("");
    for (int i = 0; i < 8; i++) {
      assertArrayEquals(acknowledged.get(i).leafHash(), back.get(i), "leaf " + i);
    }
    assertEquals(8, get(s.append(leaf("p8"))).sequence());
    assertEquals(9L, get(s.sealNow()));
    AnchorService reopened = s;
    ReceiptLookup r = org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS)
        .until(() -> get(reopened.receipt("dev1", "p5")), l -> l.status() == ReceiptLookup.Status.READY);
    assertArrayEquals(acknowledged.get(5).leafHash(), Merkle.leafHash(r.receipt().leaf()));
    assertTrue(ReceiptVerifier.verify(r.receipt(), publicKeyFile(), null,
        new ReceiptVerifier.DeviceResult(acknowledged.get(5).salt(), Map.of("y", new float[] {1, 2, 3})))
        .stream().allMatch(ReceiptVerifier.Check::ok));
    close(s);
  }

  @Test
  void aLeafLogOfAnotherJournalIsRefused() throws Exception {
    Path other = Files.createDirectory(dir.resolve("other"));
    close(AnchorService.open(new AnchorOptions(other, "gw-1", 10, 1000, 1000), clock));
    AnchorService s = open(10, 1000);
    get(s.append(leaf("a")));
    close(s);
    Files.copy(other.resolve("leaves.log"), dir.resolve("leaves.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    AnchorException e = assertThrows(AnchorException.class, () -> open(10, 1000));
    assertEquals(AnchorErrorCode.JOURNAL_CORRUPT, e.code());
    assertTrue(e.getMessage().contains("belongs to another journal"), e.getMessage());
    // Moving it aside is the documented way out.
    Files.delete(dir.resolve("leaves.log"));
    AnchorService again = open(10, 1000);
    assertEquals(1, again.stats().leaves());
    close(again);
  }

  /**
   * An unexpected error on the writer thread (here a sink throwing an Error; in the field, running out
   * of memory) must not leave appends waiting forever: they fail with the reason, and close completes.
   */
  @Test
  void anUnexpectedErrorOnTheWriterFailsWhatWaitsAndWhatComesInsteadOfHanging() throws Exception {
    AnchorSink broken = new AnchorSink() {
      @Override
      public String name() {
        return "broken";
      }

      @Override
      public CompletionStage<AnchorProof> anchor(Checkpoint checkpoint, byte[] commitment) {
        throw new StackOverflowError("a sink's bug");
      }
    };
    AnchorService s = AnchorService.open(new AnchorOptions(dir, "gw-1", 1, 3_600_000, 1000, List.of(broken)), clock);
    SealedLeaf first = get(s.append(leaf("e0")));
    // The leaf sealed a batch; handing it to the sink throws on the writer thread.
    ExecutionException later = assertThrows(ExecutionException.class, () -> {
      for (int i = 1; i < 100; i++) {
        get(s.append(leaf("e" + i)));
      }
    });
    AnchorException why = (AnchorException) later.getCause();
    assertEquals(AnchorErrorCode.JOURNAL_IO, why.code());
    assertTrue(why.getMessage().contains("a sink's bug") && why.getMessage().contains("restart the gateway"), why.getMessage());
    ExecutionException lookup = assertThrows(ExecutionException.class, () -> get(s.receipt("dev1", "e0")));
    assertEquals(why.getMessage(), lookup.getCause().getMessage());
    close(s);
    // Restarted, the journal has the leaf whose append completed.
    AnchorService again = open(1000, 3_600_000);
    assertTrue(again.stats().leaves() >= 1);
    assertArrayEquals(first.leafHash(), journalLeafHashes("WHERE job = 'e0'").get(0));
    close(again);
  }

  @Test
  void keyFileIsCreatedOwnerOnlyAndAGroupReadableKeyIsRefused() throws Exception {
    close(open(10, 1000));
    Path key = dir.resolve("gateway.key");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r-----"));
    AnchorException e = assertThrows(AnchorException.class, () -> open(10, 1000));
    assertEquals(AnchorErrorCode.KEY, e.code());
    assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
  }

  @Test
  void overwrittenJournalIsRefusedSayingHowToRecover() throws Exception {
    AnchorService s = open(2, 3_600_000);
    for (int i = 0; i < 50; i++) {
      get(s.append(leaf("j" + i)));
    }
    close(s);
    Path db = dir.resolve("journal.db");
    try (RandomAccessFile f = new RandomAccessFile(db.toFile(), "rw")) {
      f.seek(0);
      f.write(new byte[100]);
    }
    AnchorException e = assertThrows(AnchorException.class, () -> open(2, 3_600_000));
    assertEquals(AnchorErrorCode.JOURNAL_CORRUPT, e.code());
    assertTrue(e.getMessage().contains("journal.db") && e.getMessage().contains("restore"), e.getMessage());
  }

  @Test
  void truncatedJournalIsRefused() throws Exception {
    AnchorService s = open(2, 3_600_000);
    for (int i = 0; i < 400; i++) {
      get(s.append(leaf("j" + i)));
    }
    close(s);
    Path db = dir.resolve("journal.db");
    try (RandomAccessFile f = new RandomAccessFile(db.toFile(), "rw")) {
      f.setLength(f.length() / 2);
    }
    AnchorException e = assertThrows(AnchorException.class, () -> open(2, 3_600_000));
    assertEquals(AnchorErrorCode.JOURNAL_CORRUPT, e.code(), e.getMessage());
  }

  @Test
  void wipedHeaderOfASmallJournalAndADeletedJournalAreRefused() throws Exception {
    close(open(10, 1000));
    Path db = dir.resolve("journal.db");
    try (RandomAccessFile f = new RandomAccessFile(db.toFile(), "rw")) {
      f.seek(0);
      f.write(new byte[64]);
    }
    AnchorException wiped = assertThrows(AnchorException.class, () -> open(10, 1000));
    assertEquals(AnchorErrorCode.JOURNAL_CORRUPT, wiped.code());
    assertTrue(wiped.getMessage().contains("header"), wiped.getMessage());
    Files.delete(db);
    AnchorException deleted = assertThrows(AnchorException.class, () -> open(10, 1000));
    assertTrue(deleted.getMessage().contains("missing or empty") && deleted.getMessage().contains("journal.created"),
        deleted.getMessage());
    // Starting a new chain is a deliberate act: remove the marker.
    Files.delete(dir.resolve("journal.created"));
    close(open(10, 1000));
  }

  @Test
  void journalOfAnotherGatewayIsRefused() throws Exception {
    close(open(10, 1000));
    AnchorException e = assertThrows(AnchorException.class,
        () -> AnchorService.open(AnchorOptions.defaults(dir, "gw-2"), clock));
    assertTrue(e.getMessage().contains("belongs to gateway 'gw-1'"), e.getMessage());
  }

  @Test
  void appendsPastTheBoundAreOverloadedAndAfterCloseClosed() throws Exception {
    AnchorService s = AnchorService.open(new AnchorOptions(dir, "gw-1", 1000, 1000, 1), clock);
    List<CompletionStage<SealedLeaf>> stages = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      stages.add(s.append(leaf("j" + i)));
    }
    long overloaded = stages.stream().filter(st -> {
      try {
        get(st);
        return false;
      } catch (ExecutionException e) {
        return e.getCause() instanceof AnchorException a && a.code() == AnchorErrorCode.OVERLOADED;
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }).count();
    assertTrue(overloaded > 0, "no append was refused with a bound of 1");
    close(s);
    ExecutionException e = assertThrows(ExecutionException.class, () -> get(s.append(leaf("late"))));
    assertEquals(AnchorErrorCode.CLOSED, ((AnchorException) e.getCause()).code());
    assertNotNull(s.stats());
  }
}
