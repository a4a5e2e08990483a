package dev.cairn.runtime.metering;

import dev.cairn.anchor.usage.SignedUsage;
import dev.cairn.anchor.usage.UsageStatement;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The sealed usage statements, in {@code usage.db} beside the journal (SQLite, synchronous=FULL): each
 * statement's signed body and signature, whether its leaf is in the journal yet, and the last sealed epoch. Used from
 * the metering thread and the admin API's worker threads; every method is synchronized.
 */
final class UsageStore implements AutoCloseable {
  static final String FILE = "usage.db";

  /** A stored statement. */
  record Row(String kind, String subject, long epoch, SignedUsage usage, boolean appended) {}

  private final Connection db;
  private final Map<String, byte[]> lastHash = new HashMap<>();

  private UsageStore(Connection db) {
    this.db = db;
  }

  static UsageStore open(Path dataDir) throws SQLException {
    Connection db = Sql.open(dataDir.resolve(FILE));
    try (Statement s = db.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
      s.execute("CREATE TABLE IF NOT EXISTS statements (kind TEXT NOT NULL, subject TEXT NOT NULL, epoch INTEGER NOT NULL, "
          + "from_ms INTEGER NOT NULL, hash BLOB NOT NULL, body BLOB NOT NULL, signature BLOB NOT NULL, appended INTEGER NOT NULL DEFAULT 0, "
          + "PRIMARY KEY (kind, subject, epoch))");
      s.execute("CREATE INDEX IF NOT EXISTS statements_by_time ON statements(from_ms)");
      s.execute("CREATE TABLE IF NOT EXISTS payments (statement BLOB PRIMARY KEY, seq INTEGER NOT NULL, pay_to TEXT NOT NULL, "
          + "wei TEXT NOT NULL, raw_tx TEXT, tx_hash TEXT, confirmed INTEGER NOT NULL DEFAULT 0, block INTEGER, "
          + "attempts INTEGER NOT NULL DEFAULT 0, next_attempt_ms INTEGER NOT NULL DEFAULT 0, last_error TEXT)");
    }
    UsageStore store = new UsageStore(db);
    store.loadLastHashes();
    return store;
  }

  private void loadLastHashes() throws SQLException {
    try (Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("SELECT kind, subject, hash FROM statements s WHERE epoch = "
            + "(SELECT max(epoch) FROM statements t WHERE t.kind = s.kind AND t.subject = s.subject)")) {
      while (rs.next()) {
        lastHash.put(rs.getString(1) + "/" + rs.getString(2), rs.getBytes(3));
      }
    }
  }

  /** The hash of the subject's last statement, or 32 zero bytes before its first. */
  synchronized byte[] lastHash(String kind, String subject) {
    return lastHash.getOrDefault(kind + "/" + subject, new byte[32]).clone();
  }

  /** The last sealed epoch, or {@code orElse} when nothing was ever sealed here. */
  synchronized long sealedThrough(long orElse) throws SQLException {
    String v = meta("sealed_through");
    return v == null ? orElse : Long.parseLong(v);
  }

  /** When the last epoch was sealed (ms), or 0. */
  synchronized long sealedAtMs() throws SQLException {
    String v = meta("sealed_at_ms");
    return v == null ? 0 : Long.parseLong(v);
  }

  /**
   * Stores the statements of epochs up to {@code epoch} and their payments, and marks them sealed, in one
   * synced transaction.
   */
  synchronized void seal(long epoch, long nowMs, List<SignedUsage> statements, List<Payment> payments) throws SQLException {
    db.setAutoCommit(false);
    try (PreparedStatement insert = db.prepareStatement(
        "INSERT INTO statements (kind, subject, epoch, from_ms, hash, body, signature) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      for (SignedUsage u : statements) {
        insert.setString(1, u.statement().subjectKind());
        insert.setString(2, u.statement().subjectId());
        insert.setLong(3, u.statement().epoch());
        insert.setLong(4, u.statement().fromMs());
        insert.setBytes(5, u.hash());
        insert.setBytes(6, u.body());
        insert.setBytes(7, u.signature());
        insert.addBatch();
      }
      insert.executeBatch();
      insertPayments(payments);
      putMeta("sealed_through", Long.toString(epoch));
      putMeta("sealed_at_ms", Long.toString(nowMs));
      db.commit();
      for (SignedUsage u : statements) {
        lastHash.put(u.statement().subjectKind() + "/" + u.statement().subjectId(), u.hash());
      }
    } catch (SQLException e) {
      db.rollback();
      throw e;
    } finally {
      db.setAutoCommit(true);
    }
  }

  synchronized void markAppended(String kind, String subject, long epoch) throws SQLException {
    update("UPDATE statements SET appended = 1 WHERE kind = ? AND subject = ? AND epoch = ?", kind, subject, epoch);
  }

  /** Statements whose leaf may not be in the journal yet (the gateway stopped in between). */
  synchronized List<Row> unappended() throws SQLException {
    return query("WHERE appended = 0 ORDER BY epoch", ps -> {}, Integer.MAX_VALUE);
  }

  /**
   * Statements of {@code kind} (and {@code subject}, unless null) whose epoch starts in [fromMs, toMs),
   * oldest first, at most {@code limit}.
   */
  synchronized List<Row> find(String kind, String subject, long fromMs, long toMs, int limit) throws SQLException {
    return query("WHERE kind = ? AND (? IS NULL OR subject = ?) AND from_ms >= ? AND from_ms < ? ORDER BY from_ms, subject",
        ps -> {
          ps.setString(1, kind);
          ps.setString(2, subject);
          ps.setString(3, subject);
          ps.setLong(4, fromMs);
          ps.setLong(5, toMs);
        }, limit);
  }

  private interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  private List<Row> query(String where, Binder binder, int limit) throws SQLException {
    List<Row> out = new ArrayList<>();
    try (PreparedStatement q = db.prepareStatement("SELECT kind, subject, epoch, body, signature, appended FROM statements " + where)) {
      binder.bind(q);
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next() && out.size() < limit) {
          byte[] body = rs.getBytes(4);
          SignedUsage u = new SignedUsage(UsageStatement.parse(body), body, rs.getBytes(5), null, null, null);
          out.add(new Row(rs.getString(1), rs.getString(2), rs.getLong(3), u, rs.getInt(6) == 1));
        }
      }
    } catch (IllegalArgumentException e) {
      throw new SQLException("a stored statement cannot be read: " + e.getMessage(), e);
    }
    return out;
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
    try (PreparedStatement u = db.prepareStatement("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)")) {
      u.setString(1, key);
      u.setString(2, value);
      u.executeUpdate();
    }
  }

  /** A payment of one statement: to whom, how much, and the signed transaction once there is one. */
  record Payment(byte[] statement, String payTo, java.math.BigInteger wei, String rawTx, int attempts) {}

  /** Adds payments not already there (a statement is paid once), within the caller's transaction. */
  private void insertPayments(List<Payment> payments) throws SQLException {
    try (PreparedStatement insert = db.prepareStatement("INSERT OR IGNORE INTO payments (statement, seq, pay_to, wei) "
        + "VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM payments), ?, ?)")) {
      for (Payment p : payments) {
        insert.setBytes(1, p.statement());
        insert.setString(2, p.payTo());
        insert.setString(3, p.wei().toString());
        insert.executeUpdate();
      }
    }
  }

  /** The oldest unconfirmed payment, if it is due at {@code nowMs}: payments go out in order, one at a time. */
  synchronized java.util.Optional<Payment> nextPayment(long nowMs) throws SQLException {
    try (PreparedStatement q = db.prepareStatement("SELECT statement, pay_to, wei, raw_tx, attempts, next_attempt_ms "
        + "FROM payments WHERE confirmed = 0 ORDER BY seq LIMIT 1")) {
      try (ResultSet rs = q.executeQuery()) {
        if (!rs.next() || rs.getLong(6) > nowMs) {
          return java.util.Optional.empty();
        }
        return java.util.Optional.of(new Payment(rs.getBytes(1), rs.getString(2), new java.math.BigInteger(rs.getString(3)),
            rs.getString(4), rs.getInt(5)));
      }
    }
  }

  /** Keeps the signed transaction before it is broadcast, so a restart sends the same one. */
  synchronized void signed(byte[] statement, String rawTx, String txHash) throws SQLException {
    update("UPDATE payments SET raw_tx = ?, tx_hash = ? WHERE statement = ? AND raw_tx IS NULL", rawTx, txHash, statement);
  }

  synchronized void paid(byte[] statement, long block) throws SQLException {
    update("UPDATE payments SET confirmed = 1, block = ?, last_error = NULL WHERE statement = ?", block, statement);
  }

  synchronized void paymentFailed(byte[] statement, int attempts, long nextAttemptMs, String error) throws SQLException {
    update("UPDATE payments SET attempts = ?, next_attempt_ms = ?, last_error = ? WHERE statement = ?", attempts,
        nextAttemptMs, error, statement);
  }

  /**
   * Removes statements whose epoch started before {@code beforeMs} once their leaves are in the journal,
   * and their confirmed payments; each subject's last statement stays (the next one chains to it).
   * Returns how many statements went.
   */
  synchronized int prune(long beforeMs) throws SQLException {
    db.setAutoCommit(false);
    try (PreparedStatement payments = db.prepareStatement("DELETE FROM payments WHERE confirmed = 1 AND statement IN "
            + "(SELECT hash FROM statements WHERE from_ms < ? AND appended = 1)");
        PreparedStatement statements = db.prepareStatement("DELETE FROM statements WHERE from_ms < ? AND appended = 1 "
            + "AND epoch < (SELECT max(epoch) FROM statements t WHERE t.kind = statements.kind AND t.subject = statements.subject) "
            + "AND hash NOT IN (SELECT statement FROM payments WHERE confirmed = 0)")) {
      payments.setLong(1, beforeMs);
      payments.executeUpdate();
      statements.setLong(1, beforeMs);
      int n = statements.executeUpdate();
      db.commit();
      return n;
    } catch (SQLException e) {
      db.rollback();
      throw e;
    } finally {
      db.setAutoCommit(true);
    }
  }

  /** Counts of payments: confirmed and waiting. */
  synchronized long[] paymentCounts() throws SQLException {
    try (Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("SELECT coalesce(sum(confirmed), 0), count(*) - coalesce(sum(confirmed), 0) FROM payments")) {
      rs.next();
      return new long[] {rs.getLong(1), rs.getLong(2)};
    }
  }

  private void update(String sql, Object... args) throws SQLException {
    Sql.update(db, sql, args);
  }

  @Override
  public synchronized void close() {
    try {
      db.close();
    } catch (SQLException ignored) {
      // Nothing is left to write: every seal committed or rolled back.
    }
  }
}
