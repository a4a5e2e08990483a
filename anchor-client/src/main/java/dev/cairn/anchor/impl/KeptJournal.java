package dev.cairn.anchor.impl;

import dev.cairn.anchor.kept.KeptStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The kept results and MQTT sessions, as tables of the journal's SQLite file. The SQL runs on the anchor
 * service's writer thread (through {@link Runner}), which owns the connection.
 */
final class KeptJournal implements KeptStore {

  /** Runs work on the writer thread in its next transaction. */
  interface Runner {
    <T> CompletionStage<T> run(Journal.SqlWork<T> work);
  }

  private final Connection db;
  private final Runner runner;

  KeptJournal(Connection db, Runner runner) {
    this.db = db;
    this.runner = runner;
  }

  /** Creates the tables if this journal has none yet (on the thread that opens the journal). */
  static void createTables(Statement s) throws SQLException {
    // A rowid table with the ids in an index of their own: results are kilobytes, and a table keyed by them
    // (WITHOUT ROWID) would copy whole rows into its inner pages.
    s.execute("CREATE TABLE IF NOT EXISTS kept_results (id INTEGER PRIMARY KEY, device TEXT NOT NULL, job TEXT NOT NULL, "
        + "result BLOB NOT NULL, expires_ms INTEGER NOT NULL)");
    s.execute("CREATE UNIQUE INDEX IF NOT EXISTS kept_results_by_job ON kept_results(device, job)");
    s.execute("CREATE INDEX IF NOT EXISTS kept_results_by_expiry ON kept_results(expires_ms)");
    s.execute("CREATE TABLE IF NOT EXISTS mqtt_sessions (client_id TEXT PRIMARY KEY, device TEXT NOT NULL, "
        + "subscriptions BLOB NOT NULL, expires_ms INTEGER NOT NULL)");
    s.execute("CREATE TABLE IF NOT EXISTS mqtt_queue (seq INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT NOT NULL, "
        + "device TEXT NOT NULL, message BLOB NOT NULL, expires_ms INTEGER NOT NULL)");
    s.execute("CREATE INDEX IF NOT EXISTS mqtt_queue_by_client ON mqtt_queue(client_id, seq)");
    s.execute("CREATE INDEX IF NOT EXISTS mqtt_queue_by_device ON mqtt_queue(device)");
  }

  @Override
  public CompletionStage<Void> keepResult(String deviceId, String jobId, byte[] result, long expiresMs) {
    return runner.run(() -> {
      try (PreparedStatement u = db.prepareStatement(
          "INSERT OR REPLACE INTO kept_results(device, job, result, expires_ms) VALUES (?, ?, ?, ?)")) {
        u.setString(1, deviceId);
        u.setString(2, jobId);
        u.setBytes(3, result);
        u.setLong(4, expiresMs);
        u.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public CompletionStage<Optional<byte[]>> result(String deviceId, String jobId, long nowMs) {
    return runner.run(() -> {
      try (PreparedStatement q = db.prepareStatement(
          "SELECT result FROM kept_results WHERE device = ? AND job = ? AND expires_ms > ?")) {
        q.setString(1, deviceId);
        q.setString(2, jobId);
        q.setLong(3, nowMs);
        try (ResultSet rs = q.executeQuery()) {
          return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.empty();
        }
      }
    });
  }

  @Override
  public CompletionStage<long[]> resultKeys(long nowMs) {
    return runner.run(() -> {
      try (PreparedStatement q = db.prepareStatement("SELECT device, job FROM kept_results WHERE expires_ms > ?")) {
        q.setLong(1, nowMs);
        long[] keys = new long[64];
        int n = 0;
        try (ResultSet rs = q.executeQuery()) {
          while (rs.next()) {
            if (n == keys.length) {
              keys = java.util.Arrays.copyOf(keys, n * 2);
            }
            keys[n++] = KeptStore.key(rs.getString(1), rs.getString(2));
          }
        }
        return java.util.Arrays.copyOf(keys, n);
      }
    });
  }

  @Override
  public CompletionStage<Integer> expireResults(long nowMs) {
    return runner.run(() -> {
      try (PreparedStatement d = db.prepareStatement("DELETE FROM kept_results WHERE expires_ms <= ?")) {
        d.setLong(1, nowMs);
        return d.executeUpdate();
      }
    });
  }

  @Override
  public CompletionStage<Usage> resultUsage() {
    return runner.run(() -> usage("SELECT count(*), coalesce(sum(length(result) + length(device) + length(job) + 8), 0) "
        + "FROM kept_results", null));
  }

  @Override
  public CompletionStage<Void> putSession(Session s) {
    return runner.run(() -> {
      try (PreparedStatement u = db.prepareStatement(
          "INSERT OR REPLACE INTO mqtt_sessions(client_id, device, subscriptions, expires_ms) VALUES (?, ?, ?, ?)")) {
        u.setString(1, s.clientId());
        u.setString(2, s.deviceId());
        u.setBytes(3, s.subscriptions());
        u.setLong(4, s.expiresMs());
        u.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public CompletionStage<List<Stored>> sessions() {
    return runner.run(() -> {
      List<Stored> out = new ArrayList<>();
      try (PreparedStatement q = db.prepareStatement("SELECT s.client_id, s.device, s.subscriptions, s.expires_ms, "
          + "(SELECT count(*) FROM mqtt_queue m WHERE m.client_id = s.client_id), "
          + "(SELECT coalesce(sum(length(message)), 0) FROM mqtt_queue m WHERE m.client_id = s.client_id) "
          + "FROM mqtt_sessions s ORDER BY s.client_id")) {
        try (ResultSet rs = q.executeQuery()) {
          while (rs.next()) {
            out.add(new Stored(new Session(rs.getString(1), rs.getString(2), rs.getBytes(3), rs.getLong(4)),
                new Usage(rs.getLong(5), rs.getLong(6))));
          }
        }
      }
      return out;
    });
  }

  @Override
  public CompletionStage<Optional<Session>> session(String clientId) {
    return runner.run(() -> {
      try (PreparedStatement q = db.prepareStatement(
          "SELECT client_id, device, subscriptions, expires_ms FROM mqtt_sessions WHERE client_id = ?")) {
        q.setString(1, clientId);
        try (ResultSet rs = q.executeQuery()) {
          return rs.next() ? Optional.of(new Session(rs.getString(1), rs.getString(2), rs.getBytes(3), rs.getLong(4)))
              : Optional.empty();
        }
      }
    });
  }

  @Override
  public CompletionStage<Void> removeSession(String clientId) {
    return runner.run(() -> {
      removeSessionNow(clientId);
      return null;
    });
  }

  private void removeSessionNow(String clientId) throws SQLException {
    try (PreparedStatement d = db.prepareStatement("DELETE FROM mqtt_sessions WHERE client_id = ?");
        PreparedStatement q = db.prepareStatement("DELETE FROM mqtt_queue WHERE client_id = ?")) {
      d.setString(1, clientId);
      d.executeUpdate();
      q.setString(1, clientId);
      q.executeUpdate();
    }
  }

  @Override
  public CompletionStage<List<Session>> expireSessions(long nowMs) {
    return runner.run(() -> {
      List<Session> gone = new ArrayList<>();
      try (PreparedStatement q = db.prepareStatement(
          "SELECT client_id, device, subscriptions, expires_ms FROM mqtt_sessions WHERE expires_ms <= ?")) {
        q.setLong(1, nowMs);
        try (ResultSet rs = q.executeQuery()) {
          while (rs.next()) {
            gone.add(new Session(rs.getString(1), rs.getString(2), rs.getBytes(3), rs.getLong(4)));
          }
        }
      }
      for (Session s : gone) {
        removeSessionNow(s.clientId());
      }
      return gone;
    });
  }

  @Override
  public CompletionStage<Long> enqueue(String clientId, byte[] message, long expiresMs) {
    return runner.run(() -> {
      try (PreparedStatement u = db.prepareStatement("INSERT INTO mqtt_queue(client_id, device, message, expires_ms) "
          + "SELECT client_id, device, ?, ? FROM mqtt_sessions WHERE client_id = ?", Statement.RETURN_GENERATED_KEYS)) {
        u.setBytes(1, message);
        u.setLong(2, expiresMs);
        u.setString(3, clientId);
        if (u.executeUpdate() == 0) {
          return -1L;
        }
        try (ResultSet keys = u.getGeneratedKeys()) {
          return keys.next() ? keys.getLong(1) : -1L;
        }
      }
    });
  }

  @Override
  public CompletionStage<List<Queued>> queued(String clientId, long nowMs) {
    return runner.run(() -> {
      try (PreparedStatement d = db.prepareStatement("DELETE FROM mqtt_queue WHERE client_id = ? AND expires_ms <= ?")) {
        d.setString(1, clientId);
        d.setLong(2, nowMs);
        d.executeUpdate();
      }
      List<Queued> out = new ArrayList<>();
      try (PreparedStatement q = db.prepareStatement(
          "SELECT seq, message, expires_ms FROM mqtt_queue WHERE client_id = ? ORDER BY seq")) {
        q.setString(1, clientId);
        try (ResultSet rs = q.executeQuery()) {
          while (rs.next()) {
            out.add(new Queued(rs.getLong(1), rs.getBytes(2), rs.getLong(3)));
          }
        }
      }
      return out;
    });
  }

  @Override
  public CompletionStage<Void> dequeue(String clientId, List<Long> seqs) {
    return runner.run(() -> {
      try (PreparedStatement d = db.prepareStatement("DELETE FROM mqtt_queue WHERE client_id = ? AND seq = ?")) {
        for (long seq : seqs) {
          d.setString(1, clientId);
          d.setLong(2, seq);
          d.addBatch();
        }
        d.executeBatch();
      }
      return null;
    });
  }

  @Override
  public CompletionStage<Usage> queuedOf(String deviceId) {
    return runner.run(() -> usage("SELECT count(*), coalesce(sum(length(message)), 0) FROM mqtt_queue WHERE device = ?",
        deviceId));
  }

  private Usage usage(String sql, String param) throws SQLException {
    try (PreparedStatement q = db.prepareStatement(sql)) {
      if (param != null) {
        q.setString(1, param);
      }
      try (ResultSet rs = q.executeQuery()) {
        rs.next();
        return new Usage(rs.getLong(1), rs.getLong(2));
      }
    }
  }
}
