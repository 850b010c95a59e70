package dev.headroom.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headroom.schemas.SchemaValidator;
import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.Topics;
import dev.headroom.testkit.KafkaFixture;
import dev.headroom.testkit.PostgresFixture;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class CollectorIT {
  static final PostgresFixture PG = PostgresFixture.monitored();
  static final KafkaFixture KAFKA = KafkaFixture.get();

  static CollectorConfig config(String instanceId, String database) {
    Map<String, Object> props = new HashMap<>();
    props.put(CollectorConfig.BOOTSTRAP_SERVERS, KAFKA.bootstrapServers());
    props.put(CollectorConfig.INSTANCE_ID, instanceId);
    props.put(CollectorConfig.TARGET_URL, PG.jdbcUrl(database));
    props.put(CollectorConfig.INTERVAL_MS, 1000L);
    props.put(CollectorConfig.TOPICS_PARTITIONS, 1);
    return new CollectorConfig(props);
  }

  static List<ConsumerRecord<String, byte[]>> published(String instanceId, int atLeast) {
    Properties props = new Properties();
    props.put("bootstrap.servers", KAFKA.bootstrapServers());
    props.put("group.id", "collector-it-" + instanceId);
    props.put("auto.offset.reset", "earliest");
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(Topics.SNAPSHOTS.name()));
      Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> {
          if (instanceId.equals(r.key())) {
            out.add(r);
          }
        });
        return out.size() >= atLeast;
      });
    }
    return out;
  }

  @Test
  void shouldPublishOneConsistentSnapshotWithStatementsAndDatabases() throws Exception {
    PG.execute("CREATE TABLE IF NOT EXISTS it_orders(id serial primary key, amount int)",
        "INSERT INTO it_orders(amount) SELECT g FROM generate_series(1, 100) g",
        "SELECT pg_sleep(0.02), 'collector-it'");
    Instant before = Instant.now();
    List<Snapshot> sent;
    try (Collector collector = new Collector(config("it/once", "postgres"))) {
      sent = collector.snapshotOnce();
      assertThat(collector.snapshots()).isEqualTo(1);
    }
    assertThat(sent).extracting(Snapshot::section).contains("statements", "databases");

    List<ConsumerRecord<String, byte[]>> records = published("it/once", sent.size());
    assertThat(records).hasSize(sent.size());
    for (ConsumerRecord<String, byte[]> r : records) {
      assertThat(SchemaValidator.violations(r.value())).as(new String(r.value())).isEmpty();
      Snapshot s = Topics.SNAPSHOT_SERDE.read(r.value());
      assertThat(r.timestamp()).isEqualTo(s.capturedAt().toEpochMilli());
      assertThat(s.capturedAt()).isBetween(before.minusSeconds(5), Instant.now().plusSeconds(5));
      assertThat(s.snapshotId()).isEqualTo(sent.get(0).snapshotId());
      assertThat(s.instance().serverVersionNum()).isGreaterThanOrEqualTo(130000);
      assertThat(s.instance().role()).isEqualTo("primary");
      assertThat(s.postmasterStart()).isBefore(s.capturedAt());
    }
    Snapshot statements = Topics.SNAPSHOT_SERDE.read(records.stream()
        .filter(r -> new String(r.value()).contains("\"section\":\"statements\"")).findFirst().orElseThrow().value());
    assertThat(statements.rows()).anySatisfy(row -> {
      assertThat((String) row.get("query")).contains("pg_sleep");
      assertThat(((Number) row.get("calls")).longValue()).isGreaterThanOrEqualTo(1);
      assertThat(((Number) row.get("mean_exec_time_ms")).doubleValue()).isGreaterThanOrEqualTo(19.0);
    });
    Snapshot databases = Topics.SNAPSHOT_SERDE.read(records.stream()
        .filter(r -> new String(r.value()).contains("\"section\":\"databases\"")).findFirst().orElseThrow().value());
    assertThat(databases.rows()).anySatisfy(row -> {
      assertThat(row.get("datname")).isEqualTo("postgres");
      assertThat(((Number) row.get("size_bytes")).longValue()).isPositive();
      assertThat(row).containsKeys("xact_commit", "blks_hit", "frozen_xid_age");
    });
  }

  @Test
  void shouldStillCollectDatabasesWhenPgStatStatementsIsNotInstalled() throws Exception {
    PG.execute("DROP DATABASE IF EXISTS no_pgss", "CREATE DATABASE no_pgss");
    try (Collector collector = new Collector(config("it/no-pgss", "no_pgss"))) {
      List<Snapshot> sent = collector.snapshotOnce();
      assertThat(sent).extracting(Snapshot::section).doesNotContain("statements", "statements_info")
          .contains("databases", "activity", "tables", "settings");
    }
  }

  @Test
  void shouldRejectBadConfigurationNamingTheSetting() {
    Map<String, Object> props = new HashMap<>();
    props.put(CollectorConfig.INSTANCE_ID, "x");
    props.put(CollectorConfig.TARGET_URL, "jdbc:mysql://db/x?password=secret");
    assertThatThrownBy(() -> new CollectorConfig(props)).isInstanceOf(ConfigException.class)
        .hasMessageContaining(CollectorConfig.TARGET_URL).hasMessageNotContaining("secret");
    props.put(CollectorConfig.TARGET_URL, "jdbc:postgresql://db/x");
    props.put(CollectorConfig.INTERVAL_MS, "10");
    assertThatThrownBy(() -> new CollectorConfig(props)).isInstanceOf(ConfigException.class)
        .hasMessageContaining(CollectorConfig.INTERVAL_MS);
  }
}
