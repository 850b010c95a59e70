package dev.headroom.collector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headroom.schemas.LatencySample;
import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.Topics;
import dev.headroom.testkit.KafkaFixture;
import dev.headroom.testkit.PostgresFixture;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent with a fleet file: three targets, one of them unreachable. The others keep their
 * schedule, one of them follows its server's duration log, and the metrics endpoint tells it all.
 */
class AgentIT {
  static final PostgresFixture PG = PostgresFixture.monitored();
  static final KafkaFixture KAFKA = KafkaFixture.get();
  static EmbeddedPostgres logging;
  static Path logDir;

  @TempDir
  Path dir;

  @BeforeAll
  static void startALoggingServer() throws Exception {
    logDir = Files.createTempDirectory("headroom-agent-it-log");
    logging = EmbeddedPostgres.builder()
        .setServerConfig("listen_addresses", "127.0.0.1")
        .setServerConfig("logging_collector", "on")
        .setServerConfig("log_destination", "csvlog")
        .setServerConfig("log_directory", logDir.toString())
        .setServerConfig("log_min_duration_statement", "0")
        .setServerConfig("compute_query_id", "on")
        .start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (logging != null) {
      logging.close();
    }
  }

  @Test
  void shouldKeepHealthyTargetsOnScheduleFollowLogsAndReportMetrics() throws Exception {
    Path fleet = dir.resolve("fleet.yaml");
    Files.writeString(fleet, """
        bootstrap.servers: %s
        spool.dir: %s
        metrics.port: 0
        interval.ms: 1000
        probe.interval.ms: 0
        host.metrics: "off"
        topics.partitions: 1
        sections: [activity, databases]
        targets:
          - instance.id: it/fleet-ok
            target.url: %s
            instance.labels: {env: it}
          - instance.id: it/fleet-down
            target.url: jdbc:postgresql://127.0.0.1:1/postgres
          - instance.id: it/fleet-logs
            target.url: jdbc:postgresql://127.0.0.1:%d/postgres?user=postgres
            sections: [activity]
            logs:
              directory: %s
              format: csvlog
              start: beginning
              poll.interval.ms: 200
        """.formatted(KAFKA.bootstrapServers(), dir.resolve("spool"), PG.jdbcUrl("postgres"), logging.getPort(), logDir));
    AgentConfig config = AgentConfig.fleet(fleet, Map.of());
    Agent agent = new Agent(config);
    Collector ok;
    Collector down;
    Collector logs;
    String scrape;
    try {
      agent.start();
      ok = agent.collectors().get(0);
      down = agent.collectors().get(1);
      logs = agent.collectors().get(2);
      try (Connection c = logging.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
        s.execute("SET application_name = 'checkout'");
        for (int i = 0; i < 10; i++) {
          s.execute("SELECT pg_sleep(0.005)");
        }
      }
      long t0 = System.nanoTime();
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> ok.snapshots() >= 4 && logs.logSamples() >= 10);
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertThat(down.failures()).isPositive();
      assertThat(down.snapshots()).isZero();
      // the unreachable target (connect refused, then backing off) takes nothing from the others' schedule
      assertThat(ok.skipped()).isZero();
      assertThat(seconds).isLessThan(20);
      HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + agent.metricsPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      scrape = response.body();
    } finally {
      agent.close();
    }
    assertThat(scrape)
        .containsPattern("headroom_collector_snapshots_total\\{instance=\"it/fleet-ok\",result=\"ok\"} [1-9]")
        .containsPattern("headroom_collector_snapshots_total\\{instance=\"it/fleet-down\",result=\"failed\"} [1-9]")
        .contains("headroom_collector_section_duration_seconds_count{instance=\"it/fleet-ok\",section=\"databases\"}")
        .contains("headroom_collector_spool_records ")
        .containsPattern("headroom_collector_sent_records_total [1-9]")
        .containsPattern("headroom_collector_log_samples_total\\{instance=\"it/fleet-logs\"} [1-9]");

    // everything taken arrived: each ok snapshot as its two sections
    List<ConsumerRecord<String, byte[]>> snapshots = consume(Topics.SNAPSHOTS.name(), "it/fleet-ok", 2 * ok.snapshots());
    assertThat(snapshots).hasSize((int) (2 * ok.snapshots()));
    assertThat(snapshots).allSatisfy(r -> assertThat(Topics.SNAPSHOT_SERDE.read(r.value()).instance().labels())
        .containsEntry("env", "it"));
    assertThat(snapshots.stream().map(r -> Topics.SNAPSHOT_SERDE.read(r.value())).map(Snapshot::snapshotId).distinct())
        .hasSize((int) ok.snapshots());

    List<LatencySample> samples = consume(Topics.LATENCY.name(), "it/fleet-logs", 10).stream()
        .map(r -> Topics.LATENCY_SAMPLE_SERDE.read(r.value())).toList();
    assertThat(samples.stream().filter(s -> s.valueMs() >= 5.0)).hasSizeGreaterThanOrEqualTo(10)
        .allSatisfy(s -> {
          assertThat(s.source()).isEqualTo("log");
          assertThat(s.scope()).startsWith("query:");
          assertThat(s.id()).startsWith("log:");
        });
    assertThat(samples).extracting(LatencySample::id).doesNotHaveDuplicates();
  }

  static List<ConsumerRecord<String, byte[]>> consume(String topic, String key, long atLeast) {
    Properties props = new Properties();
    props.put("bootstrap.servers", KAFKA.bootstrapServers());
    props.put("group.id", "agent-it-" + topic + "-" + key);
    props.put("auto.offset.reset", "earliest");
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> {
          if (key.equals(r.key())) {
            out.add(r);
          }
        });
        return out.size() >= atLeast;
      });
      // and nothing more arrives
      consumer.poll(Duration.ofSeconds(1)).forEach(r -> {
        if (key.equals(r.key())) {
          out.add(r);
        }
      });
    }
    return out;
  }
}
