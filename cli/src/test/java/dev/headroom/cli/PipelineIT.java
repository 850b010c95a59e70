package dev.headroom.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.headroom.collector.Collector;
import dev.headroom.collector.CollectorConfig;
import dev.headroom.schemas.LatencySketches;
import dev.headroom.sink.HeadroomSink;
import dev.headroom.sink.SinkConfig;
import dev.headroom.streams.HeadroomStreams;
import dev.headroom.streams.HeadroomStreamsConfig;
import dev.headroom.testkit.KafkaFixture;
import dev.headroom.testkit.PostgresFixture;
import dev.headroom.testkit.TimescaleFixture;
import java.nio.file.Files;
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
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The whole path on real parts: PostgreSQL with pg_stat_statements → collector → Kafka (KRaft)
 * → Kafka Streams → sink → TimescaleDB, with a statement of known latency.
 */
class PipelineIT {
  static final String INSTANCE = "e2e/orders-1";

  @Test
  void latencyWindowsOfAKnownSlowStatementReachTimescaleDb() throws Exception {
    KafkaFixture kafka = KafkaFixture.get();
    PostgresFixture pg = PostgresFixture.monitored();
    TimescaleFixture tsdb = TimescaleFixture.get();
    String sinkUrl = tsdb.createDatabase("e2e");

    HeadroomStreams streams = new HeadroomStreams(new HeadroomStreamsConfig(Map.of(
        HeadroomStreamsConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
        HeadroomStreamsConfig.APPLICATION_ID, "e2e-streams",
        HeadroomStreamsConfig.STATE_DIR, Files.createTempDirectory("e2e-streams").toString(),
        HeadroomStreamsConfig.LATENCY_GRACE_MS, "2000",
        HeadroomStreamsConfig.COMMIT_INTERVAL_MS, "200",
        HeadroomStreamsConfig.TOPICS_PARTITIONS, "2")));
    HeadroomSink sink = new HeadroomSink(new SinkConfig(Map.of(
        SinkConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
        SinkConfig.URL, sinkUrl,
        SinkConfig.USER, tsdb.user(),
        SinkConfig.PASSWORD, tsdb.password(),
        SinkConfig.GROUP_ID, "e2e-sink",
        SinkConfig.METRICS_PORT, 0)));
    Collector collector = new Collector(new CollectorConfig(Map.of(
        CollectorConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
        CollectorConfig.INSTANCE_ID, INSTANCE,
        CollectorConfig.TARGET_URL, pg.jdbcUrl("postgres"),
        CollectorConfig.INTERVAL_MS, "2000",
        CollectorConfig.TOPICS_PARTITIONS, "2")));

    AtomicBoolean running = new AtomicBoolean(true);
    List<Thread> threads = new ArrayList<>();
    threads.add(new Thread(sink, "e2e-sink"));
    threads.add(new Thread(collector, "e2e-collector"));
    for (int i = 0; i < 2; i++) {
      threads.add(new Thread(() -> workload(pg, running), "e2e-workload-" + i));
    }
    try {
      streams.start();
      threads.forEach(Thread::start);

      String slowId = Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> queryid(pg), id -> id != null);
      // The first 1-minute window closes at most ~60 s + grace + one interval after the start.
      Awaitility.await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofSeconds(1))
          .until(() -> count(sinkUrl, tsdb, "query:" + slowId) >= 1);

      try (Connection c = DriverManager.getConnection(sinkUrl, tsdb.user(), tsdb.password());
          PreparedStatement ps = c.prepareStatement("SELECT count, p50_ms, p95_ms, p99_ms, max_ms, method, sketch,"
              + " window_size, window_end - window_start FROM latency_windows"
              + " WHERE instance_id = ? AND scope = ? ORDER BY window_end LIMIT 1")) {
        ps.setString(1, INSTANCE);
        ps.setString(2, "query:" + slowId);
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getLong("count")).isPositive();
          // pg_sleep(0.05) takes 50 ms and a little more; the moment method must see that. Its tail
          // is the machine's: on a loaded one a call waits for a core (seen: max 640 ms, p95 76 ms).
          assertThat(rs.getDouble("p50_ms")).isBetween(49.0, 60.0);
          assertThat(rs.getDouble("p95_ms")).isBetween(rs.getDouble("p50_ms"), 120.0);
          assertThat(rs.getDouble("p99_ms")).isBetween(rs.getDouble("p95_ms"), rs.getDouble("max_ms") * 1.02);
          assertThat(rs.getString("method")).isEqualTo("moment");
          assertThat(rs.getString("window_size")).isEqualTo("PT1M");
          // weights of the fitted points add up to the calls, up to rounding
          assertThat(LatencySketches.decode(rs.getBytes("sketch")).getCount())
              .isCloseTo((double) rs.getLong("count"), within(0.5));
        }
        assertThat(count(sinkUrl, tsdb, "instance")).isGreaterThanOrEqualTo(1);
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
            "SELECT count(*) FROM timescaledb_information.hypertables WHERE hypertable_name = 'latency_windows'")) {
          rs.next();
          assertThat(rs.getInt(1)).as("latency_windows is a hypertable").isEqualTo(1);
        }
        // The other result topics reach their tables too: every interval's counters, every resource's use.
        for (String table : List.of("deltas", "usage")) {
          try (PreparedStatement count = c.prepareStatement("SELECT count(*) FROM " + table + " WHERE instance_id = ?")) {
            count.setString(1, INSTANCE);
            try (ResultSet rs = count.executeQuery()) {
              rs.next();
              assertThat(rs.getLong(1)).as("rows of " + table).isPositive();
            }
          }
        }
      }
      assertThat(collector.failures()).isZero();
      assertThat(sink.deadLetters()).isZero();
    } finally {
      running.set(false);
      collector.close();
      sink.close();
      streams.close();
      for (Thread t : threads) {
        t.join(30_000);
      }
    }
  }

  private static void workload(PostgresFixture pg, AtomicBoolean running) {
    try (Connection c = pg.dataSource().getConnection();
        PreparedStatement slow = c.prepareStatement("SELECT pg_sleep(0.05)");
        PreparedStatement fast = c.prepareStatement("SELECT count(*) FROM pg_class WHERE relkind = ?")) {
      while (running.get()) {
        slow.execute();
        for (int i = 0; i < 5; i++) {
          fast.setString(1, "r");
          fast.execute();
        }
      }
    } catch (SQLException e) {
      if (running.get()) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static String queryid(PostgresFixture pg) throws SQLException {
    try (Connection c = pg.dataSource().getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT queryid::text FROM pg_stat_statements WHERE query = 'SELECT pg_sleep($1)'")) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  private static long count(String url, TimescaleFixture tsdb, String scope) {
    try (Connection c = DriverManager.getConnection(url, tsdb.user(), tsdb.password());
        PreparedStatement ps = c.prepareStatement(
            "SELECT count(*) FROM latency_windows WHERE instance_id = ? AND scope = ?")) {
      ps.setString(1, INSTANCE);
      ps.setString(2, scope);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      return 0; // the sink has not migrated the schema yet
    }
  }
}
