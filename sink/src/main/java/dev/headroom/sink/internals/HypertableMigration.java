package dev.headroom.sink.internals;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes {@code latency_windows} a TimescaleDB hypertable on {@code window_end} where TimescaleDB is
 * installed and preloaded; on plain PostgreSQL it does nothing and the table stays a plain table.
 *
 * <p>A repeatable migration, so that it runs again when its checksum changes: the checksum covers
 * the chunk interval and whether TimescaleDB was ready, so a new interval or a database that gained
 * TimescaleDB later is handled on the next start ({@code migrate_data} converts existing rows).
 * Written in Java rather than SQL because it is conditional and takes the interval as a bound
 * parameter instead of a text placeholder.
 */
final class HypertableMigration implements JavaMigration {
  private static final Logger LOG = LoggerFactory.getLogger(HypertableMigration.class);

  private final String chunkInterval;
  private final boolean timescaleReady;

  /**
   * @param chunkInterval a vetted interval such as {@code 1 day}; it is bound, never spliced into SQL
   * @param timescaleReady what {@link #timescaleReady(Connection)} said before the migration, for the checksum
   */
  HypertableMigration(String chunkInterval, boolean timescaleReady) {
    this.chunkInterval = Objects.requireNonNull(chunkInterval, "chunkInterval");
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
    return "latency_windows hypertable";
  }

  @Override
  public Integer getChecksum() {
    return Objects.hash(chunkInterval, timescaleReady);
  }

  @Override
  public boolean canExecuteInTransaction() {
    return true;
  }

  @Override
  public void migrate(Context context) throws SQLException {
    Connection c = context.getConnection();
    // Asked again inside the migration's transaction: this is what the table's shape follows.
    if (!timescaleReady(c)) {
      LOG.info("TimescaleDB is not available or not in shared_preload_libraries: latency_windows stays a plain table");
      return;
    }
    try (Statement s = c.createStatement()) {
      s.execute("CREATE EXTENSION IF NOT EXISTS timescaledb");
    }
    try (PreparedStatement create = c.prepareStatement("SELECT create_hypertable('latency_windows',"
        + " by_range('window_end', ?::interval), if_not_exists => true, migrate_data => true)")) {
      create.setString(1, chunkInterval);
      create.execute();
    }
    // create_hypertable leaves an existing hypertable alone; this applies a changed interval to new chunks.
    try (PreparedStatement interval = c.prepareStatement(
        "SELECT set_chunk_time_interval('latency_windows', ?::interval)")) {
      interval.setString(1, chunkInterval);
      interval.execute();
    }
    LOG.info("latency_windows is a hypertable on window_end with chunks of {}", chunkInterval);
  }
}
