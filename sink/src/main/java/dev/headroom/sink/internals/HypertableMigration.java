package dev.headroom.sink.internals;

import dev.headroom.sink.ResultTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
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
 */
final class HypertableMigration implements JavaMigration {
  private static final Logger LOG = LoggerFactory.getLogger(HypertableMigration.class);

  private final Map<ResultTable, String> chunkIntervals;
  private final boolean timescaleReady;

  /**
   * @param chunkIntervals vetted intervals such as {@code 1 day}; they are bound, never spliced into SQL
   * @param timescaleReady what {@link #timescaleReady(Connection)} said before the migration, for the checksum
   */
  HypertableMigration(Map<ResultTable, String> chunkIntervals, boolean timescaleReady) {
    this.chunkIntervals = new EnumMap<>(chunkIntervals);
    this.timescaleReady = timescaleReady;
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
    return Objects.hash(chunkIntervals.toString(), timescaleReady);
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
