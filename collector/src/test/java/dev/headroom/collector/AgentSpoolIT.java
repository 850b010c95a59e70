package dev.headroom.collector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.Topics;
import dev.headroom.testkit.KafkaBrokerProcess;
import dev.headroom.testkit.PostgresFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent through a Kafka outage and a restart of its own: the broker stops, the agent keeps
 * collecting into its spool, the agent is restarted while Kafka is still down, then Kafka comes
 * back. Every snapshot taken arrives exactly once, in order.
 */
class AgentSpoolIT {
  static final PostgresFixture PG = PostgresFixture.monitored();

  @TempDir
  Path dir;

  AgentConfig config(String bootstrap) {
    Map<String, Object> props = new HashMap<>();
    props.put(CollectorConfig.BOOTSTRAP_SERVERS, bootstrap);
    props.put(CollectorConfig.INSTANCE_ID, "it/spooled");
    props.put(CollectorConfig.TARGET_URL, PG.jdbcUrl("postgres"));
    props.put(CollectorConfig.INTERVAL_MS, 1000L);
    props.put(CollectorConfig.SECTIONS, "activity,wal");
    props.put(CollectorConfig.PROBE_INTERVAL_MS, 0L);
    props.put(CollectorConfig.HOST_METRICS, "off");
    props.put(CollectorConfig.TOPICS_PARTITIONS, 1);
    props.put(CollectorConfig.SPOOL_DIR, dir.resolve("spool").toString());
    props.put(CollectorConfig.METRICS_PORT, -1);
    return AgentConfig.single(props);
  }

  @Test
  void shouldDeliverEverySnapshotExactlyOnceThroughAnOutageAndARestart() throws Exception {
    KafkaBrokerProcess broker = KafkaBrokerProcess.start(dir.resolve("broker"));
    try {
      AgentConfig config = config(broker.bootstrapServers());
      long taken = 0;

      Agent first = new Agent(config);
      first.start();
      Collector one = first.collectors().get(0);
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> first.outbox().sentRecords() >= 4);
      broker.stop();
      long atStop = one.snapshots();
      // Kafka is gone: the agent keeps its schedule, and the snapshots wait on disk
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> one.snapshots() >= atStop + 3);
      assertThat(first.outbox().spooledRecords()).isPositive();
      first.close();
      taken += one.snapshots();
      assertThat(one.failures()).isZero();

      // the agent restarts while Kafka is still away: it finds its spool and goes on adding to it
      Agent second = new Agent(config);
      long waiting = second.outbox().spooledRecords();
      assertThat(waiting).isPositive();
      second.start();
      Collector two = second.collectors().get(0);
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> two.snapshots() >= 3);
      broker.start();
      Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> second.outbox().spooledRecords() == 0);
      second.close();
      taken += two.snapshots();
      assertThat(second.outbox().droppedRecords()).isZero();

      List<Snapshot> arrived = consumeAll(broker.bootstrapServers(), 2 * taken);
      assertThat(arrived).hasSize((int) (2 * taken)); // two sections per snapshot, nothing twice, nothing lost
      Set<String> distinct = new HashSet<>();
      arrived.forEach(s -> distinct.add(s.snapshotId() + "/" + s.section() + "/" + s.part()));
      assertThat(distinct).hasSize(arrived.size());
      // in the order taken: capture times never go back on the partition
      for (int i = 1; i < arrived.size(); i++) {
        assertThat(arrived.get(i).capturedAt()).isAfterOrEqualTo(arrived.get(i - 1).capturedAt());
      }
    } finally {
      broker.close();
    }
  }

  /** Everything on the topic: at least {@code expected} records, then whatever else comes within 3 s. */
  static List<Snapshot> consumeAll(String bootstrap, long expected) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("group.id", "agent-spool-it");
    props.put("auto.offset.reset", "earliest");
    List<Snapshot> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(Topics.SNAPSHOTS.name()));
      long quietSince = System.nanoTime();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < deadline
          && (out.size() < expected || System.nanoTime() - quietSince < Duration.ofSeconds(3).toNanos())) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          out.add(Topics.SNAPSHOT_SERDE.read(r.value()));
          quietSince = System.nanoTime();
        }
      }
    }
    return out;
  }
}
