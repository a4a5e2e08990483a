package dev.cairn.runtime.metering;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/** The usage stores' SQLite connections and one-statement writes. */
final class Sql {
  private Sql() {}

  /** The SQLite database {@code file}, in WAL mode with every commit synced (a sealed statement is not lost). */
  static Connection open(Path file) throws SQLException {
    Connection db = DriverManager.getConnection("jdbc:sqlite:" + file);
    try (Statement s = db.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=FULL");
    }
    return db;
  }

  /** Runs {@code sql} on {@code db} with {@code args} bound in order. */
  static void update(Connection db, String sql, Object... args) throws SQLException {
    try (PreparedStatement u = db.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        u.setObject(i + 1, args[i]);
      }
      u.executeUpdate();
    }
  }
}
