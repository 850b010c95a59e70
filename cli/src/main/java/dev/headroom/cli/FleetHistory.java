package dev.headroom.cli;

import dev.headroom.schemas.Projection;
import dev.headroom.schemas.Topics;
import dev.headroom.simulator.Simulator;
import dev.headroom.simulator.SimulatorConfig;
import dev.headroom.simulator.Truth;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The demo's simulated fleet: days of history for a few simulated instances replayed onto the
 * broker in event time, then what the streams app projected from them, beside the simulator's
 * truth.
 */
final class FleetHistory {
  /** An instance's bottleneck as projected, and when the simulator's truth says it gets there. */
  record Runway(String instanceId, String resource, double days, Instant at, String model, Double truthDays) {}

  private final String bootstrap;
  private final Truth truth;
  private long projections;

  /** The history a simulator already published, with its truth. */
  static FleetHistory of(String bootstrap, Truth truth) {
    return new FleetHistory(bootstrap, truth);
  }

  private FleetHistory(String bootstrap, Truth truth) {
    this.bootstrap = bootstrap;
    this.truth = truth;
  }

  static FleetHistory replay(String bootstrap, int instances, int days, PrintStream err) throws InterruptedException {
    err.printf("demo: simulating %d days of history for %d instances (event time) ...%n", days, instances);
    Map<String, Object> props = new HashMap<>();
    props.put(SimulatorConfig.BOOTSTRAP_SERVERS, bootstrap);
    props.put(SimulatorConfig.INSTANCES, instances);
    props.put(SimulatorConfig.INSTANCE_PREFIX, "sim/db-");
    props.put(SimulatorConfig.HISTORY_DAYS, days);
    props.put(SimulatorConfig.RECENT_DAYS, 0); // hourly snapshots throughout: the live instance shows the minutes
    props.put(SimulatorConfig.TOPICS_PARTITIONS, 1);
    try (Simulator simulator = new Simulator(new SimulatorConfig(props))) {
      Simulator.Report report = simulator.run();
      err.printf("demo: %,d snapshot messages and %d deploy markers in %.1f s%n", report.snapshots(), report.events(),
          report.messagesPerSecond() > 0 ? report.messages() / report.messagesPerSecond() : 0.0);
      return new FleetHistory(bootstrap, simulator.truth());
    }
  }

  /** Waits until the streams app has committed past everything on its input topics. */
  void awaitProcessed(String applicationId, Duration timeout, PrintStream err) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    long nextReport = System.nanoTime();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
      for (String topic : List.of(Topics.SNAPSHOTS.name(), Topics.EVENTS.name())) {
        admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions()
            .forEach(p -> ends.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
      }
      Map<TopicPartition, Long> end = new HashMap<>();
      admin.listOffsets(ends).all().get(30, TimeUnit.SECONDS).forEach((tp, info) -> end.put(tp, info.offset()));
      long total = end.values().stream().mapToLong(Long::longValue).sum();
      while (System.nanoTime() < deadline) {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
            .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        long done = end.keySet().stream().mapToLong(tp -> {
          OffsetAndMetadata o = committed.get(tp);
          return o == null ? 0 : Math.min(o.offset(), end.get(tp));
        }).sum();
        if (done >= total) {
          err.printf("demo: the streams app has processed the history (%,d messages)%n", total);
          return;
        }
        if (System.nanoTime() >= nextReport) {
          err.printf("demo: streams processing the history: %,d of %,d messages%n", done, total);
          nextReport += TimeUnit.SECONDS.toNanos(10);
        }
        Thread.sleep(500);
      }
      throw new IllegalStateException("the streams app did not process the simulated history within " + timeout);
    }
  }

  /** The projections on the topic, the latest per key; the baseline bottleneck of each instance, soonest first. */
  List<Runway> runways(PrintStream out) {
    Map<String, Projection> latest = new HashMap<>();
    projections = 0;
    Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(Topics.PROJECTIONS.name()).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          Projection p = Topics.PROJECTION_SERDE.read(r.value());
          projections++;
          latest.merge(r.key(), p, (a, b) -> b.computedAt().isBefore(a.computedAt()) ? a : b);
        }
      }
    }
    List<Runway> runways = new ArrayList<>();
    for (Projection p : latest.values()) {
      if (p.bottleneck() && "baseline".equals(p.scenario()) && p.timeToSaturationDays() != null) {
        OptionalDouble truthDays = truth.resource(p.instanceId(), truthName(p.resource()))
            .map(t -> t.daysToFraction(p.saturationFraction(), p.computedAt())).orElse(OptionalDouble.empty());
        runways.add(new Runway(p.instanceId(), p.resource(), p.timeToSaturationDays(), p.saturationAt(), p.model(),
            truthDays.isPresent() ? truthDays.getAsDouble() : null));
      }
    }
    runways.sort(Comparator.comparingDouble(Runway::days));
    out.printf("Fleet runway (%,d projections): each simulated instance's first resource to reach its line%n",
        projections);
    out.printf("  %-14s %-34s %12s %12s  %-12s %s%n", "instance", "bottleneck", "days", "truth days", "model",
        "saturation at");
    for (Runway r : runways) {
      out.printf("  %-14s %-34s %12.1f %12s  %-12s %s%n", r.instanceId(), r.resource(), r.days(),
          r.truthDays() == null ? "?" : String.format(java.util.Locale.ROOT, "%.1f", r.truthDays()), r.model(),
          r.at());
    }
    out.println();
    return runways;
  }

  /** The simulator names sequences as the contract does, sequence:<schema.name>; Headroom adds the database. */
  static String truthName(String resource) {
    if (resource.startsWith("sequence:")) {
      String name = resource.substring("sequence:".length());
      return "sequence:" + name.substring(name.indexOf('.') + 1);
    }
    return resource;
  }

  long projections() {
    return projections;
  }
}
