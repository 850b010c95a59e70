package dev.headroom.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headroom.schemas.Projection;
import dev.headroom.schemas.SchemaValidator;
import dev.headroom.schemas.Topics;
import dev.headroom.simulator.ResourceTruth;
import dev.headroom.simulator.Simulator;
import dev.headroom.simulator.SimulatorConfig;
import dev.headroom.simulator.Truth;
import dev.headroom.streams.HeadroomStreams;
import dev.headroom.streams.HeadroomStreamsConfig;
import dev.headroom.testkit.Folders;
import dev.headroom.testkit.KafkaFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Simulated history through a real broker and the streams app: 60 days of 50 instances (the
 * issue's), with 6-hour snapshots so it fits the test run (about 194,000 messages, 4 to 5
 * minutes here). The projections of the resources whose truth is known (a linear or exponential
 * pattern read as its value) land near the day the simulator says the resource reaches 80 % of
 * its capacity; the model choice and error figures on noisy series are in BENCHMARKS.md.
 */
class CapacityIT {
  /** The fleet and its history: {@code -Dcapacity.instances} and {@code -Dcapacity.days} change them. */
  static final int INSTANCES = Integer.getInteger("capacity.instances", 50);
  static final int DAYS = Integer.getInteger("capacity.days", 60);

  @Test
  @Timeout(1_500)
  void projectionsOfSimulatedHistoryLandNearTheTruth() throws Exception {
    String bootstrap = KafkaFixture.get().bootstrapServers();
    String run = UUID.randomUUID().toString().substring(0, 8);
    String prefix = "cap-" + run + "/db-";
    Map<String, Object> sim = new HashMap<>();
    sim.put(SimulatorConfig.BOOTSTRAP_SERVERS, bootstrap);
    sim.put(SimulatorConfig.INSTANCES, INSTANCES);
    sim.put(SimulatorConfig.INSTANCE_PREFIX, prefix);
    sim.put(SimulatorConfig.HISTORY_DAYS, DAYS);
    sim.put(SimulatorConfig.RECENT_DAYS, 0);
    sim.put(SimulatorConfig.HISTORY_INTERVAL_MS, Duration.ofHours(6).toMillis());
    sim.put(SimulatorConfig.SEED, 42);
    sim.put(SimulatorConfig.TOPICS_PARTITIONS, 2);
    try {
      check(bootstrap, run, prefix, sim);
    } finally {
      // 60 days of 50 instances in the shared broker's topics: the ITs after this one read them from the beginning
      KafkaFixture.get().truncate("headroom.");
    }
  }

  private void check(String bootstrap, String run, String prefix, Map<String, Object> sim) throws Exception {
    Truth truth;
    try (Simulator simulator = new Simulator(new SimulatorConfig(sim))) {
      simulator.run();
      truth = simulator.truth();
    }

    String applicationId = "capacity-it-" + run;
    Map<String, Object> props = new HashMap<>();
    props.put(HeadroomStreamsConfig.BOOTSTRAP_SERVERS, bootstrap);
    props.put(HeadroomStreamsConfig.APPLICATION_ID, applicationId);
    Path stateDir = Files.createTempDirectory("capacity-it");
    props.put(HeadroomStreamsConfig.STATE_DIR, stateDir.toString());
    props.put(HeadroomStreamsConfig.COMMIT_INTERVAL_MS, "500");
    props.put(HeadroomStreamsConfig.TOPICS_PARTITIONS, "2");
    try (HeadroomStreams streams = new HeadroomStreams(new HeadroomStreamsConfig(props))) {
      streams.start();
      FleetHistory.of(bootstrap, truth).awaitProcessed(applicationId, Duration.ofMinutes(20), System.err);
    } finally {
      Folders.deleteTree(stateDir);
    }

    Map<String, Projection> latest = new HashMap<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
        new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(Topics.PROJECTIONS.name()).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          if (r.key().startsWith(prefix)) {
            assertThat(SchemaValidator.violations(r.value())).isEmpty();
            Projection p = Topics.PROJECTION_SERDE.read(r.value());
            latest.merge(r.key(), p, (a, b) -> b.computedAt().isBefore(a.computedAt()) ? a : b);
          }
        }
      }
    }
    assertThat(latest).isNotEmpty();

    List<String> compared = new ArrayList<>();
    int close = 0;
    for (Projection p : latest.values()) {
      if (!"baseline".equals(p.scenario())) {
        continue;
      }
      ResourceTruth t = truth.resource(p.instanceId(), FleetHistory.truthName(p.resource())).orElse(null);
      if (t == null || t.reading() != ResourceTruth.Reading.VALUE || t.capacity().isEmpty()
          || !List.of("linear", "exponential").contains(t.pattern().kind())) {
        continue;
      }
      OptionalDouble days = t.daysToFraction(p.saturationFraction(), p.computedAt());
      if (days.isEmpty() || days.getAsDouble() < 3 || days.getAsDouble() > 365) {
        continue; // already there, or beyond a year: no runway to compare
      }
      double truthDays = days.getAsDouble();
      Double projected = p.timeToSaturationDays();
      boolean near = projected != null && Math.abs(projected - truthDays) <= 0.10 * truthDays;
      if (p.resource().equals("slot_wal")) {
        // not the same quantity: Headroom's capacity for retained WAL is the free disk plus what the
        // slots hold, the simulator's a fixed figure; shown, not judged
        System.err.printf(java.util.Locale.ROOT, "%s slot_wal: projected %s, simulator %.1f days%n", p.instanceId(),
            projected, truthDays);
        continue;
      }
      close += near ? 1 : 0;
      compared.add(String.format(java.util.Locale.ROOT, "%s %s (%s, noise %.2f): projected %s, truth %.1f days%s",
          p.instanceId(), p.resource(), t.pattern().kind(), t.noise(),
          projected == null ? "none" : String.format(java.util.Locale.ROOT, "%.1f", projected), truthDays,
          near ? "" : "  <- off"));
    }
    compared.forEach(System.err::println);
    assertThat(compared).as("resources with a known runway").hasSizeGreaterThanOrEqualTo(5);
    assertThat((double) close / compared.size()).as("share within 10 %% of the truth: %s", compared)
        .isGreaterThanOrEqualTo(0.9);
  }
}
