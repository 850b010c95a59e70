package dev.headroom.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Cumulative pg_stat_statements readings on a connection of its own, tagged with the server's
 * clock at the start of the read (the same clock that stamps the duration log).
 */
public final class StatementSnapshots implements AutoCloseable {
  public static final String APPLICATION_NAME = "bench-snapshotter";

  /** One statement's cumulative counters at one capture. */
  public record Row(long queryId, String query, long calls, double totalExecTimeMs, double meanExecTimeMs,
      double stddevExecTimeMs) {}

  /** All statements of the benchmark's database at one instant. */
  public record Snapshot(Instant capturedAt, Map<Long, Row> rows) {}

  private static final String SQL = "SELECT statement_timestamp() AS captured_at, s.queryid, s.query, s.calls,"
      + " s.total_exec_time, s.mean_exec_time, s.stddev_exec_time"
      + " FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid"
      + " WHERE d.datname = current_database() AND s.toplevel";

  private final Connection connection;
  private final PreparedStatement read;
  private final List<Snapshot> taken = Collections.synchronizedList(new ArrayList<>());

  public StatementSnapshots(String jdbcUrl) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", "postgres");
    props.setProperty("ApplicationName", APPLICATION_NAME);
    this.connection = DriverManager.getConnection(jdbcUrl, props);
    this.read = connection.prepareStatement(SQL);
  }

  public void reset() throws SQLException {
    try (var s = connection.createStatement()) {
      s.execute("SELECT pg_stat_statements_reset()");
    }
  }

  public synchronized Snapshot take() throws SQLException {
    Instant at = null;
    Map<Long, Row> rows = new HashMap<>();
    try (ResultSet rs = read.executeQuery()) {
      while (rs.next()) {
        at = rs.getObject(1, OffsetDateTime.class).toInstant();
        long queryId = rs.getLong(2);
        Row row = new Row(queryId, rs.getString(3), rs.getLong(4), rs.getDouble(5), rs.getDouble(6), rs.getDouble(7));
        if (rows.put(queryId, row) != null) {
          throw new IllegalStateException("queryid " + queryId + " appears twice: the benchmark expects one user");
        }
      }
    }
    if (at == null) { // no statements yet: the capture time still comes from the server's clock
      try (var s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT statement_timestamp()")) {
        rs.next();
        at = rs.getObject(1, OffsetDateTime.class).toInstant();
      }
    }
    Snapshot snapshot = new Snapshot(at, Map.copyOf(rows));
    taken.add(snapshot);
    return snapshot;
  }

  public List<Snapshot> taken() {
    synchronized (taken) {
      return List.copyOf(taken);
    }
  }

  @Override
  public void close() throws SQLException {
    connection.close();
  }
}
