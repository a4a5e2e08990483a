package dev.cairn.anchor.impl;

import dev.cairn.anchor.AnchorErrorCode;
import dev.cairn.anchor.AnchorException;
import dev.cairn.anchor.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The journal: one SQLite file in WAL mode with {@code synchronous=FULL}, so a commit is on disk when
 * it returns. Used from the anchor service's single writer thread only.
 */
final class Journal implements AutoCloseable {
  static final String FILE = "journal.db";
  /** Written when a journal is created, so that a journal deleted or truncated later is noticed. */
  static final String MARKER = "journal.created";
  static final int SCHEMA_VERSION = 1;
  private static final HexFormat HEX = HexFormat.of();

  /** A leaf not yet in a sealed batch. */
  record Unsealed(long seq, byte[] leafHash, long createdMs) {}

  private final Path file;
  private final Connection db;
  private final PreparedStatement insertLeaf;

  private Journal(Path file, Connection db) throws SQLException {
    this.file = file;
    this.db = db;
    this.insertLeaf = db.prepareStatement(
        "INSERT INTO leaves(seq, device, job, job_key, leaf, leaf_hash, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)");
  }

  /**
   * Opens or creates the journal of {@code gatewayId} signed by {@code publicKey}.
   *
   * @throws AnchorException {@code JOURNAL_CORRUPT} with what is wrong and how to recover
   */
  static Journal open(Path dir, String gatewayId, byte[] publicKey) {
    Path file = dir.resolve(FILE);
    Path marker = dir.resolve(MARKER);
    boolean existed;
    try {
      Files.createDirectories(dir);
      existed = Files.exists(file) && Files.size(file) > 0;
      if (existed) {
        // SQLite takes a file whose header was wiped for a new, empty database: check the magic first.
        byte[] head = new byte[16];
        try (var in = Files.newInputStream(file)) {
          if (in.readNBytes(head, 0, 16) < 16 || !new String(head, java.nio.charset.StandardCharsets.US_ASCII).equals("SQLite format 3\0")) {
            throw corrupt(file, "its SQLite header is missing or overwritten");
          }
        }
      } else if (Files.exists(marker)) {
        throw new AnchorException(AnchorErrorCode.JOURNAL_CORRUPT, "journal " + file + " is missing or empty, but "
            + marker + " says this data directory had one: it was deleted or truncated. The gateway will not start a new "
            + "checkpoint chain over it. Restore " + FILE + " (with its -wal file) from a backup, or, to start a new chain on "
            + "purpose, delete " + marker + "; receipts issued so far stay verifiable with gateway.pub.");
      }
    } catch (java.io.IOException e) {
      throw new AnchorException(AnchorErrorCode.JOURNAL_IO, "cannot read the data directory " + dir + ": " + e, e);
    }
    Connection db = null;
    try {
      db = DriverManager.getConnection("jdbc:sqlite:" + file);
      try (Statement s = db.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=FULL");
        s.execute("PRAGMA busy_timeout=5000");
        // Fewer, larger WAL checkpoints: each one is an fsync of the main file on the hot path.
        s.execute("PRAGMA wal_autocheckpoint=8192");
        s.execute("PRAGMA cache_size=-16384");
        if (existed) {
          try (ResultSet rs = s.executeQuery("PRAGMA quick_check")) {
            String first = rs.next() ? rs.getString(1) : "no answer";
            if (!"ok".equals(first)) {
              throw corrupt(file, "SQLite's integrity check failed: " + first);
            }
          }
        }
        s.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
        s.execute("CREATE TABLE IF NOT EXISTS leaves (seq INTEGER PRIMARY KEY, device TEXT NOT NULL, "
            + "job TEXT NOT NULL, job_key INTEGER NOT NULL, leaf BLOB NOT NULL, leaf_hash BLOB NOT NULL, "
            + "created_ms INTEGER NOT NULL, batch INTEGER)");
        // An integer key indexes far cheaper than two text columns; lookups confirm device and job.
        s.execute("CREATE INDEX IF NOT EXISTS leaves_by_job ON leaves(job_key)");
        s.execute("CREATE TABLE IF NOT EXISTS checkpoints (batch INTEGER PRIMARY KEY, tree_size INTEGER NOT NULL, "
            + "first_seq INTEGER NOT NULL, root BLOB NOT NULL, prev_hash BLOB NOT NULL, time_ms INTEGER NOT NULL, "
            + "body BLOB NOT NULL, signature BLOB NOT NULL, hash BLOB NOT NULL)");
        s.execute("CREATE TABLE IF NOT EXISTS anchor_outbox (batch INTEGER NOT NULL, sink TEXT NOT NULL, "
            + "state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_ms INTEGER NOT NULL DEFAULT 0, "
            + "result TEXT, memo TEXT, PRIMARY KEY (batch, sink))");
      }
      Journal j = new Journal(file, db);
      j.checkMeta(gatewayId, publicKey, existed);
      if (!existed) {
        Files.writeString(marker, gatewayId + "\n");
      }
      db.setAutoCommit(false);
      j.checkLastCheckpoint(publicKey);
      return j;
    } catch (java.io.IOException e) {
      closeQuietly(db);
      throw new AnchorException(AnchorErrorCode.JOURNAL_IO, "cannot write " + marker + ": " + e, e);
    } catch (SQLException e) {
      closeQuietly(db);
      String m = String.valueOf(e.getMessage());
      if (m.contains("NOTADB") || m.contains("CORRUPT") || m.contains("malformed") || m.contains("not a database")) {
        throw corrupt(file, "SQLite cannot read it (" + m + ")");
      }
      throw new AnchorException(AnchorErrorCode.JOURNAL_IO, "journal " + file + " cannot be opened: " + m, e);
    } catch (RuntimeException e) {
      closeQuietly(db);
      throw e;
    }
  }

  static AnchorException corrupt(Path file, String what) {
    return new AnchorException(AnchorErrorCode.JOURNAL_CORRUPT, "journal " + file + " is damaged: " + what
        + ". The gateway will not start on it, so no receipt data is silently lost. To recover, stop the "
        + "gateway and restore " + FILE + " (with its -wal file) from a backup, or move it aside and delete " + MARKER + " to start a new "
        + "checkpoint chain; receipts issued so far stay verifiable with gateway.pub.");
  }

  private void checkMeta(String gatewayId, byte[] publicKey, boolean existed) throws SQLException {
    String schema = meta("schema");
    if (schema == null) {
      if (existed && count("SELECT count(*) FROM leaves") > 0) {
        throw corrupt(file, "it holds leaves but no schema version");
      }
      putMeta("schema", Integer.toString(SCHEMA_VERSION));
      putMeta("gateway_id", gatewayId);
      putMeta("public_key", HEX.formatHex(publicKey));
      return;
    }
    if (!schema.equals(Integer.toString(SCHEMA_VERSION))) {
      throw corrupt(file, "schema version " + schema + ", this gateway reads version " + SCHEMA_VERSION);
    }
    String storedId = meta("gateway_id");
    if (!gatewayId.equals(storedId)) {
      throw new AnchorException(AnchorErrorCode.JOURNAL_CORRUPT, "journal " + file + " belongs to gateway '"
          + storedId + "', not '" + gatewayId + "': set gatewayId back to '" + storedId
          + "', or use another data directory for a new gateway");
    }
    String storedKey = meta("public_key");
    if (!HEX.formatHex(publicKey).equals(storedKey)) {
      throw new AnchorException(AnchorErrorCode.JOURNAL_CORRUPT, "journal " + file
          + " was signed by another key than gateway.key in the same directory (journal: " + storedKey
          + "); restore the gateway.key that belongs to this journal");
    }
  }

  private void checkLastCheckpoint(byte[] publicKey) throws SQLException {
    Optional<Checkpoint> last = lastCheckpoint();
    if (last.isEmpty()) {
      return;
    }
    Checkpoint c = last.get();
    try (PreparedStatement q = db.prepareStatement("SELECT body, hash FROM checkpoints WHERE batch = ?")) {
      q.setLong(1, c.batch());
      try (ResultSet rs = q.executeQuery()) {
        rs.next();
        if (!Arrays.equals(rs.getBytes(1), c.body()) || !Arrays.equals(rs.getBytes(2), c.hash())) {
          throw corrupt(file, "checkpoint " + c.batch() + " does not match its stored body or hash");
        }
      }
    }
    if (!c.verify(publicKey)) {
      throw corrupt(file, "the signature of checkpoint " + c.batch() + " does not verify with gateway.pub");
    }
    List<byte[]> hashes = leafHashes(c.firstSequence(), c.treeSize());
    if (hashes.size() != c.treeSize() || !Arrays.equals(dev.cairn.anchor.Merkle.root(hashes), c.root())) {
      throw corrupt(file, "the leaves of batch " + c.batch() + " do not give its checkpoint's root");
    }
  }

  private String meta(String key) throws SQLException {
    try (PreparedStatement q = db.prepareStatement("SELECT value FROM meta WHERE key = ?")) {
      q.setString(1, key);
      try (ResultSet rs = q.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  private void putMeta(String key, String value) throws SQLException {
    try (PreparedStatement u = db.prepareStatement("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)")) {
      u.setString(1, key);
      u.setString(2, value);
      u.executeUpdate();
    }
  }

  private long count(String sql) throws SQLException {
    try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  long nextSequence() throws SQLException {
    return count("SELECT coalesce(max(seq) + 1, 0) FROM leaves");
  }


  /** Inserts leaves and commits them in one transaction (group commit). */
  void appendLeaves(List<DefaultAnchorService.Pending> leaves) throws SQLException {
    try {
      for (DefaultAnchorService.Pending p : leaves) {
        insertLeaf.setLong(1, p.seq);
        insertLeaf.setString(2, p.deviceId);
        insertLeaf.setString(3, p.jobId);
        insertLeaf.setLong(4, jobKey(p.deviceId, p.jobId));
        insertLeaf.setBytes(5, p.leaf);
        insertLeaf.setBytes(6, p.leafHash);
        insertLeaf.setLong(7, p.createdMs);
        insertLeaf.addBatch();
      }
      insertLeaf.executeBatch();
      db.commit();
    } catch (SQLException e) {
      insertLeaf.clearBatch();
      db.rollback();
      throw e;
    }
  }

  /** A 64-bit key of (device, job) for the lookup index; collisions are resolved by comparing both. */
  static long jobKey(String device, String job) {
    return ((long) device.hashCode() << 32) ^ (job.hashCode() & 0xffffffffL) ^ ((long) job.length() << 20);
  }

  List<Unsealed> unsealed() throws SQLException {
    List<Unsealed> out = new ArrayList<>();
    try (Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("SELECT seq, leaf_hash, created_ms FROM leaves WHERE batch IS NULL ORDER BY seq")) {
      while (rs.next()) {
        out.add(new Unsealed(rs.getLong(1), rs.getBytes(2), rs.getLong(3)));
      }
    }
    return out;
  }

  List<byte[]> leafHashes(long firstSeq, long count) throws SQLException {
    List<byte[]> out = new ArrayList<>();
    try (PreparedStatement q = db.prepareStatement(
        "SELECT leaf_hash FROM leaves WHERE seq >= ? AND seq < ? ORDER BY seq")) {
      q.setLong(1, firstSeq);
      q.setLong(2, firstSeq + count);
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getBytes(1));
        }
      }
    }
    return out;
  }

  /** Stores a sealed checkpoint, marks its leaves and queues it for every sink, in one transaction. */
  void storeCheckpoint(Checkpoint c, List<String> sinks, long nowMs) throws SQLException {
    try (PreparedStatement outbox = db.prepareStatement(
            "INSERT INTO anchor_outbox(batch, sink, state, attempts, next_attempt_ms) VALUES (?, ?, 'pending', 0, ?)");
        PreparedStatement ins = db.prepareStatement("INSERT INTO checkpoints(batch, tree_size, first_seq, root, "
            + "prev_hash, time_ms, body, signature, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        PreparedStatement mark = db.prepareStatement("UPDATE leaves SET batch = ? WHERE seq >= ? AND seq < ?")) {
      ins.setLong(1, c.batch());
      ins.setLong(2, c.treeSize());
      ins.setLong(3, c.firstSequence());
      ins.setBytes(4, c.root());
      ins.setBytes(5, c.previousHash());
      ins.setLong(6, c.timeMillis());
      ins.setBytes(7, c.body());
      ins.setBytes(8, c.signature());
      ins.setBytes(9, c.hash());
      ins.executeUpdate();
      mark.setLong(1, c.batch());
      mark.setLong(2, c.firstSequence());
      mark.setLong(3, c.firstSequence() + c.treeSize());
      int marked = mark.executeUpdate();
      if (marked != c.treeSize()) {
        throw new SQLException("batch " + c.batch() + " should hold " + c.treeSize() + " leaves, found " + marked);
      }
      for (String sink : sinks) {
        outbox.setLong(1, c.batch());
        outbox.setString(2, sink);
        outbox.setLong(3, nowMs);
        outbox.executeUpdate();
      }
      db.commit();
    } catch (SQLException e) {
      db.rollback();
      throw e;
    }
  }

  Optional<Checkpoint> lastCheckpoint() throws SQLException {
    return checkpointWhere("ORDER BY batch DESC LIMIT 1", -1);
  }

  Optional<Checkpoint> checkpoint(long batch) throws SQLException {
    return checkpointWhere("WHERE batch = ?", batch);
  }

  private Optional<Checkpoint> checkpointWhere(String clause, long batch) throws SQLException {
    try (PreparedStatement q = db.prepareStatement("SELECT batch, tree_size, first_seq, root, prev_hash, time_ms, signature, "
        + "(SELECT value FROM meta WHERE key = 'gateway_id') FROM checkpoints " + clause)) {
      if (batch >= 0) {
        q.setLong(1, batch);
      }
      try (ResultSet rs = q.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(new Checkpoint(rs.getString(8), rs.getLong(1), rs.getLong(2), rs.getLong(3),
            rs.getBytes(4), rs.getBytes(5), rs.getLong(6), rs.getBytes(7)));
      }
    }
  }

  /** An outbox row not yet done. */
  record OutboxRow(long batch, String sink, int attempts, long nextAttemptMs, String lastError, String memo) {}

  List<OutboxRow> pendingAnchors() throws SQLException {
    List<OutboxRow> out = new ArrayList<>();
    try (Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("SELECT batch, sink, attempts, next_attempt_ms, result, memo FROM anchor_outbox "
            + "WHERE state = 'pending' ORDER BY batch, sink")) {
      while (rs.next()) {
        out.add(new OutboxRow(rs.getLong(1), rs.getString(2), rs.getInt(3), rs.getLong(4), rs.getString(5), rs.getString(6)));
      }
    }
    return out;
  }

  void remember(long batch, String sink, String memo) throws SQLException {
    updateOutbox("UPDATE anchor_outbox SET memo = ? WHERE batch = ? AND sink = ?", memo, batch, sink);
  }

  void markAnchored(long batch, String sink, String proofJson) throws SQLException {
    updateOutbox("UPDATE anchor_outbox SET state = 'done', attempts = attempts + 1, result = ? WHERE batch = ? AND sink = ?",
        proofJson, batch, sink);
  }

  void recordFailure(long batch, String sink, int attempts, long nextAttemptMs, String error) throws SQLException {
    try (PreparedStatement u = db.prepareStatement(
        "UPDATE anchor_outbox SET attempts = ?, next_attempt_ms = ?, result = ? WHERE batch = ? AND sink = ?")) {
      u.setInt(1, attempts);
      u.setLong(2, nextAttemptMs);
      u.setString(3, error);
      u.setLong(4, batch);
      u.setString(5, sink);
      u.executeUpdate();
      db.commit();
    } catch (SQLException e) {
      db.rollback();
      throw e;
    }
  }

  private void updateOutbox(String sql, String text, long batch, String sink) throws SQLException {
    try (PreparedStatement u = db.prepareStatement(sql)) {
      u.setString(1, text);
      u.setLong(2, batch);
      u.setString(3, sink);
      u.executeUpdate();
      db.commit();
    } catch (SQLException e) {
      db.rollback();
      throw e;
    }
  }

  /** Proof JSON of every sink that anchored the batch, by sink name. */
  List<String> proofs(long batch) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement q = db.prepareStatement(
        "SELECT result FROM anchor_outbox WHERE batch = ? AND state = 'done' ORDER BY sink")) {
      q.setLong(1, batch);
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }

  /** A leaf as stored. */
  record StoredLeaf(long seq, String device, String job, byte[] leaf, byte[] leafHash, Long batch) {}

  List<StoredLeaf> leavesOfBatch(long batch) throws SQLException {
    List<StoredLeaf> out = new ArrayList<>();
    try (PreparedStatement q = db.prepareStatement(
        "SELECT seq, device, job, leaf, leaf_hash, batch FROM leaves WHERE batch = ? ORDER BY seq")) {
      q.setLong(1, batch);
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          out.add(new StoredLeaf(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getBytes(4), rs.getBytes(5), rs.getLong(6)));
        }
      }
    }
    return out;
  }

  Optional<StoredLeaf> findLeaf(String device, String job) throws SQLException {
    try (PreparedStatement q = db.prepareStatement(
        "SELECT seq, device, job, leaf, leaf_hash, batch FROM leaves WHERE job_key = ? AND device = ? AND job = ? "
            + "ORDER BY seq DESC LIMIT 1")) {
      q.setLong(1, jobKey(device, job));
      q.setString(2, device);
      q.setString(3, job);
      try (ResultSet rs = q.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        long b = rs.getLong(6);
        Long batch = rs.wasNull() ? null : b;
        return Optional.of(new StoredLeaf(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getBytes(4), rs.getBytes(5), batch));
      }
    }
  }

  @Override
  public void close() {
    try {
      insertLeaf.close();
      db.commit();
    } catch (SQLException e) {
      // The connection is closing anyway; a failed final commit has nothing left in it.
    } finally {
      closeQuietly(db);
    }
  }

  private static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // Nothing to recover: the journal is being abandoned.
      }
    }
  }
}
