package dev.headroom.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headroom.schemas.Event;
import dev.headroom.schemas.Message;
import dev.headroom.schemas.SchemaValidator;
import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.Topics;
import dev.headroom.testkit.KafkaFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The simulator against a real broker: everything it says it sent is there, keyed, timed and ordered as the contract says. */
class SimulatorIT {
  @Test
  @Timeout(300)
  void theHistoryArrivesWholeKeyedByInstanceTimedByCaptureAndInOrder(@TempDir Path dir) throws Exception {
    String prefix = "it-" + UUID.randomUUID().toString().substring(0, 8) + "/pg-";
    Path truthFile = dir.resolve("truth.json");
    Map<String, Object> props = settings(prefix, 3);
    props.put(SimulatorConfig.HISTORY_DAYS, "3");
    props.put(SimulatorConfig.RECENT_DAYS, "0.25");
    props.put(SimulatorConfig.DEPLOYS_PER_WEEK, "14");
    props.put(SimulatorConfig.RESTARTS_PER_MONTH, "10");
    props.put(SimulatorConfig.TOPICS_PARTITIONS, "3");
    props.put(SimulatorConfig.TRUTH_OUT, truthFile.toString());
    Simulator simulator = new Simulator(new SimulatorConfig(props));
    Simulator.Report report = simulator.run();

    assertThat(Truth.read(truthFile)).isEqualTo(simulator.truth());
    List<Fleet.Tick> ticks = simulator.fleet().history();
    assertThat(report.snapshots()).isGreaterThan(3L * ticks.size() * 12);
    assertThat(report.events()).isEqualTo(simulator.truth().deploys().size()).isPositive();

    List<ConsumerRecord<String, byte[]>> records = readAll(prefix, report.messages());
    assertThat(records).hasSize((int) report.messages());
    Map<String, Integer> partitionOf = new HashMap<>();
    Map<String, Instant> lastCapture = new HashMap<>();
    Map<String, List<Instant>> captures = new HashMap<>();
    Set<String> eventIds = new HashSet<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      assertThat(SchemaValidator.violations(r.value())).isEmpty();
      assertThat(partitionOf.computeIfAbsent(r.topic() + r.key(), k -> r.partition()))
          .as("one partition per instance").isEqualTo(r.partition());
      if (r.topic().equals(Topics.SNAPSHOTS.name())) {
        Snapshot s = Topics.SNAPSHOT_SERDE.read(r.value());
        assertThat(r.key()).isEqualTo(s.instanceId());
        assertThat(r.timestamp()).isEqualTo(s.capturedAt().toEpochMilli());
        Instant before = lastCapture.put(r.key(), s.capturedAt());
        assertThat(before == null || !s.capturedAt().isBefore(before)).as("in capture order").isTrue();
        List<Instant> mine = captures.computeIfAbsent(r.key(), k -> new ArrayList<>());
        if (mine.isEmpty() || !mine.get(mine.size() - 1).equals(s.capturedAt())) {
          mine.add(s.capturedAt());
        }
      } else {
        Event e = Topics.EVENT_SERDE.read(r.value());
        assertThat(r.key()).isEqualTo(e.instanceId());
        assertThat(r.timestamp()).isEqualTo(e.at().toEpochMilli());
        assertThat(eventIds.add(e.instanceId() + "|" + e.id())).isTrue();
      }
    }
    List<Instant> expected = ticks.stream().map(Fleet.Tick::at).toList();
    assertThat(captures).hasSize(3).allSatisfy((instance, times) -> assertThat(times).isEqualTo(expected));
    assertThat(eventIds).containsExactlyInAnyOrderElementsOf(simulator.truth().deploys().stream()
        .map(d -> d.instanceId() + "|" + d.id()).toList());
  }

  @Test
  @Timeout(120)
  void realTimeSendsOneSnapshotPerIntervalAtWallClockTime() throws Exception {
    String prefix = "rt-" + UUID.randomUUID().toString().substring(0, 8) + "/pg-";
    Map<String, Object> props = settings(prefix, 2);
    props.put(SimulatorConfig.HISTORY_DAYS, "0");
    props.put(SimulatorConfig.REALTIME, "true");
    props.put(SimulatorConfig.INTERVAL_MS, "1000");
    props.put(SimulatorConfig.DURATION_MS, "3000");
    Instant started = Instant.now();
    Simulator.Report report;
    try (Simulator simulator = new Simulator(new SimulatorConfig(props))) {
      report = simulator.run();
    }
    Instant ended = Instant.now();
    List<ConsumerRecord<String, byte[]>> records = readAll(prefix, report.messages());
    Map<String, Set<Long>> times = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      Message m = r.topic().equals(Topics.SNAPSHOTS.name()) ? Topics.SNAPSHOT_SERDE.read(r.value()) : null;
      if (m instanceof Snapshot s) {
        times.computeIfAbsent(s.instanceId(), k -> new HashSet<>()).add(s.capturedAt().toEpochMilli());
        assertThat(s.capturedAt()).isBetween(started.minusSeconds(2), ended);
      }
    }
    // the tick at the history's end, then one per second for three seconds (a late one may be skipped)
    assertThat(times).hasSize(2).allSatisfy((instance, at) -> {
      assertThat(at.size()).isBetween(3, 5);
      assertThat(at).allSatisfy(t -> assertThat(t % 1000).isZero());
    });
  }

  /** The broker, and instances of their own so that the two tests (and reruns) read only theirs. */
  private static Map<String, Object> settings(String prefix, int instances) {
    Map<String, Object> props = new HashMap<>(KafkaFixture.get().clientConfig());
    props.put(SimulatorConfig.INSTANCE_PREFIX, prefix);
    props.put(SimulatorConfig.INSTANCES, String.valueOf(instances));
    return props;
  }

  /** Every record of the two topics whose key starts with {@code prefix}, read committed, in partition order. */
  private static List<ConsumerRecord<String, byte[]>> readAll(String prefix, long expected) {
    Properties props = new Properties();
    props.putAll(KafkaFixture.get().clientConfig());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : List.of(Topics.SNAPSHOTS.name(), Topics.EVENTS.name())) {
        consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (System.nanoTime() < deadline
          && partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          if (r.key() != null && r.key().startsWith(prefix)) {
            out.add(r);
          }
        }
      }
    }
    assertThat(out.size()).as("records read back").isEqualTo(expected);
    return out;
  }
}
