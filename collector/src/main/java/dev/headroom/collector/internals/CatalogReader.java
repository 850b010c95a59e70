package dev.headroom.collector.internals;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the catalog sections in one read-only transaction with statement and lock timeouts,
 * so a snapshot is consistent and can neither hang nor hold up the monitored database.
 * Queries use bind parameters only; column differences between versions are chosen by
 * {@code server_version_num}, never by text from the server.
 */
public final class CatalogReader {
  private static final Logger LOG = LoggerFactory.getLogger(CatalogReader.class);

  public record Options(long statementTimeoutMs, long lockTimeoutMs, int statementsMax, int queryMaxLength,
      boolean queryText) {}

  private final Options options;
  private boolean warnedNoStatements;

  public CatalogReader(Options options) {
    this.options = options;
  }

  public CatalogSnapshot read(Connection c) throws SQLException {
    c.setAutoCommit(false);
    c.setReadOnly(true);
    try {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT set_config('statement_timeout', ?, true), set_config('lock_timeout', ?, true)")) {
        ps.setString(1, options.statementTimeoutMs() + "ms");
        ps.setString(2, options.lockTimeoutMs() + "ms");
        ps.execute();
      }
      Instant capturedAt;
      Instant postmasterStart;
      int version;
      boolean standby;
      String preload;
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT now(), pg_postmaster_start_time(), current_setting('server_version_num')::int, pg_is_in_recovery(),"
              + " current_setting('shared_preload_libraries')");
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        capturedAt = rs.getTimestamp(1).toInstant();
        postmasterStart = rs.getTimestamp(2).toInstant();
        version = rs.getInt(3);
        standby = rs.getBoolean(4);
        preload = rs.getString(5);
      }
      Map<String, List<Map<String, Object>>> sections = new LinkedHashMap<>();
      Map<String, Boolean> truncated = new LinkedHashMap<>();
      Instant statementsReset = null;
      if (statementsAvailable(c, preload)) {
        StatementsResult statements = statements(c, version);
        sections.put("statements", statements.rows());
        truncated.put("statements", statements.truncated());
        if (version >= 140000) {
          statementsReset = single(c, "SELECT stats_reset FROM pg_stat_statements_info");
        }
      }
      sections.put("databases", rows(c, DATABASES));
      c.commit();
      return new CatalogSnapshot(capturedAt, postmasterStart, version, null, standby, statementsReset, sections, truncated);
    } catch (SQLException e) {
      rollbackQuietly(c);
      throw e;
    }
  }

  /** The instance's system identifier, read once per connection; null without the privilege to read it. */
  public static String systemIdentifier(Connection c) {
    try (PreparedStatement ps = c.prepareStatement("SELECT system_identifier::text FROM pg_control_system()");
        ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getString(1) : null;
    } catch (SQLException e) {
      LOG.debug("cannot read the system identifier: {}", e.getMessage());
      rollbackQuietly(c);
      return null;
    }
  }

  private boolean statementsAvailable(Connection c, String preload) throws SQLException {
    boolean installed;
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'"); ResultSet rs = ps.executeQuery()) {
      installed = rs.next();
    }
    boolean loaded = preload != null && preload.contains("pg_stat_statements");
    if (installed && loaded) {
      warnedNoStatements = false;
      return true;
    }
    if (!warnedNoStatements) {
      warnedNoStatements = true;
      String fix = !loaded
          ? "add pg_stat_statements to shared_preload_libraries and restart PostgreSQL, then run CREATE EXTENSION pg_stat_statements"
          : "run CREATE EXTENSION pg_stat_statements in " + c.getCatalog();
      LOG.warn("pg_stat_statements is not available: the statements section is not collected "
          + "(every other section still is). To fix it, {}.", fix);
    }
    return false;
  }

  record StatementsResult(List<Map<String, Object>> rows, boolean truncated) {}

  private StatementsResult statements(Connection c, int version) throws SQLException {
    String toplevel = version >= 140000 ? "s.toplevel" : "true";
    String statsSince = version >= 170000 ? ", s.stats_since" : "";
    String query = options.queryText() ? "left(s.query, ?)" : "NULL::text";
    String sql = "SELECT s.queryid, d.datname, r.rolname AS usename, " + toplevel + " AS toplevel, "
        + query + " AS query, s.calls, s.total_exec_time AS total_exec_time_ms,"
        + " s.min_exec_time AS min_exec_time_ms, s.max_exec_time AS max_exec_time_ms,"
        + " s.mean_exec_time AS mean_exec_time_ms, s.stddev_exec_time AS stddev_exec_time_ms, s.rows,"
        + " s.shared_blks_hit, s.shared_blks_read, s.temp_blks_written, s.wal_bytes" + statsSince + ","
        + " count(*) OVER () AS headroom_total"
        + " FROM pg_stat_statements s"
        + " LEFT JOIN pg_database d ON d.oid = s.dbid"
        + " LEFT JOIN pg_roles r ON r.oid = s.userid"
        + " ORDER BY s.total_exec_time DESC LIMIT ?";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      int i = 1;
      if (options.queryText()) {
        ps.setInt(i++, options.queryMaxLength());
      }
      ps.setInt(i, options.statementsMax());
      List<Map<String, Object>> rows = new ArrayList<>();
      long total = 0;
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Map<String, Object> row = row(rs);
          total = ((Number) row.remove("headroom_total")).longValue();
          // entries of dropped databases or roles keep their counters under an empty name
          if (row.get("datname") == null) {
            row.put("datname", "");
          }
          if (row.get("usename") == null) {
            row.put("usename", "");
          }
          rows.add(row);
        }
      }
      return new StatementsResult(rows, total > rows.size());
    }
  }

  private static final String DATABASES = "SELECT d.datname, s.numbackends, s.xact_commit, s.xact_rollback,"
      + " s.blks_read, s.blks_hit, s.tup_returned, s.tup_fetched, s.tup_inserted, s.tup_updated, s.tup_deleted,"
      + " s.deadlocks, s.temp_bytes, s.stats_reset,"
      + " CASE WHEN d.datallowconn THEN pg_database_size(d.oid) END AS size_bytes,"
      + " age(d.datfrozenxid) AS frozen_xid_age"
      + " FROM pg_database d JOIN pg_stat_database s ON s.datid = d.oid"
      + " ORDER BY d.datname";

  private static List<Map<String, Object>> rows(Connection c, String sql) throws SQLException {
    List<Map<String, Object>> rows = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        rows.add(row(rs));
      }
    }
    return rows;
  }

  private static Instant single(Connection c, String sql) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
      if (rs.next()) {
        Timestamp ts = rs.getTimestamp(1);
        return ts == null ? null : ts.toInstant();
      }
      return null;
    }
  }

  /** One row as JSON-ready values: integers as longs, other numbers as doubles, times as instants. */
  static Map<String, Object> row(ResultSet rs) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 1; i <= md.getColumnCount(); i++) {
      String name = md.getColumnLabel(i);
      Object value;
      switch (md.getColumnType(i)) {
        case Types.BIGINT, Types.INTEGER, Types.SMALLINT -> {
          long v = rs.getLong(i);
          value = rs.wasNull() ? null : v;
        }
        case Types.NUMERIC, Types.DECIMAL -> {
          BigDecimal v = rs.getBigDecimal(i);
          value = v == null ? null : v.scale() <= 0 || v.stripTrailingZeros().scale() <= 0 ? (Object) v.longValue()
              : (Object) v.doubleValue();
        }
        case Types.DOUBLE, Types.REAL, Types.FLOAT -> {
          double v = rs.getDouble(i);
          value = rs.wasNull() ? null : v;
        }
        case Types.TIMESTAMP, Types.TIMESTAMP_WITH_TIMEZONE -> {
          Timestamp ts = rs.getTimestamp(i);
          value = ts == null ? null : ts.toInstant();
        }
        case Types.BIT, Types.BOOLEAN -> {
          boolean v = rs.getBoolean(i);
          value = rs.wasNull() ? null : v;
        }
        default -> value = rs.getString(i);
      }
      row.put(name, value);
    }
    return row;
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // the connection is broken; the caller reconnects
    }
  }
}
