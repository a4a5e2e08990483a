package dev.cairn.runtime.metering;

import dev.cairn.anchor.usage.SignedUsage;
import dev.cairn.anchor.usage.UsageStatement;
import dev.cairn.anchor.usage.UsageTotals;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Usage of work between gateways, in {@code usage-peers.db} beside usage.db (SQLite, synchronous=FULL):
 * what peers ran for this gateway ({@code work}, the records a peer's statement is compared with), the peers'
 * statements this gateway countersigned ({@code received}), the countersignatures peers gave this gateway's
 * statements ({@code countersigned}), and disputes with both versions. Used from the metering thread and the
 * admin API's worker threads; every method is synchronized.
 */
final class PeerUsageStore implements AutoCloseable {
  static final String FILE = "usage-peers.db";
  /** This gateway ran the work, the peer asked for it. */
  static final String EXECUTED = "executed";
  /** The peer ran the work this gateway asked for. */
  static final String REQUESTED = "requested";

  /** A disputed statement: the executing gateway's version and the requesting gateway's. */
  record Dispute(String role, String peer, long epoch, SignedUsage executor, SignedUsage requester, String differences,
      long atMs) {}

  private final Connection db;

  private PeerUsageStore(Connection db) {
    this.db = db;
  }

  static PeerUsageStore open(Path dataDir) throws SQLException {
    Connection db = Sql.open(dataDir.resolve(FILE));
    try (Statement s = db.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS work (peer TEXT NOT NULL, epoch INTEGER NOT NULL, kernel TEXT NOT NULL, "
          + "from_ms INTEGER NOT NULL, jobs INTEGER NOT NULL, cpu INTEGER NOT NULL, ib INTEGER NOT NULL, ob INTEGER NOT NULL, "
          + "run INTEGER NOT NULL, PRIMARY KEY (peer, epoch, kernel))");
      s.execute("CREATE TABLE IF NOT EXISTS received (peer TEXT NOT NULL, epoch INTEGER NOT NULL, from_ms INTEGER NOT NULL, "
          + "body BLOB NOT NULL, signature BLOB NOT NULL, countersignature BLOB NOT NULL, PRIMARY KEY (peer, epoch))");
      s.execute("CREATE TABLE IF NOT EXISTS countersigned (subject TEXT NOT NULL, epoch INTEGER NOT NULL, from_ms INTEGER NOT NULL, "
          + "public_key BLOB NOT NULL, signature BLOB NOT NULL, PRIMARY KEY (subject, epoch))");
      s.execute("CREATE TABLE IF NOT EXISTS disputes (role TEXT NOT NULL, peer TEXT NOT NULL, epoch INTEGER NOT NULL, "
          + "from_ms INTEGER NOT NULL, body BLOB NOT NULL, signature BLOB NOT NULL, theirs BLOB NOT NULL, "
          + "theirs_signature BLOB NOT NULL, differences TEXT NOT NULL, at_ms INTEGER NOT NULL, PRIMARY KEY (role, peer, epoch))");
    }
    return new PeerUsageStore(db);
  }

  /** One delta of what {@code peer} ran for this gateway. */
  record Work(String peer, long epoch, long fromMs, String kernel, UsageTotals totals) {}

  /** Adds what peers ran for this gateway, in one synced transaction. */
  synchronized void addWork(List<Work> work) throws SQLException {
    db.setAutoCommit(false);
    try (PreparedStatement up = db.prepareStatement("INSERT INTO work (peer, epoch, kernel, from_ms, jobs, cpu, ib, ob, run) "
        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (peer, epoch, kernel) DO UPDATE SET jobs = jobs + excluded.jobs, "
        + "cpu = cpu + excluded.cpu, ib = ib + excluded.ib, ob = ob + excluded.ob, run = run + excluded.run")) {
      for (Work w : work) {
        up.setString(1, w.peer());
        up.setLong(2, w.epoch());
        up.setString(3, w.kernel());
        up.setLong(4, w.fromMs());
        UsageTotals t = w.totals();
        up.setLong(5, t.jobs());
        up.setLong(6, t.cpuMicros());
        up.setLong(7, t.inputBytes());
        up.setLong(8, t.outputBytes());
        up.setLong(9, t.runMicros());
        up.addBatch();
      }
      up.executeBatch();
      db.commit();
    } catch (SQLException e) {
      db.rollback();
      throw e;
    } finally {
      db.setAutoCommit(true);
    }
  }

  /** What {@code peer} ran for this gateway in {@code epoch}, by kernel. */
  synchronized Map<String, UsageTotals> work(String peer, long epoch) throws SQLException {
    Map<String, UsageTotals> out = new TreeMap<>();
    try (PreparedStatement q = db.prepareStatement("SELECT kernel, jobs, cpu, ib, ob, run FROM work WHERE peer = ? AND epoch = ?")) {
      q.setString(1, peer);
      q.setLong(2, epoch);
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1), new UsageTotals(rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6)));
        }
      }
    }
    return out;
  }

  /** Whether a statement of {@code peer} for {@code epoch} was already countersigned or disputed here. */
  synchronized String settled(String role, String peer, long epoch) throws SQLException {
    String table = EXECUTED.equals(role) ? "countersigned WHERE subject = ?" : "received WHERE peer = ?";
    if (exists("SELECT 1 FROM " + table + " AND epoch = ?", peer, epoch)) {
      return "countersigned";
    }
    return exists("SELECT 1 FROM disputes WHERE role = ? AND peer = ? AND epoch = ?", role, peer, epoch) ? "disputed" : null;
  }

  /** Keeps a peer's statement this gateway countersigned. */
  synchronized void received(SignedUsage u) throws SQLException {
    UsageStatement s = u.statement();
    update("INSERT INTO received (peer, epoch, from_ms, body, signature, countersignature) VALUES (?, ?, ?, ?, ?, ?)",
        s.gatewayId(), s.epoch(), s.fromMs(), u.body(), u.signature(), u.countersignature());
  }

  /** Keeps the countersignature a peer gave this gateway's statement of it. */
  synchronized void countersigned(UsageStatement s, byte[] key, byte[] signature) throws SQLException {
    update("INSERT INTO countersigned (subject, epoch, from_ms, public_key, signature) VALUES (?, ?, ?, ?, ?)",
        s.subjectId(), s.epoch(), s.fromMs(), key, signature);
  }

  /** The countersignature of this gateway's statement of {@code subject} for {@code epoch}: key and signature, or null. */
  synchronized byte[][] countersignature(String subject, long epoch) throws SQLException {
    try (PreparedStatement q = db.prepareStatement("SELECT public_key, signature FROM countersigned WHERE subject = ? AND epoch = ?")) {
      q.setString(1, subject);
      q.setLong(2, epoch);
      try (ResultSet rs = q.executeQuery()) {
        return rs.next() ? new byte[][] {rs.getBytes(1), rs.getBytes(2)} : null;
      }
    }
  }

  synchronized void dispute(Dispute d) throws SQLException {
    UsageStatement s = d.executor().statement();
    update("INSERT INTO disputes (role, peer, epoch, from_ms, body, signature, theirs, theirs_signature, differences, at_ms) "
        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", d.role(), d.peer(), d.epoch(), s.fromMs(), d.executor().body(),
        d.executor().signature(), d.requester().body(), d.requester().signature(), d.differences(), d.atMs());
  }

  /** Disputes whose epoch starts in [fromMs, toMs), oldest first, at most {@code limit}. */
  synchronized List<Dispute> disputes(long fromMs, long toMs, int limit) throws SQLException {
    List<Dispute> out = new ArrayList<>();
    try (PreparedStatement q = db.prepareStatement("SELECT role, peer, epoch, body, signature, theirs, theirs_signature, "
        + "differences, at_ms FROM disputes WHERE from_ms >= ? AND from_ms < ? ORDER BY from_ms, peer, role LIMIT ?")) {
      q.setLong(1, fromMs);
      q.setLong(2, toMs);
      q.setInt(3, limit);
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          out.add(new Dispute(rs.getString(1), rs.getString(2), rs.getLong(3), signed(rs.getBytes(4), rs.getBytes(5)),
              signed(rs.getBytes(6), rs.getBytes(7)), rs.getString(8), rs.getLong(9)));
        }
      }
    } catch (IllegalArgumentException e) {
      throw new SQLException("a stored dispute cannot be read: " + e.getMessage(), e);
    }
    return out;
  }

  private static SignedUsage signed(byte[] body, byte[] signature) {
    return new SignedUsage(UsageStatement.parse(body), body, signature, null, null, null);
  }

  /** Removes every record whose epoch started before {@code beforeMs}; returns how many went. */
  synchronized int prune(long beforeMs) throws SQLException {
    int n = 0;
    for (String table : List.of("work", "received", "countersigned", "disputes")) {
      try (PreparedStatement d = db.prepareStatement("DELETE FROM " + table + " WHERE from_ms < ?")) {
        d.setLong(1, beforeMs);
        n += d.executeUpdate();
      }
    }
    return n;
  }

  private boolean exists(String sql, Object... args) throws SQLException {
    try (PreparedStatement q = db.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        q.setObject(i + 1, args[i]);
      }
      try (ResultSet rs = q.executeQuery()) {
        return rs.next();
      }
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
      // Every write committed or rolled back.
    }
  }
}
