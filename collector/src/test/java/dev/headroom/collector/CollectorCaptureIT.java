package dev.headroom.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headroom.collector.cdc.CdcCapture;
import dev.headroom.schemas.Event;
import dev.headroom.schemas.LatencySample;
import dev.headroom.schemas.Topics;
import dev.headroom.testkit.KafkaFixture;
import dev.headroom.testkit.PostgresFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Debezium capture as a user configures it: collector settings, the agent's loop, --drop-slot's call. */
class CollectorCaptureIT {
  static final PostgresFixture PG = PostgresFixture.monitored();
  static final KafkaFixture KAFKA = KafkaFixture.get();

  @TempDir
  Path dir;

  Map<String, Object> props(String instanceId) {
    Map<String, Object> props = new HashMap<>();
    props.put(CollectorConfig.BOOTSTRAP_SERVERS, KAFKA.bootstrapServers());
    props.put(CollectorConfig.INSTANCE_ID, instanceId);
    props.put(CollectorConfig.AGENT_ID, "it-agent");
    props.put(CollectorConfig.TARGET_URL, PG.jdbcUrl("postgres"));
    props.put(CollectorConfig.TOPICS_PARTITIONS, 1);
    props.put(CollectorConfig.SECTIONS, "slots");
    props.put(CollectorConfig.PROBE_INTERVAL_MS, 0L);
    props.put(CollectorConfig.HOST_METRICS, "off");
    props.put(CollectorConfig.SPOOL_DIR, dir.toString());
    props.put(CollectorConfig.CDC_LATENCY, "capture_it.requests:at:took_s:s:@app");
    props.put(CollectorConfig.CDC_MIGRATIONS, "flyway:capture_it.flyway_schema_history");
    return props;
  }

  @Test
  void shouldTurnConfiguredTablesIntoSamplesAndDeploysThenDropItsSlot() throws Exception {
    PG.execute("DROP SCHEMA IF EXISTS capture_it CASCADE", "CREATE SCHEMA capture_it",
        "CREATE TABLE capture_it.requests(id bigserial PRIMARY KEY, at timestamptz NOT NULL, took_s double precision,"
            + " app text)",
        "CREATE TABLE capture_it.flyway_schema_history(installed_rank int PRIMARY KEY, version varchar(50),"
            + " description varchar(200) NOT NULL, type varchar(20) NOT NULL, script varchar(1000) NOT NULL,"
            + " checksum int, installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(),"
            + " execution_time int NOT NULL, success boolean NOT NULL)");
    CollectorConfig config = new CollectorConfig(props("it/capture"));
    assertThat(config.cdcSlotName()).isEqualTo("headroom_it_agent_it_capture");
    Collector collector = new Collector(config);
    Thread loop = new Thread(collector, "collector-capture-it");
    loop.start();
    try {
      Awaitility.await().atMost(Duration.ofSeconds(60))
          .until(() -> collector.capture() != null && collector.capture().isStreaming());
      PG.execute("INSERT INTO capture_it.requests(at, took_s, app) VALUES"
              + " ('2026-11-23T10:00:00Z', 0.120, 'checkout'), ('2026-11-23T10:00:01Z', 0.045, 'search')",
          "INSERT INTO capture_it.flyway_schema_history VALUES (2, '2', 'add index', 'SQL', 'V2__add_index.sql', 1,"
              + " 'deployer', '2026-11-23 10:05:00', 40, true)");
      Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> collector.capture().samplesPublished() >= 2
          && collector.capture().eventsPublished() >= 1);
    } finally {
      collector.close();
    }
    List<LatencySample> samples = new ArrayList<>();
    List<Event> events = new ArrayList<>();
    Properties cp = new Properties();
    cp.put("bootstrap.servers", KAFKA.bootstrapServers());
    cp.put("group.id", "collector-capture-it");
    cp.put("auto.offset.reset", "earliest");
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(cp, new StringDeserializer(),
        new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(Topics.LATENCY.name(), Topics.EVENTS.name()));
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> {
          if (!"it/capture".equals(r.key())) {
            return;
          }
          if (r.topic().equals(Topics.EVENTS.name())) {
            events.add(Topics.EVENT_SERDE.read(r.value()));
          } else {
            samples.add(Topics.LATENCY_SAMPLE_SERDE.read(r.value()));
          }
        });
        return samples.size() >= 2 && !events.isEmpty();
      });
    }
    assertThat(samples).extracting(LatencySample::scope, LatencySample::valueMs, LatencySample::source)
        .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("app:checkout", 120.0, "cdc"),
            org.assertj.core.groups.Tuple.tuple("app:search", 45.0, "cdc"));
    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.kind()).isEqualTo(Event.DEPLOY);
      assertThat(e.at()).isEqualTo(java.time.Instant.parse("2026-11-23T10:05:00Z"));
      assertThat(e.detail()).containsEntry("version", "2");
    });

    // what ./headroom collector --drop-slot does for this target
    CdcCapture.DropResult dropped = CdcCapture.dropSlot(config.cdcTarget(), config.cdcSlotName(),
        config.cdcPublicationName());
    assertThat(dropped.slotDropped()).isTrue();
    assertThat(dropped.publicationDropped()).isTrue();
    try (var c = PG.dataSource().getConnection(); var s = c.createStatement();
        var rs = s.executeQuery("SELECT (SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
            + config.cdcSlotName() + "') + (SELECT count(*) FROM pg_publication WHERE pubname = '"
            + config.cdcPublicationName() + "')")) {
      rs.next();
      assertThat(rs.getInt(1)).isZero();
    }
  }

  @Test
  void shouldNameTheBadCaptureSetting() {
    Map<String, Object> props = props("it/capture-bad");
    props.put(CollectorConfig.CDC_LATENCY, "capture_it.requests:at");
    assertThatThrownBy(() -> new CollectorConfig(props)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("cdc.latency[0]");
    props.put(CollectorConfig.CDC_LATENCY, "capture_it.requests:at:took:minutes");
    assertThatThrownBy(() -> new CollectorConfig(props)).hasMessageContaining("unit must be ms, s or us");
    props.put(CollectorConfig.CDC_LATENCY, "");
    props.put(CollectorConfig.CDC_MIGRATIONS, "alembic:public.alembic_version");
    assertThatThrownBy(() -> new CollectorConfig(props)).hasMessageContaining("cdc.migrations[0]");
  }
}
