package dev.headroom.sink.internals;

import dev.headroom.sink.ResultTable;
import dev.headroom.sink.StorageMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Brings the sink's schema up to date with Flyway and tells which {@link StorageMode} it ended in. */
public final class SchemaMigrator {
  private static final Logger LOG = LoggerFactory.getLogger(SchemaMigrator.class);

  private SchemaMigrator() {}

  /**
   * Migrates the schema: the migrations in {@code db/migration} with {@link LatencyWindowsPartitioning},
   * then {@link HypertableMigration}. Whether the server has TimescaleDB decides, when a table is
   * created, whether it is partitioned by the sink (placeholders {@code <table>_partitioning}).
   * Concurrent sinks are safe: Flyway serialises them with an advisory lock.
   *
   * @param chunkIntervals vetted intervals per table (see {@code SinkConfig.table.<name>.chunk.interval})
   * @param compressAfter vetted ages per table after which TimescaleDB compresses chunks, under the
   *     Timescale licence only (see {@code SinkConfig.table.<name>.compress.after})
   */
  public static StorageMode migrate(Database database, Map<ResultTable, String> chunkIntervals,
      Map<ResultTable, Optional<String>> compressAfter) throws SQLException {
    boolean timescaleReady;
    boolean timescaleLicense;
    try (Connection c = database.connect()) {
      timescaleReady = HypertableMigration.timescaleReady(c);
      timescaleLicense = timescaleReady && HypertableMigration.timescaleLicense(c);
      c.rollback();
    }
    Map<String, String> placeholders = new HashMap<>();
    for (ResultTable table : ResultTable.values()) {
      // Code-made text only: the time column comes from ResultTable.
      placeholders.put(table.tableName() + "_partitioning",
          timescaleReady ? "" : "PARTITION BY RANGE (" + table.timeColumn() + ")");
    }
    MigrateResult result = Flyway.configure(SchemaMigrator.class.getClassLoader())
        .dataSource(database.dataSource())
        .locations("classpath:db/migration")
        .placeholders(placeholders)
        // The hypertable migration was named after latency_windows alone before version 2.
        .ignoreMigrationPatterns("repeatable:missing")
        .javaMigrations(new LatencyWindowsPartitioning(timescaleReady),
            new HypertableMigration(chunkIntervals, timescaleReady, timescaleLicense, compressAfter))
        .load()
        .migrate();
    if (result.migrationsExecuted > 0) {
      LOG.info("schema migrated to version {} ({} migrations applied)", result.targetSchemaVersion,
          result.migrationsExecuted);
    }
    try (Connection c = database.connect()) {
      StorageMode mode = storageMode(c);
      c.rollback();
      return mode;
    }
  }

  /** TimescaleDB counts only where latency_windows really is a hypertable; the licence tells which features exist. */
  static StorageMode storageMode(Connection c) throws SQLException {
    String license;
    try (PreparedStatement s = c.prepareStatement("SELECT current_setting('timescaledb.license', true)"
        + " FROM pg_extension WHERE extname = 'timescaledb'");
        ResultSet rs = s.executeQuery()) {
      if (!rs.next()) {
        return StorageMode.PLAIN;
      }
      license = rs.getString(1);
    }
    try (PreparedStatement s = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM timescaledb_information.hypertables"
        + " WHERE hypertable_schema = current_schema() AND hypertable_name = 'latency_windows')");
        ResultSet rs = s.executeQuery()) {
      if (!rs.next() || !rs.getBoolean(1)) {
        return StorageMode.PLAIN;
      }
    }
    return "timescale".equals(license) ? StorageMode.TIMESCALEDB_TSL : StorageMode.TIMESCALEDB_APACHE;
  }
}
