package dev.headroom.sink.internals;

import dev.headroom.sink.ResultTable;
import dev.headroom.sink.StorageMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops what is older than each table's retention: whole chunks with {@code drop_chunks} on
 * TimescaleDB (under the Apache licence, where {@code add_retention_policy} is not available), whole
 * partitions on plain PostgreSQL. Each table in a transaction of its own, which gives up after a
 * short lock wait rather than queue behind a long dashboard query and block the writes behind it.
 */
final class Retention {
  private static final Logger LOG = LoggerFactory.getLogger(Retention.class);

  private Retention() {}

  /**
   * Applies every retention; a table that fails is logged and left for the next run.
   *
   * @return the chunks or partitions dropped
   */
  static int apply(Connection c, StorageMode mode, Partitions partitions, Map<ResultTable, Duration> retentions,
      Instant now) {
    int dropped = 0;
    for (Map.Entry<ResultTable, Duration> e : retentions.entrySet()) {
      ResultTable table = e.getKey();
      Instant cutoff = now.minus(e.getValue());
      try {
        try (Statement s = c.createStatement()) {
          s.execute("SET LOCAL lock_timeout = '5s'");
        }
        List<String> gone = mode == StorageMode.PLAIN
            ? partitions.dropOlderThan(c, table, cutoff) : dropChunks(c, table, cutoff);
        c.commit();
        if (!gone.isEmpty()) {
          LOG.info("retention of {}: dropped {} older than {}: {}", table.tableName(),
              mode == StorageMode.PLAIN ? "partitions" : "chunks", cutoff, gone);
        }
        dropped += gone.size();
      } catch (SQLException ex) {
        rollback(c);
        partitions.forget();
        LOG.warn("retention of {} failed, tried again on the next run: SQLSTATE {}: {}", table.tableName(),
            ex.getSQLState(), ex.getMessage());
      }
    }
    return dropped;
  }

  private static List<String> dropChunks(Connection c, ResultTable table, Instant cutoff) throws SQLException {
    List<String> chunks = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT drop_chunks(?::regclass, older_than => ?::timestamptz)")) {
      s.setString(1, table.tableName());
      s.setObject(2, OffsetDateTime.ofInstant(cutoff, ZoneOffset.UTC));
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          chunks.add(rs.getString(1));
        }
      }
    }
    return chunks;
  }

  private static void rollback(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // A broken connection: the caller's next write finds out and connects again.
    }
  }
}
