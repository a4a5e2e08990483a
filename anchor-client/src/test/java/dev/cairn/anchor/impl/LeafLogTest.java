package dev.cairn.anchor.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.anchor.AnchorErrorCode;
import dev.cairn.anchor.AnchorException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leaf log in front of SQLite: what it gives back after SQLite lost its unsynced tail, what it
 * refuses, and that stale or torn records are never read as leaves.
 */
class LeafLogTest {
  static final byte[] KEY = new byte[32];
  static final int SMALL = 4096;

  @TempDir Path dir;
  long nextSeq;

  Journal open() {
    return Journal.open(dir, "gw-1", KEY, SMALL);
  }

  List<DefaultAnchorService.Pending> leaves(int n) {
    List<DefaultAnchorService.Pending> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long seq = nextSeq++;
      byte[] leaf = ("leaf-" + seq).getBytes(StandardCharsets.UTF_8);
      DefaultAnchorService.Pending p = new DefaultAnchorService.Pending("dev\u00e9", "job-" + seq, leaf,
          dev.cairn.anchor.Merkle.leafHash(leaf), new byte[16], 1000 + seq);
      p.seq = seq;
      out.add(p);
    }
    return out;
  }

  /** The journal files as they are now, to put back later as SQLite after a power cut. */
  Path snapshotSqlite(String name) throws Exception {
    Path copy = Files.createDirectory(dir.resolve(name));
    for (String f : new String[] {"journal.db", "journal.db-wal"}) {
      if (Files.exists(dir.resolve(f))) {
        Files.copy(dir.resolve(f), copy.resolve(f));
      }
    }
    return copy;
  }

  void restoreSqlite(Path copy) throws Exception {
    for (String f : new String[] {"journal.db", "journal.db-wal", "journal.db-shm"}) {
      Files.deleteIfExists(dir.resolve(f));
      if (Files.exists(copy.resolve(f))) {
        Files.copy(copy.resolve(f), dir.resolve(f));
      }
    }
  }

  static List<String> jobs(Journal j) throws SQLException {
    List<String> out = new ArrayList<>();
    for (Journal.Unsealed u : j.unsealed()) {
      out.add("job-" + u.seq());
    }
    return out;
  }

  @Test
  void aTornLastRecordIsDroppedAndEveryCompleteOneTakenBack() throws Exception {
    Journal j = open();
    j.appendLeaves(leaves(2), 0);
    j.flush();
    Path before = snapshotSqlite("before");
    j.appendLeaves(leaves(3), 0);
    Path log = Files.copy(dir.resolve(LeafLog.FILE), dir.resolve("log.at-cut"));
    j.close();
    restoreSqlite(before);
    // The last record was being written when the power went: one byte of it is not what was meant.
    byte[] bytes = Files.readAllBytes(log);
    int at = new String(bytes, StandardCharsets.ISO_8859_1).indexOf("job-4");
    assertTrue(at > 0, "job-4 is in the log");
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "rw")) {
      f.seek(at);
      f.write('X');
    }
    Files.move(log, dir.resolve(LeafLog.FILE), StandardCopyOption.REPLACE_EXISTING);

    Journal back = open();
    assertEquals(List.of("job-0", "job-1", "job-2", "job-3"), jobs(back));
    assertEquals(4, back.nextSequence());
    var leaf3 = back.findLeaf("dev\u00e9", "job-3").orElseThrow();
    assertArrayEquals("leaf-3".getBytes(StandardCharsets.UTF_8), leaf3.leaf());
    back.close();
  }

  @Test
  void theLogStartsOverWhenFullAfterSyncingSqliteAndStaleRecordsAreNotTakenBack() throws Exception {
    Journal j = open();
    // About 90 bytes a record: the 4 KiB log starts over several times.
    for (int i = 0; i < 40; i++) {
      j.appendLeaves(leaves(3), 0);
    }
    j.flush();
    Path before = snapshotSqlite("before");
    j.appendLeaves(leaves(2), 0);
    Path log = Files.copy(dir.resolve(LeafLog.FILE), dir.resolve("log.at-cut"));
    j.close();
    restoreSqlite(before);
    Files.move(log, dir.resolve(LeafLog.FILE), StandardCopyOption.REPLACE_EXISTING);
    Journal back = open();
    assertEquals(122, back.nextSequence());
    assertEquals(122, back.unsealed().size());
    assertEquals(List.of("job-120", "job-121"), jobs(back).subList(120, 122));
    back.close();
  }

  @Test
  void leavesInNeitherSqliteNorTheLogAreReportedNotPapered() throws Exception {
    Journal j = open();
    j.appendLeaves(leaves(2), 0);
    j.flush();
    Path old = snapshotSqlite("backup");
    for (int i = 0; i < 40; i++) {
      j.appendLeaves(leaves(3), 0);
    }
    j.close();
    restoreSqlite(old);
    AnchorException e = assertThrows(AnchorException.class, this::open);
    assertEquals(AnchorErrorCode.JOURNAL_CORRUPT, e.code());
    assertTrue(e.getMessage().contains("are in neither") && e.getMessage().contains("move leaves.log aside"), e.getMessage());
    Files.delete(dir.resolve(LeafLog.FILE));
    Journal fromBackup = open();
    assertEquals(2, fromBackup.nextSequence());
    fromBackup.close();
  }

  @Test
  void sqliteTakesTheLoggedLeavesInGroupsAndBeforeAnyRead() throws Exception {
    // A log large enough not to start over (which syncs SQLite) in this test.
    Journal j = Journal.open(dir, "gw-1", KEY, 1 << 20);
    j.appendLeaves(leaves(2), 1000);
    assertEquals(0, rowsInSqlite(), "durable in the log, not yet in SQLite");
    j.flushIfDue(1000 + Journal.FLUSH_MS - 1);
    assertEquals(0, rowsInSqlite());
    j.flushIfDue(1000 + Journal.FLUSH_MS);
    assertEquals(2, rowsInSqlite());
    j.appendLeaves(leaves(1), 5000);
    assertTrue(j.findLeaf("dev\u00e9", "job-2").isPresent(), "a read makes SQLite take what waits first");
    assertEquals(3, rowsInSqlite());
    for (int i = 0; i < Journal.FLUSH_LEAVES; i++) {
      j.appendLeaves(leaves(1), 6000);
    }
    j.flushIfDue(6000);
    assertEquals(3 + Journal.FLUSH_LEAVES, rowsInSqlite(), "many waiting: taken at once");
    j.appendLeaves(leaves(1), 7000);
    j.close();
    assertEquals(4 + Journal.FLUSH_LEAVES, rowsInSqlite(), "a clean stop leaves SQLite complete");
  }

  long rowsInSqlite() throws Exception {
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(Journal.FILE));
        var rs = c.createStatement().executeQuery("SELECT count(*) FROM leaves")) {
      return rs.getLong(1);
    }
  }

  @Test
  void aLogWithAnOverwrittenHeaderIsRefusedSayingWhatToDo() throws Exception {
    Journal j = open();
    j.appendLeaves(leaves(2), 0);
    j.close();
    try (RandomAccessFile f = new RandomAccessFile(dir.resolve(LeafLog.FILE).toFile(), "rw")) {
      f.write(new byte[8]);
    }
    AnchorException e = assertThrows(AnchorException.class, this::open);
    assertEquals(AnchorErrorCode.JOURNAL_CORRUPT, e.code());
    assertTrue(e.getMessage().contains("leaves.log cannot be read") && e.getMessage().contains("Move it aside"), e.getMessage());
    Files.delete(dir.resolve(LeafLog.FILE));
    Journal again = open();
    assertEquals(2, again.nextSequence(), "a clean stop had left SQLite complete");
    again.close();
  }

  /** A data directory from before the leaf log: journal.db complete, no leaves.log, no log id. */
  @Test
  void aJournalFromBeforeTheLeafLogOpensAndGetsALog() throws Exception {
    Journal j = open();
    j.appendLeaves(leaves(3), 0);
    j.close();
    Files.delete(dir.resolve(LeafLog.FILE));
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(Journal.FILE));
        var st = c.createStatement()) {
      st.executeUpdate("DELETE FROM meta WHERE key IN ('log_id', 'closed_at_leaf', 'log_rewound_at')");
    }
    Journal upgraded = open();
    assertEquals(3, upgraded.nextSequence());
    upgraded.appendLeaves(leaves(2), 0);
    upgraded.close();
    assertTrue(Files.exists(dir.resolve(LeafLog.FILE)));
    Journal again = open();
    assertEquals(5, again.nextSequence());
    again.close();
  }

  @Test
  void aNewJournalReplacesALeftoverLogInsteadOfTakingItsLeaves() throws Exception {
    Journal j = open();
    j.appendLeaves(leaves(3), 0);
    j.close();
    for (String f : new String[] {"journal.db", "journal.db-wal", "journal.db-shm", Journal.MARKER}) {
      Files.deleteIfExists(dir.resolve(f));
    }
    Journal fresh = open();
    assertEquals(0, fresh.nextSequence());
    fresh.close();
    assertTrue(LeafLog.read(dir).entries().isEmpty());
  }
}
