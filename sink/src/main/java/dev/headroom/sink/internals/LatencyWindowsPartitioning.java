package dev.headroom.sink.internals;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Version 3: on plain PostgreSQL, makes the {@code latency_windows} table of version 1 a table
 * partitioned by {@code window_end}, like every other result table (version 2); on TimescaleDB it
 * does nothing ({@link HypertableMigration} makes it a hypertable). Rows already there move into
 * one partition that covers them. Java, because it depends on what the server offers.
 */
final class LatencyWindowsPartitioning implements JavaMigration {
  private static final Logger LOG = LoggerFactory.getLogger(LatencyWindowsPartitioning.class);

  private final boolean timescaleReady;

  LatencyWindowsPartitioning(boolean timescaleReady) {
    this.timescaleReady = timescaleReady;
  }

  @Override
  public MigrationVersion getVersion() {
    return MigrationVersion.fromVersion("3");
  }

  @Override
  public String getDescription() {
    return "latency_windows partitioned on plain PostgreSQL";
  }

  @Override
  public Integer getChecksum() {
    return 3;
  }

  @Override
  public boolean canExecuteInTransaction() {
    return true;
  }

  @Override
  public void migrate(Context context) throws SQLException {
    Connection c = context.getConnection();
    if (timescaleReady || !"r".equals(relkind(c))) {
      return;
    }
    try (Statement s = c.createStatement()) {
      s.execute("ALTER TABLE latency_windows RENAME TO latency_windows_unpartitioned");
      s.execute("ALTER INDEX latency_windows_pkey RENAME TO latency_windows_unpartitioned_pkey");
      s.execute("ALTER INDEX latency_windows_instance_end RENAME TO latency_windows_unpartitioned_instance_end");
      s.execute("CREATE TABLE latency_windows (LIKE latency_windows_unpartitioned INCLUDING DEFAULTS,"
          + " PRIMARY KEY (instance_id, scope, window_size, window_end)) PARTITION BY RANGE (window_end)");
      s.execute("CREATE INDEX latency_windows_instance_end ON latency_windows (instance_id, window_end DESC)");
    }
    OffsetDateTime first;
    OffsetDateTime last;
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT min(window_end), max(window_end) FROM latency_windows_unpartitioned")) {
      rs.next();
      first = rs.getObject(1, OffsetDateTime.class);
      last = rs.getObject(2, OffsetDateTime.class);
    }
    if (first != null) {
      // One partition for what is there; the sink adds aligned partitions around it as rows arrive.
      // Bounds in whole milliseconds, the precision the sink's partitions are kept in.
      Instant start = first.toInstant().truncatedTo(ChronoUnit.MILLIS);
      Instant end = last.toInstant().truncatedTo(ChronoUnit.MILLIS).plusMillis(1);
      try (PreparedStatement s = c.prepareStatement("CREATE TABLE latency_windows_migrated PARTITION OF latency_windows"
          + " FOR VALUES FROM (" + Partitions.literal(start) + ") TO (" + Partitions.literal(end) + ")")) {
        s.execute();
      }
      try (PreparedStatement s = c.prepareStatement("INSERT INTO sink_partitions (table_name, partition_name,"
          + " range_start, range_end) VALUES ('latency_windows', 'latency_windows_migrated', ?, ?)")) {
        s.setObject(1, OffsetDateTime.ofInstant(start, ZoneOffset.UTC));
        s.setObject(2, OffsetDateTime.ofInstant(end, ZoneOffset.UTC));
        s.execute();
      }
      try (Statement s = c.createStatement()) {
        int moved = s.executeUpdate("INSERT INTO latency_windows SELECT * FROM latency_windows_unpartitioned");
        LOG.info("latency_windows is now partitioned by window_end; {} rows moved", moved);
      }
    }
    try (Statement s = c.createStatement()) {
      s.execute("DROP TABLE latency_windows_unpartitioned");
    }
  }

  private static String relkind(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT relkind FROM pg_class WHERE oid = to_regclass('latency_windows')")) {
      return rs.next() ? rs.getString(1) : null;
    }
  }
}
