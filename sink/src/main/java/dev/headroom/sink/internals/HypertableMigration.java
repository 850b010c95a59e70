package dev.headroom.sink.internals;

import dev.headroom.sink.ResultTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes every result table a TimescaleDB hypertable on its time column, with its chunk interval,
 * where TimescaleDB is installed and preloaded; on plain PostgreSQL it does nothing (the tables
 * are range-partitioned there, see {@link Partitions}).
 *
 * <p>A repeatable migration, so that it runs again when its checksum changes: the checksum covers
 * the chunk intervals and whether TimescaleDB was ready, so a new interval or a database that gained
 * TimescaleDB later is handled on the next start ({@code migrate_data} converts existing rows). A
 * table created partitioned, because the database had no TimescaleDB then, stays partitioned.
 * Written in Java rather than SQL because it is conditional and takes the interval as a bound
 * parameter instead of a text placeholder.
 *
 * <p>Under the Timescale licence ({@code timescaledb.license = timescale}) it also turns on
 * compression (segmented by instance, newest first) with a compression policy per table whose
 * {@code compress.after} is set, and replaces the plain view {@code usage_hourly} with a continuous
 * aggregate of the same columns, refreshed hourly by a policy. The Apache edition offers neither,
 * so there nothing of this is asked for.
 */
final class HypertableMigration implements JavaMigration {
  private static final Logger LOG = LoggerFactory.getLogger(HypertableMigration.class);

  private final Map<ResultTable, String> chunkIntervals;
  private final boolean timescaleReady;
  private final boolean timescaleLicense;
  private final Map<ResultTable, Optional<String>> compressAfter;

  /**
   * @param chunkIntervals vetted intervals such as {@code 1 day}; they are bound, never spliced into SQL
   * @param timescaleReady what {@link #timescaleReady(Connection)} said before the migration, for the checksum
   */
  HypertableMigration(Map<ResultTable, String> chunkIntervals, boolean timescaleReady, boolean timescaleLicense,
      Map<ResultTable, Optional<String>> compressAfter) {
    this.chunkIntervals = new EnumMap<>(chunkIntervals);
    this.timescaleReady = timescaleReady;
    this.timescaleLicense = timescaleLicense;
    this.compressAfter = new EnumMap<>(compressAfter);
  }

  /** Whether TimescaleDB runs under the Timescale licence, with compression and continuous aggregates. */
  static boolean timescaleLicense(Connection connection) throws SQLException {
    try (Statement s = connection.createStatement();
        var rs = s.executeQuery("SELECT current_setting('timescaledb.license', true) = 'timescale'")) {
      return rs.next() && rs.getBoolean(1);
    }
  }

  /** Whether the server offers TimescaleDB and loads it at start, as the extension requires. */
  static boolean timescaleReady(Connection connection) throws SQLException {
    try (Statement s = connection.createStatement();
        var rs = s.executeQuery("SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')"
            + " AND current_setting('shared_preload_libraries') ~ 'timescaledb'")) {
      return rs.next() && rs.getBoolean(1);
    }
  }

  @Override
  public MigrationVersion getVersion() {
    return null; // repeatable
  }

  @Override
  public String getDescription() {
    return "hypertables";
  }

  @Override
  public Integer getChecksum() {
    // The licence and compression ages count only where they are used, so the Apache edition and
    // plain PostgreSQL keep the checksum they had.
    return timescaleLicense ? Objects.hash(chunkIntervals.toString(), timescaleReady, compressAfter.toString())
        : Objects.hash(chunkIntervals.toString(), timescaleReady);
  }

  @Override
  public boolean canExecuteInTransaction() {
    return true;
  }

  @Override
  public void migrate(Context context) throws SQLException {
    Connection c = context.getConnection();
    // Asked again inside the migration's transaction: this is what the tables' shape follows.
    if (!timescaleReady(c)) {
      LOG.info("TimescaleDB is not available or not in shared_preload_libraries: the result tables are "
          + "partitioned by the sink");
      return;
    }
    try (Statement s = c.createStatement()) {
      s.execute("CREATE EXTENSION IF NOT EXISTS timescaledb");
    }
    for (Map.Entry<ResultTable, String> e : chunkIntervals.entrySet()) {
      ResultTable table = e.getKey();
      if (partitioned(c, table)) {
        LOG.info("{} was created partitioned, before the database had TimescaleDB: it stays so", table.tableName());
        continue;
      }
      // Table and column names come from ResultTable; the interval is bound.
      try (PreparedStatement create = c.prepareStatement("SELECT create_hypertable('" + table.tableName()
          + "', by_range('" + table.timeColumn() + "', ?::interval), if_not_exists => true, migrate_data => true)")) {
        create.setString(1, e.getValue());
        create.execute();
      }
      // create_hypertable leaves an existing hypertable alone; this applies a changed interval to new chunks.
      try (PreparedStatement interval = c.prepareStatement(
          "SELECT set_chunk_time_interval('" + table.tableName() + "', ?::interval)")) {
        interval.setString(1, e.getValue());
        interval.execute();
      }
      LOG.info("{} is a hypertable on {} with chunks of {}", table.tableName(), table.timeColumn(), e.getValue());
    }
    if (timescaleLicense(c)) {
      compression(c);
      usageHourly(c);
    }
  }

  /** Compression and its policy per table, as {@code compress.after} says; a changed age replaces the policy. */
  private void compression(Connection c) throws SQLException {
    for (ResultTable table : chunkIntervals.keySet()) {
      if (partitioned(c, table)) {
        continue;
      }
      String name = table.tableName();
      Optional<String> after = compressAfter.getOrDefault(table, Optional.empty());
      boolean enabled;
      try (PreparedStatement s = c.prepareStatement("SELECT compression_enabled FROM timescaledb_information.hypertables"
          + " WHERE hypertable_schema = current_schema() AND hypertable_name = ?")) {
        s.setString(1, name);
        try (var rs = s.executeQuery()) {
          enabled = rs.next() && rs.getBoolean(1);
        }
      }
      // Names come from ResultTable; the age is bound.
      try (Statement s = c.createStatement()) {
        if (after.isPresent() && !enabled) {
          // A unique key's columns must be among the segmenting and ordering ones: latency_windows' key.
          String segmentBy = table == ResultTable.LATENCY_WINDOWS ? "instance_id, scope, window_size" : "instance_id";
          s.execute("ALTER TABLE " + name + " SET (timescaledb.compress, timescaledb.compress_segmentby = '" + segmentBy
              + "', timescaledb.compress_orderby = '" + table.timeColumn() + " DESC')");
        }
        if (after.isPresent() || enabled) {
          s.execute("SELECT remove_compression_policy('" + name + "', if_exists => true)");
        }
      }
      if (after.isPresent()) {
        try (PreparedStatement s = c.prepareStatement(
            "SELECT add_compression_policy('" + name + "', compress_after => ?::interval)")) {
          s.setString(1, after.get());
          s.execute();
        }
        LOG.info("{}: chunks older than {} are compressed by TimescaleDB", name, after.get());
      }
    }
  }

  /** {@code usage_hourly} as a continuous aggregate, the plain view of migration 5 replaced. */
  private static void usageHourly(Connection c) throws SQLException {
    if (partitioned(c, ResultTable.USAGE)) {
      return; // a continuous aggregate needs a hypertable; the plain view stays
    }
    boolean aggregate;
    try (Statement s = c.createStatement(); var rs = s.executeQuery("SELECT EXISTS (SELECT 1 FROM"
        + " timescaledb_information.continuous_aggregates WHERE view_schema = current_schema()"
        + " AND view_name = 'usage_hourly')")) {
      aggregate = rs.next() && rs.getBoolean(1);
    }
    if (aggregate) {
      return;
    }
    try (Statement s = c.createStatement()) {
      s.execute("DROP VIEW IF EXISTS usage_hourly");
      // WITH NO DATA, as a continuous aggregate made inside a transaction must be; the policy fills it.
      s.execute("CREATE MATERIALIZED VIEW usage_hourly WITH (timescaledb.continuous) AS"
          + " SELECT instance_id, resource, time_bucket(INTERVAL '1 hour', at) AS bucket, max(value) AS peak,"
          + " avg(value) AS mean, max(capacity) AS capacity, count(*) AS readings"
          + " FROM usage GROUP BY instance_id, resource, time_bucket(INTERVAL '1 hour', at) WITH NO DATA");
      s.execute("SELECT add_continuous_aggregate_policy('usage_hourly', start_offset => INTERVAL '3 days',"
          + " end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '1 hour', if_not_exists => true)");
    }
    LOG.info("usage_hourly is a continuous aggregate of usage, refreshed hourly");
  }

  private static boolean partitioned(Connection c, ResultTable table) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(?)")) {
      s.setString(1, table.tableName());
      try (var rs = s.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }
}
