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
 * The journal: one SQLite file in WAL mode, and in front of it for leaves the {@link LeafLog}. A group
 * of leaves is durable once the log's sync returns; SQLite then takes it without a sync of its own
 * ({@code synchronous=NORMAL}) and, after a power cut, gets back from the log what it lost. Checkpoints
 * and the anchor outbox are written with {@code synchronous=FULL}: each is on disk when its commit
 * returns. Used from the anchor service's single writer thread only.
 */
final class Journal implements AutoCloseable {
  static final String FILE = "journal.db";
  /** Written when a journal is created, so that a journal deleted or truncated later is noticed. */
  static final String MARKER = "journal.created";
  static final int SCHEMA_VERSION = 1;
  private static final HexFormat HEX = HexFormat.of();

  /** A leaf not yet in a sealed batch. */
  record Unsealed(long seq, byte[] leafHash, long createdMs) {}

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Journal.class);

  private final Path file;
  private final Connection db;
  private final PreparedStatement insertLeaf;
  private LeafLog log;
  /** Leaves durable in the log that SQLite has not taken yet, in order. */
  private final List<DefaultAnchorService.Pending> unflushed = new ArrayList<>();
  private long oldestUnflushedMs;
  /** SQLite takes the log's leaves once this many wait... */
  static final int FLUSH_LEAVES = 512;
  /** ...or the oldest has waited this long. */
  static final long FLUSH_MS = 100;

  private Journal(Path file, Connection db) throws SQLException {
    this.file = file;
    this.db = db;
    this.insertLeaf = db.prepareStatement(
        "INSERT INTO leaves(seq, device, job, job_key, leaf, leaf_hash, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)");
  }

  /** Open with the default size of the leaf log. */
  static Journal open(Path dir, String gatewayId, byte[] publicKey) {
    return open(dir, gatewayId, publicKey, LeafLog.DEFAULT_CAPACITY);
  }

  /**
   * Opens or creates the journal of {@code gatewayId} signed by {@code publicKey}.
   *
   * @throws AnchorException {@code JOURNAL_CORRUPT} with what is wrong and how to recover
   */
  static Journal open(Path dir, String gatewayId, byte[] publicKey, int logCapacity) {
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
        KeptJournal.createTables(s);
      }
      Journal j = new Journal(file, db);
      j.checkMeta(gatewayId, publicKey, existed);
      if (!existed) {
        Files.writeString(marker, gatewayId + "\n");
      }
      db.setAutoCommit(false);
      j.checkLastCheckpoint(publicKey);
      j.openLog(dir, existed, logCapacity);
      return j;
    } catch (java.io.IOException e) {
      closeQuietly(db);
      throw new AnchorException(AnchorErrorCode.JOURNAL_IO, "cannot write " + marker + " or " + LeafLog.FILE + ": " + e, e);
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

  /**
   * Takes back from the leaf log every leaf SQLite lost, makes them durable in SQLite, and opens the
   * log for writing from its start. From here on leaf commits do not sync SQLite.
   */
  private void openLog(Path dir, boolean existed, int capacity) throws SQLException, java.io.IOException {
    String storedId = meta("log_id");
    LeafLog.Contents contents;
    try {
      contents = LeafLog.read(dir);
    } catch (java.io.IOException e) {
      throw new AnchorException(AnchorErrorCode.JOURNAL_CORRUPT, "leaf log " + dir.resolve(LeafLog.FILE) + " cannot be read: "
          + e.getMessage() + ". Move it aside to start with a new one; results released just before the gateway's last "
          + "stop may then have no receipt, everything else is in " + FILE + ".", e);
    }
    boolean ours = storedId != null && contents.journalId() != null && storedId.equals(HEX.formatHex(contents.journalId()));
    if (storedId != null && contents.journalId() != null && !ours) {
      throw new AnchorException(AnchorErrorCode.JOURNAL_CORRUPT, "leaf log " + dir.resolve(LeafLog.FILE)
          + " belongs to another journal than " + file + " (log " + HEX.formatHex(contents.journalId()) + ", journal "
          + storedId + "). Put back the leaves.log that was beside this journal, or, if there is none, move this one aside: "
          + "the gateway then starts a new log, and results released just before its last stop may have no receipt.");
    }
    if (existed && storedId != null && contents.journalId() == null) {
      LOG.warn("leaf log {} is missing; a new one is created. If the gateway did not stop cleanly, results released just "
          + "before it stopped may have no receipt.", dir.resolve(LeafLog.FILE));
    }
    List<LeafLog.Entry> lost = ours ? lostBySqlite(contents.entries()) : List.of();
    byte[] id = ours ? contents.journalId() : newLogId();
    // One synced transaction: the leaves taken back and the log's id are in SQLite before the log is reused.
    durably(() -> {
      for (LeafLog.Entry e : lost) {
        addLeaf(e.seq(), e.device(), e.job(), e.leaf(), e.leafHash(), e.createdMs());
      }
      if (!lost.isEmpty()) {
        insertLeaf.executeBatch();
      }
      putMeta("log_id", HEX.formatHex(id));
      return null;
    });
    if (!lost.isEmpty()) {
      LOG.warn("{}: took back leaves {} to {} from {}, which SQLite had lost (the gateway stopped before SQLite synced them)",
          file, lost.get(0).seq(), lost.get(lost.size() - 1).seq(), LeafLog.FILE);
    }
    log = ours && LeafLog.reusable(dir, capacity) ? LeafLog.reopen(dir, capacity) : LeafLog.create(dir, id, capacity);
    // Leaf commits from here on are made durable by the log.
    setSynchronous("NORMAL");
  }

  /** The log's leaves past SQLite's last one; refused if they do not continue it. */
  private List<LeafLog.Entry> lostBySqlite(List<LeafLog.Entry> logged) throws SQLException {
    long next = nextSequence();
    List<LeafLog.Entry> lost = logged.stream().filter(e -> e.seq() >= next).toList();
    if (!lost.isEmpty() && lost.get(0).seq() != next) {
      throw corrupt(file, "its leaves end before leaf " + next + " but " + LeafLog.FILE + " continues from leaf "
          + lost.get(0).seq() + ", so leaves " + next + " to " + (lost.get(0).seq() - 1) + " are in neither. If "
          + FILE + " was restored from a backup on purpose, move " + LeafLog.FILE + " aside to start from the backup");
    }
    return lost;
  }

  /** Sets SQLite's sync level; SQLite changes it only outside a transaction. */
  private void setSynchronous(String level) throws SQLException {
    db.setAutoCommit(true);
    try (Statement st = db.createStatement()) {
      st.execute("PRAGMA synchronous=" + level);
    }
    db.setAutoCommit(false);
  }

  private static byte[] newLogId() {
    byte[] id = new byte[16];
    new java.security.SecureRandom().nextBytes(id);
    return id;
  }

  /** Work whose commit must be on disk when it returns. */
  interface SqlWork<T> {
    T run() throws SQLException;
  }

  /**
   * Runs {@code work} in a transaction of its own committed with {@code synchronous=FULL}; SQLite
   * changes the level only outside a transaction. Its sync also makes every earlier commit durable.
   */
  private <T> T durably(SqlWork<T> work) throws SQLException {
    setSynchronous("FULL");
    try {
      return commitWithWaitingLeaves(work);
    } finally {
      if (log != null) {
        setSynchronous("NORMAL");
      }
    }
  }

  /**
   * Runs {@code work} in one transaction with the leaves waiting in the log inserted first, and
   * commits; if it fails, rolls back and the leaves wait again.
   */
  private <T> T commitWithWaitingLeaves(SqlWork<T> work) throws SQLException {
    List<DefaultAnchorService.Pending> taking = new ArrayList<>(unflushed);
    unflushed.clear();
    try {
      insertLeaves(taking);
      T out = work.run();
      db.commit();
      return out;
    } catch (SQLException | RuntimeException e) {
      db.rollback();
      unflushed.addAll(0, taking);
      throw e;
    }
  }

  /** The connection, for {@link KeptJournal}'s tables in the same file (writer thread only). */
  Connection connection() {
    return db;
  }

  /**
   * Runs {@code work} in one transaction, not synced: SQLite's WAL keeps it through a killed process, a
   * power cut may take the last moments (their leaves are in the leaf log).
   */
  <T> T inTransaction(SqlWork<T> work) throws SQLException {
    return commitWithWaitingLeaves(work);
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
    flush();
    return count("SELECT coalesce(max(seq) + 1, 0) FROM leaves");
  }

  /**
   * Makes the leaves durable in the leaf log: when this returns they survive a crash. SQLite takes them
   * later, many groups in one transaction that is not synced ({@link #flushIfDue}), or at once when
   * something reads leaves. When the log is full, SQLite is synced first and the log starts over.
   *
   * @throws SQLException when the log cannot be written, or SQLite is so far behind that it must take
   *     the waiting leaves first and cannot
   */
  void appendLeaves(List<DefaultAnchorService.Pending> leaves, long nowMs) throws SQLException {
    if (unflushed.size() >= FLUSH_LEAVES) {
      flush();
    }
    try {
      if (!log.fits(LeafLog.size(leaves))) {
        durably(() -> {
          putMeta("log_rewound_at", Long.toString(leaves.get(0).seq));
          return null;
        });
        log.rewind();
      }
      log.append(leaves);
    } catch (java.io.IOException e) {
      throw new SQLException("the leaf log " + LeafLog.FILE + " could not be written: " + e, e);
    }
    if (unflushed.isEmpty()) {
      oldestUnflushedMs = nowMs;
    }
    unflushed.addAll(leaves);
  }

  /** Hands the leaves waiting in the log to SQLite once there are many or the oldest has waited long. */
  void flushIfDue(long nowMs) throws SQLException {
    if (!unflushed.isEmpty() && (unflushed.size() >= FLUSH_LEAVES || nowMs - oldestUnflushedMs >= FLUSH_MS)) {
      flush();
    }
  }

  /** Inserts every leaf waiting in the log into SQLite in one transaction, not synced. */
  void flush() throws SQLException {
    if (!unflushed.isEmpty()) {
      commitWithWaitingLeaves(() -> null);
    }
  }

  /** Adds one leaf row to the insert statement's batch. */
  private void addLeaf(long seq, String device, String job, byte[] leaf, byte[] leafHash, long createdMs) throws SQLException {
    insertLeaf.setLong(1, seq);
    insertLeaf.setString(2, device);
    insertLeaf.setString(3, job);
    insertLeaf.setLong(4, jobKey(device, job));
    insertLeaf.setBytes(5, leaf);
    insertLeaf.setBytes(6, leafHash);
    insertLeaf.setLong(7, createdMs);
    insertLeaf.addBatch();
  }

  private void insertLeaves(List<DefaultAnchorService.Pending> leaves) throws SQLException {
    if (leaves.isEmpty()) {
      return;
    }
    try {
      for (DefaultAnchorService.Pending p : leaves) {
        addLeaf(p.seq, p.deviceId, p.jobId, p.leaf, p.leafHash, p.createdMs);
      }
      insertLeaf.executeBatch();
    } catch (SQLException e) {
      insertLeaf.clearBatch();
      throw e;
    }
  }

  /** A 64-bit key of (device, job) for the lookup index; collisions are resolved by comparing both. */
  static long jobKey(String device, String job) {
    return ((long) device.hashCode() << 32) ^ (job.hashCode() & 0xffffffffL) ^ ((long) job.length() << 20);
  }

  /** The leaves after the last sealed batch (batches seal leaves in order), found by sequence number. */
  List<Unsealed> unsealed() throws SQLException {
    flush();
    long from = lastCheckpoint().map(c -> c.firstSequence() + c.treeSize()).orElse(0L);
    List<Unsealed> out = new ArrayList<>();
    try (PreparedStatement q = db.prepareStatement("SELECT seq, leaf_hash, created_ms FROM leaves WHERE seq >= ? ORDER BY seq")) {
      q.setLong(1, from);
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          out.add(new Unsealed(rs.getLong(1), rs.getBytes(2), rs.getLong(3)));
        }
      }
    }
    return out;
  }

  List<byte[]> leafHashes(long firstSeq, long count) throws SQLException {
    flush();
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
    durably(() -> {
      insertCheckpoint(c, sinks, nowMs);
      return null;
    });
  }

  private void insertCheckpoint(Checkpoint c, List<String> sinks, long nowMs) throws SQLException {
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
    durably(() -> {
      try (PreparedStatement u = db.prepareStatement(
          "UPDATE anchor_outbox SET attempts = ?, next_attempt_ms = ?, result = ? WHERE batch = ? AND sink = ?")) {
        u.setInt(1, attempts);
        u.setLong(2, nextAttemptMs);
        u.setString(3, error);
        u.setLong(4, batch);
        u.setString(5, sink);
        return u.executeUpdate();
      }
    });
  }

  private void updateOutbox(String sql, String text, long batch, String sink) throws SQLException {
    durably(() -> {
      try (PreparedStatement u = db.prepareStatement(sql)) {
        u.setString(1, text);
        u.setLong(2, batch);
        u.setString(3, sink);
        return u.executeUpdate();
      }
    });
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

  /** The leaves of the batch that {@code c} seals, found by their sequence numbers (the primary key). */
  List<StoredLeaf> leavesOfBatch(Checkpoint c) throws SQLException {
    flush();
    List<StoredLeaf> out = new ArrayList<>();
    try (PreparedStatement q = db.prepareStatement(
        "SELECT seq, device, job, leaf, leaf_hash, batch FROM leaves WHERE seq >= ? AND seq < ? ORDER BY seq")) {
      q.setLong(1, c.firstSequence());
      q.setLong(2, c.firstSequence() + c.treeSize());
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          out.add(new StoredLeaf(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getBytes(4), rs.getBytes(5), rs.getLong(6)));
        }
      }
    }
    return out;
  }

  Optional<StoredLeaf> findLeaf(String device, String job) throws SQLException {
    flush();
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
      db.commit();
      // A clean stop leaves SQLite complete and synced: the leaf log is then not needed to start again.
      durably(() -> {
        putMeta("closed_at_leaf", Long.toString(nextSequence()));
        return null;
      });
      insertLeaf.close();
    } catch (SQLException e) {
      LOG.error("{} could not be brought up to date at close; the leaf log still holds what it lacks", file, e);
    } finally {
      closeQuietly(db);
      closeQuietly(log);
    }
  }

  private static void closeQuietly(LeafLog l) {
    if (l != null) {
      try {
        l.close();
      } catch (java.io.IOException ignored) {
        // Every append was synced; closing the channel adds nothing.
      }
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
