package dev.cairn.anchor.impl;

import dev.cairn.anchor.AnchorErrorCode;
import dev.cairn.anchor.AnchorException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.function.ObjLongConsumer;
import org.sqlite.SQLiteConfig;

/**
 * Reads the journal's leaves in order on a read-only connection of its own, so the writer is not held
 * up. Used when the gateway starts, to rebuild what it keeps in memory about recent leaves.
 */
final class LeafScan {
  private LeafScan() {}

  /**
   * Calls {@code leaves} with every leaf journaled at or after {@code createdFromMs} and the time it was
   * journaled; returns how many.
   */
  static long scan(Path dataDir, long createdFromMs, ObjLongConsumer<byte[]> leaves) {
    SQLiteConfig config = new SQLiteConfig();
    config.setReadOnly(true);
    String url = "jdbc:sqlite:" + dataDir.resolve(Journal.FILE);
    try (Connection db = DriverManager.getConnection(url, config.toProperties());
        PreparedStatement q = db.prepareStatement("SELECT leaf, created_ms FROM leaves WHERE created_ms >= ? ORDER BY seq")) {
      q.setLong(1, createdFromMs);
      long n = 0;
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          leaves.accept(rs.getBytes(1), rs.getLong(2));
          n++;
        }
      }
      return n;
    } catch (SQLException e) {
      throw new AnchorException(AnchorErrorCode.JOURNAL_IO, "the journal's leaves could not be read: " + e.getMessage(), e);
    }
  }
}
