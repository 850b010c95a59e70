package dev.headroom.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.headroom.testkit.TimescaleFixture;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The sink on a real TimescaleDB server: every result table becomes a hypertable. Here that is the
 * Apache edition of Debian 13's root; where a Docker engine runs, the fixture is the official image,
 * under the Timescale licence, and the compression and continuous aggregate are checked too.
 */
class TimescaleSinkIT extends AbstractSinkWriterIT {
  private static final TimescaleFixture TSDB = TimescaleFixture.get();
  private static final boolean TIMESCALE_LICENSE = timescaleLicense();

  private static boolean timescaleLicense() {
    try (Connection c = DriverManager.getConnection(TSDB.url("postgres"), TSDB.user(), TSDB.password());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT current_setting('timescaledb.license', true)")) {
      return rs.next() && "timescale".equals(rs.getString(1));
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read timescaledb.license: " + e.getMessage(), e);
    }
  }

  private final List<Timescale> databases = new ArrayList<>();

  @Override
  protected TestDatabase freshDatabase(String name) {
    Timescale db = new Timescale(TSDB.createDatabase(name));
    databases.add(db);
    return db;
  }

  /**
   * The server is shared, so the outage is of this database alone: it stops accepting connections
   * (superusers included) and its sessions are terminated, as when a server goes down.
   */
  @Override
  protected StoppableDatabase stoppableDatabase(String name) {
    return (Timescale) freshDatabase(name);
  }

  /** The server is shared and kept between runs: leave nothing behind. */
  @Override
  protected void dropDatabases() {
    databases.forEach(db -> db.admin("DROP DATABASE IF EXISTS \"" + db.name() + "\" WITH (FORCE)"));
  }

  @Override
  protected void onServer(String sql) {
    try (Connection c = DriverManager.getConnection(TSDB.url("postgres"), TSDB.user(), TSDB.password());
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  @Override
  protected StorageMode expectedMode() {
    return TIMESCALE_LICENSE ? StorageMode.TIMESCALEDB_TSL : StorageMode.TIMESCALEDB_APACHE;
  }

  @Override
  protected void refreshAggregates(Connection c) throws SQLException {
    if (TIMESCALE_LICENSE) {
      try (Statement s = c.createStatement()) {
        s.execute("CALL refresh_continuous_aggregate('usage_hourly', NULL, NULL)");
      }
    }
  }

  @Override
  protected void assertStorageLayout(Connection c) throws SQLException {
    for (ResultTable table : ResultTable.values()) {
      try (PreparedStatement s = c.prepareStatement("SELECT d.column_name, d.time_interval::text"
          + " FROM timescaledb_information.hypertables h"
          + " JOIN timescaledb_information.dimensions d USING (hypertable_schema, hypertable_name)"
          + " WHERE h.hypertable_name = ?")) {
        s.setString(1, table.tableName());
        try (ResultSet rs = s.executeQuery()) {
          assertThat(rs.next()).as(table.tableName() + " is a hypertable").isTrue();
          assertThat(rs.getString(1)).isEqualTo(table.timeColumn());
          assertThat(rs.getString(2)).as("chunk interval of " + table.tableName())
              .isEqualTo(Map.of("1 hour", "01:00:00").getOrDefault(table.defaultChunkInterval(),
                  table.defaultChunkInterval()));
          assertThat(rs.next()).as("one dimension").isFalse();
        }
      }
    }
    if (TIMESCALE_LICENSE) {
      // compression where compress.after is set by default, with its policy; none where it is off
      assertThat(query(c, "SELECT hypertable_name, compression_enabled FROM timescaledb_information.hypertables"
          + " WHERE hypertable_name IN ('deltas', 'latency_windows', 'usage', 'alerts') ORDER BY 1"))
          .containsExactly(List.of("alerts", false), List.of("deltas", true), List.of("latency_windows", true),
              List.of("usage", true));
      assertThat(query(c, "SELECT hypertable_name FROM timescaledb_information.jobs"
          + " WHERE proc_name = 'policy_compression' ORDER BY 1"))
          .containsExactly(List.of("deltas"), List.of("latency_windows"), List.of("usage"));
      assertThat(query(c, "SELECT view_name FROM timescaledb_information.continuous_aggregates"))
          .containsExactly(List.of("usage_hourly"));
    } else {
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_views"
          + " WHERE viewname = 'usage_hourly' AND schemaname = current_schema()")) {
        assertThat(rs.next() && rs.getLong(1) == 1).as("usage_hourly is a plain view").isTrue();
      }
    }
    // CREATE EXTENSION and create_hypertable ran inside Flyway's migration transaction.
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT success FROM flyway_schema_history WHERE description = 'hypertables'")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getBoolean(1)).isTrue();
    }
  }

  @Test
  void shouldApplyAChangedChunkIntervalOnTheNextStart() throws Exception {
    TestDatabase db = freshDatabase("sink_it_chunks");
    assertThat(chunkIntervalAfterStart(db, "6 hours")).isEqualTo("06:00:00");
    assertThat(chunkIntervalAfterStart(db, "2 days")).isEqualTo("2 days");
  }

  private static String chunkIntervalAfterStart(TestDatabase db, String interval) throws SQLException {
    SinkConfig config = SinkConfig.fromMap(Map.of(SinkConfig.BOOTSTRAP_SERVERS, KAFKA.bootstrapServers(),
        SinkConfig.URL, db.url(), SinkConfig.USER, db.user(), SinkConfig.PASSWORD, db.password(),
        SinkConfig.GROUP_ID, "sink-it-chunks", SinkConfig.METRICS_PORT, 0,
        SinkConfig.chunkIntervalKey(ResultTable.LATENCY_WINDOWS), interval));
    HeadroomSink sink = new HeadroomSink(config);
    Thread thread = new Thread(sink, "sink-chunks");
    thread.start();
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> sink.storageMode().isPresent() || !thread.isAlive());
      assertThat(sink.storageMode()).contains(TIMESCALE_LICENSE ? StorageMode.TIMESCALEDB_TSL
          : StorageMode.TIMESCALEDB_APACHE);
    } finally {
      sink.close();
    }
    try (Connection c = connect(db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT time_interval::text FROM timescaledb_information.dimensions WHERE hypertable_name = 'latency_windows'")) {
      assertThat(rs.next()).isTrue();
      return rs.getString(1);
    }
  }

  private record Timescale(String url) implements StoppableDatabase {
    @Override
    public String user() {
      return TSDB.user();
    }

    @Override
    public String password() {
      return TSDB.password();
    }

    private String name() {
      String path = url.substring(url.lastIndexOf('/') + 1);
      int query = path.indexOf('?');
      return query < 0 ? path : path.substring(0, query);
    }

    @Override
    public void stop() {
      // The name comes from the fixture (lower case letters, digits and underscores), safe to quote as is.
      admin("ALTER DATABASE \"" + name() + "\" ALLOW_CONNECTIONS false");
      admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name() + "'");
    }

    @Override
    public void start() {
      admin("ALTER DATABASE \"" + name() + "\" ALLOW_CONNECTIONS true");
    }

    private void admin(String sql) {
      try (Connection c = DriverManager.getConnection(TSDB.url("postgres"), TSDB.user(), TSDB.password());
          PreparedStatement s = c.prepareStatement(sql)) {
        s.execute();
      } catch (SQLException e) {
        throw new IllegalStateException(sql + ": " + e.getMessage(), e);
      }
    }
  }
}
