package dev.cairn.runtime.metering;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/** The usage stores' one-statement writes. */
final class Sql {
  private Sql() {}

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
