package dev.headroom.collector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headroom.schemas.LatencySample;
import dev.headroom.schemas.SchemaValidator;
import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.Topics;
import dev.headroom.testkit.KafkaFixture;
import dev.headroom.testkit.PgBouncerFixture;
import dev.headroom.testkit.PostgresFixture;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The sources beside the catalog: PgBouncer's admin console, the host, and the timed probe. */
class CollectorSourcesIT {
  static final PostgresFixture PG = PostgresFixture.monitored();
  static final KafkaFixture KAFKA = KafkaFixture.get();
  static final PgBouncerFixture BOUNCER = PgBouncerFixture.forPostgres(PG.port());

  static Map<String, Object> props(String instanceId) {
    Map<String, Object> props = new HashMap<>();
    props.put(CollectorConfig.BOOTSTRAP_SERVERS, KAFKA.bootstrapServers());
    props.put(CollectorConfig.INSTANCE_ID, instanceId);
    props.put(CollectorConfig.TARGET_URL, PG.jdbcUrl("postgres"));
    props.put(CollectorConfig.TOPICS_PARTITIONS, 1);
    props.put(CollectorConfig.SECTIONS, "activity");
    return props;
  }

  @Test
  void shouldReadPgBouncerPoolsAndStatsAndTheHost() throws Exception {
    // traffic through the pooler, so it has a pool and statistics
    Properties client = new Properties();
    client.setProperty("user", "postgres");
    client.setProperty("password", PgBouncerFixture.POSTGRES_PASSWORD);
    client.setProperty("prepareThreshold", "0");
    try (Connection c = DriverManager.getConnection(BOUNCER.jdbcUrl("postgres"), client); Statement s = c.createStatement()) {
      for (int i = 0; i < 20; i++) {
        try (ResultSet rs = s.executeQuery("SELECT pg_sleep(0.001)")) {
          rs.next();
        }
      }
    }
    Map<String, Object> props = props("it/sources");
    props.put(CollectorConfig.PGBOUNCER_URL, BOUNCER.adminUrl());
    props.put(CollectorConfig.PGBOUNCER_USER, PgBouncerFixture.ADMIN);
    props.put(CollectorConfig.PGBOUNCER_PASSWORD, PgBouncerFixture.ADMIN_PASSWORD);
    props.put(CollectorConfig.HOST_METRICS, "auto");
    List<Snapshot> sent;
    try (Collector collector = new Collector(new CollectorConfig(props))) {
      sent = collector.snapshotOnce();
    }
    for (Snapshot s : sent) {
      assertThat(SchemaValidator.violations(Topics.SNAPSHOT_SERDE.write(s))).as(s.section()).isEmpty();
    }
    Map<String, List<Map<String, Object>>> sections = new HashMap<>();
    sent.forEach(s -> sections.computeIfAbsent(s.section(), k -> new ArrayList<>()).addAll(s.rows()));
    assertThat(sections).containsKeys("activity", "host", "pgbouncer_pools", "pgbouncer_stats");
    assertThat(sent.stream().map(s -> new String(Topics.SNAPSHOT_SERDE.write(s))))
        .noneMatch(json -> json.contains(PgBouncerFixture.ADMIN_PASSWORD));

    assertThat(sections.get("pgbouncer_pools")).anySatisfy(row -> {
      assertThat(row).containsEntry("database", "postgres").containsEntry("user", "postgres")
          .containsEntry("pool_size", 5L).containsEntry("pool_mode", "transaction");
      assertThat(((Number) row.get("sv_idle")).longValue() + ((Number) row.get("sv_used")).longValue()).isPositive();
    });
    assertThat(sections.get("pgbouncer_stats")).anySatisfy(row -> {
      assertThat(row).containsEntry("database", "postgres");
      assertThat(((Number) row.get("total_query_count")).longValue()).isGreaterThanOrEqualTo(20);
    });

    // the embedded server runs here, so auto reads the host and the data directory's filesystem
    Map<String, Object> host = sections.get("host").get(0);
    String dataDirectory = (String) host.get("data_directory");
    FileStore store = Files.getFileStore(Path.of(dataDirectory));
    assertThat(((Number) host.get("disk_total_bytes")).longValue()).isEqualTo(store.getTotalSpace());
    assertThat(((Number) host.get("disk_used_bytes")).longValue()).isPositive().isLessThan(store.getTotalSpace());
    assertThat(((Number) host.get("cpu_total_ticks")).longValue())
        .isGreaterThan(((Number) host.get("cpu_idle_ticks")).longValue());
    assertThat(((Number) host.get("mem_available_bytes")).longValue()).isPositive()
        .isLessThan(((Number) host.get("mem_total_bytes")).longValue());
    assertThat(((Number) host.get("cpu_count")).longValue()).isEqualTo(Runtime.getRuntime().availableProcessors());
  }

  @Test
  void shouldLeaveOutAnUnreachablePoolerAndStillPublish() throws Exception {
    Map<String, Object> props = props("it/no-bouncer");
    props.put(CollectorConfig.PGBOUNCER_URL, "jdbc:postgresql://127.0.0.1:1/pgbouncer");
    props.put(CollectorConfig.HOST_METRICS, "off");
    try (LogCapture logs = new LogCapture(); Collector collector = new Collector(new CollectorConfig(props))) {
      List<Snapshot> sent = collector.snapshotOnce();
      assertThat(sent).extracting(Snapshot::section).containsExactly("activity");
      assertThat(logs.text()).contains("PgBouncer at jdbc:postgresql://127.0.0.1:1/pgbouncer not read");
    }
  }

  @Test
  void shouldRefuseAWrongConsolePasswordWithoutRevealingIt() {
    Map<String, Object> props = props("it/bouncer-wrong");
    props.put(CollectorConfig.PGBOUNCER_URL, BOUNCER.adminUrl());
    props.put(CollectorConfig.PGBOUNCER_USER, PgBouncerFixture.ADMIN);
    props.put(CollectorConfig.PGBOUNCER_PASSWORD, "not-" + PgBouncerFixture.ADMIN_PASSWORD);
    props.put(CollectorConfig.HOST_METRICS, "off");
    try (LogCapture logs = new LogCapture(); Collector collector = new Collector(new CollectorConfig(props))) {
      assertThat(collector.snapshotOnce()).extracting(Snapshot::section).containsExactly("activity");
      assertThat(logs.text()).contains("not read").contains("SASL authentication failed")
          .doesNotContain(PgBouncerFixture.ADMIN_PASSWORD);
    } catch (java.sql.SQLException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void shouldPublishTimedProbesAsExactSamples() {
    Map<String, Object> props = props("it/probe");
    props.put(CollectorConfig.INTERVAL_MS, 1000L);
    props.put(CollectorConfig.PROBE_INTERVAL_MS, 200L);
    Collector collector = new Collector(new CollectorConfig(props));
    Thread loop = new Thread(collector, "collector-it-probe");
    loop.start();
    try {
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> collector.probes() >= 5);
    } finally {
      collector.close();
    }
    assertThat(collector.probeFailures()).isZero();

    Properties consumerProps = new Properties();
    consumerProps.put("bootstrap.servers", KAFKA.bootstrapServers());
    consumerProps.put("group.id", "collector-it-probe");
    consumerProps.put("auto.offset.reset", "earliest");
    List<LatencySample> samples = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(consumerProps, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(Topics.LATENCY.name()));
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> {
          if ("it/probe".equals(r.key())) {
            assertThat(SchemaValidator.violations(r.value())).isEmpty();
            LatencySample s = Topics.LATENCY_SAMPLE_SERDE.read(r.value());
            assertThat(r.timestamp()).isEqualTo(s.observedAt().toEpochMilli());
            samples.add(s);
          }
        });
        return samples.size() >= 5;
      });
    }
    assertThat(samples).allSatisfy(s -> {
      assertThat(s.source()).isEqualTo("probe");
      assertThat(s.scope()).isEqualTo("instance");
      assertThat(s.valueMs()).isPositive().isLessThan(5_000);
      assertThat(s.id()).startsWith("probe:");
    });
    assertThat(samples).extracting(LatencySample::id).doesNotHaveDuplicates();
  }
}
