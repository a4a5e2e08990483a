package dev.cairn.runtime.metering;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.anchor.usage.SignedUsage;
import dev.cairn.anchor.usage.UsageCodec;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
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
 * statement's signed JSON, whether its leaf is in the journal yet, and the last sealed epoch. Used from
 * the metering thread and the admin API's worker threads; every method is synchronized.
 */
final class UsageStore implements AutoCloseable {
  static final String FILE = "usage.db";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A stored statement. */
  record Row(String kind, String subject, long epoch, SignedUsage usage, boolean appended) {}

  private final Connection db;
  private final Map<String, byte[]> lastHash = new HashMap<>();

  private UsageStore(Connection db) {
    this.db = db;
  }

  static UsageStore open(Path dataDir) throws SQLException {
    Connection db = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(FILE));
    try (Statement s = db.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=FULL");
      s.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
      s.execute("CREATE TABLE IF NOT EXISTS statements (kind TEXT NOT NULL, subject TEXT NOT NULL, epoch INTEGER NOT NULL, "
          + "from_ms INTEGER NOT NULL, hash BLOB NOT NULL, json TEXT NOT NULL, appended INTEGER NOT NULL DEFAULT 0, "
          + "PRIMARY KEY (kind, subject, epoch))");
      s.execute("CREATE INDEX IF NOT EXISTS statements_by_time ON statements(from_ms)");
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

  /** Stores the statements of epochs up to {@code epoch} and marks them sealed, in one synced transaction. */
  synchronized void seal(long epoch, long nowMs, List<SignedUsage> statements) throws SQLException {
    db.setAutoCommit(false);
    try (PreparedStatement insert = db.prepareStatement(
        "INSERT INTO statements (kind, subject, epoch, from_ms, hash, json) VALUES (?, ?, ?, ?, ?, ?)")) {
      for (SignedUsage u : statements) {
        insert.setString(1, u.statement().subjectKind());
        insert.setString(2, u.statement().subjectId());
        insert.setLong(3, u.statement().epoch());
        insert.setLong(4, u.statement().fromMs());
        insert.setBytes(5, u.hash());
        insert.setString(6, JSON.writeValueAsString(UsageCodec.toJson(u)));
        insert.addBatch();
      }
      insert.executeBatch();
      putMeta("sealed_through", Long.toString(epoch));
      putMeta("sealed_at_ms", Long.toString(nowMs));
      db.commit();
      for (SignedUsage u : statements) {
        lastHash.put(u.statement().subjectKind() + "/" + u.statement().subjectId(), u.hash());
      }
    } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException e) {
      db.rollback();
      throw e instanceof SQLException s ? s : new SQLException(e);
    } finally {
      db.setAutoCommit(true);
    }
  }

  synchronized void markAppended(String kind, String subject, long epoch) throws SQLException {
    try (PreparedStatement u = db.prepareStatement("UPDATE statements SET appended = 1 WHERE kind = ? AND subject = ? AND epoch = ?")) {
      u.setString(1, kind);
      u.setString(2, subject);
      u.setLong(3, epoch);
      u.executeUpdate();
    }
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
    try (PreparedStatement q = db.prepareStatement("SELECT kind, subject, epoch, json, appended FROM statements " + where)) {
      binder.bind(q);
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next() && out.size() < limit) {
          SignedUsage u = UsageCodec.read(JSON.readTree(rs.getString(4)));
          out.add(new Row(rs.getString(1), rs.getString(2), rs.getLong(3), u, rs.getInt(5) == 1));
        }
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new SQLException("a stored statement is not JSON: " + e.getMessage(), e);
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

  @Override
  public synchronized void close() {
    try {
      db.close();
    } catch (SQLException ignored) {
      // Nothing is left to write: every seal committed or rolled back.
    }
  }
}
