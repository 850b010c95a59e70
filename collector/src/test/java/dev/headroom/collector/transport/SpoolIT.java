package dev.headroom.collector.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.headroom.testkit.KafkaBrokerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outbox against a real broker that goes away and comes back. The shared {@code KafkaFixture}
 * cannot be stopped, so this class runs its own broker process on 127.0.0.1 ({@link KafkaBrokerProcess})
 * and stops and starts it on the same ports and log directories.
 */
@Timeout(180)
class SpoolIT {
  private static final List<String> KEYS = List.of("pg-1", "pg-2", "pg-3");
  private static final Duration PROMPT = Duration.ofSeconds(2);

  private static KafkaBrokerProcess broker;
  private static String bootstrap;

  @TempDir static Path brokerDir;
  @TempDir Path dir;

  @BeforeAll
  static void startBroker() {
    broker = KafkaBrokerProcess.start(brokerDir);
    bootstrap = broker.bootstrapServers();
  }

  /** A test that failed while the broker was down leaves it down. */
  @BeforeEach
  void brokerIsUp() {
    if (!broker.running()) {
      broker.start();
    }
  }

  @AfterAll
  static void stopBrokerForGood() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void shouldDeliverEveryRecordOnceAndInOrderThroughAnOutageAndAnAgentRestart() throws Exception {
    String topic = createTopic("spool-it.outage");
    Expected expected = new Expected(topic);

    // Kafka up: everything goes through and leaves the spool.
    SpoolingOutbox first = outbox();
    publish(first, expected, 10, 20);
    await().atMost(Duration.ofSeconds(60)).until(() -> first.sentRecords() == 200 && first.spooledRecords() == 0);

    // Kafka down: publish keeps returning promptly; everything stays in the spool.
    broker.stop();
    publish(first, expected, 10, 20);
    assertThat(first.spooledRecords()).isEqualTo(200);
    long t0 = System.nanoTime();
    first.close();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("close is bounded by the drain timeout")
        .isLessThan(Duration.ofSeconds(10));
    assertThat(first.sentRecords()).isEqualTo(200);

    // Agent restart, Kafka still down: the new outbox finds the backlog and adds to it.
    SpoolingOutbox second = outbox();
    assertThat(second.spooledRecords()).isEqualTo(200);
    publish(second, expected, 10, 20);
    assertThat(second.spooledRecords()).isEqualTo(400);
    await().atMost(Duration.ofSeconds(30)).until(() -> second.sendFailures() >= 1);

    // Kafka back: the backlog drains, oldest first.
    broker.start();
    await().atMost(Duration.ofSeconds(90)).until(() -> second.spooledRecords() == 0);
    assertThat(second.sentRecords()).isEqualTo(400);
    assertThat(second.droppedRecords()).isZero();
    assertThat(second.rejectedRecords()).isZero();
    second.close();

    expected.assertDeliveredExactlyOnceInOrder(consumeAll(topic, 600));
  }

  @Test
  void shouldDeliverOnlyTheNewestRecordsAfterAFullSpoolDroppedTheOldest() throws Exception {
    String topic = createTopic("spool-it.full");
    Expected expected = new Expected(topic);
    SpoolOptions small = options().withMaxBytes(SpoolOptions.MIN_MAX_BYTES);

    broker.stop();
    SpoolingOutbox outbox = new SpoolingOutbox(small, producer());
    try {
      List<OutboundRecord> all = new ArrayList<>();
      for (int batch = 0; batch < 20; batch++) {
        List<OutboundRecord> records = expected.next(10, 1000);
        all.addAll(records);
        long t0 = System.nanoTime();
        outbox.publish(records);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(PROMPT);
      }
      long fit = SpoolOptions.MIN_MAX_BYTES / SpoolCodec.encode(all.get(0)).length;
      assertThat(outbox.droppedRecords()).isEqualTo(all.size() - fit);
      assertThat(outbox.spooledRecords()).isEqualTo(fit);

      broker.start();
      await().atMost(Duration.ofSeconds(90)).until(() -> outbox.spooledRecords() == 0);
      assertThat(outbox.sentRecords()).isEqualTo(fit);

      List<OutboundRecord> newest = all.subList((int) (all.size() - fit), all.size());
      new Expected(topic, newest).assertDeliveredExactlyOnceInOrder(consumeAll(topic, (int) fit));
    } finally {
      outbox.close();
    }
  }

  @Test
  void shouldRejectARecordKafkaCannotTakeAndDeliverTheRestInOrder() throws Exception {
    String topic = createTopic("spool-it.rejected");
    Expected expected = new Expected(topic);
    try (SpoolingOutbox outbox = outbox()) {
      outbox.publish(expected.next(5, 10));
      outbox.publish(List.of(new OutboundRecord(topic, KEYS.get(0), 0, new byte[2 * 1_048_576])));
      outbox.publish(expected.next(5, 10));

      await().atMost(Duration.ofSeconds(60)).until(() -> outbox.spooledRecords() == 0);
      assertThat(outbox.rejectedRecords()).isEqualTo(1);
      assertThat(outbox.sentRecords()).isEqualTo(10);
    }
    expected.assertDeliveredExactlyOnceInOrder(consumeAll(topic, 10));
  }

  private SpoolOptions options() {
    return SpoolOptions.defaults(dir.resolve("spool"))
        .withDrainTimeout(Duration.ofSeconds(2))
        .withBackoff(Duration.ofMillis(200), Duration.ofSeconds(1))
        .withMaxBatchRecords(50);
  }

  private SpoolingOutbox outbox() {
    return new SpoolingOutbox(options(), producer());
  }

  /** The outbox's own settings, with short timeouts so an outage shows within the test's patience. */
  private static KafkaProducer<String, byte[]> producer() {
    Map<String, Object> client = new HashMap<>();
    client.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    client.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1000);
    client.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
    client.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 5000);
    client.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
    return new KafkaProducer<>(SpoolingOutbox.producerConfig(client, "spool-it", 1_048_576));
  }

  private static void publish(SpoolingOutbox outbox, Expected expected, int batches, int perBatch) {
    for (int b = 0; b < batches; b++) {
      List<OutboundRecord> records = expected.next(perBatch, 100);
      long t0 = System.nanoTime();
      outbox.publish(records);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("publish returns promptly").isLessThan(PROMPT);
    }
  }

  private static String createTopic(String name) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin.createTopics(List.of(new NewTopic(name, KEYS.size(), (short) 1))).all().get();
    }
    return name;
  }

  private static List<ConsumerRecord<String, byte[]>> consumeAll(String topic, int expectedCount) {
    Map<String, Object> config = Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
        return partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
      });
      assertThat(end.values().stream().mapToLong(Long::longValue).sum()).as("records in the topic")
          .isEqualTo(expectedCount);
    }
    return out;
  }

  /** What was published, per key, in order; values are "key:n" with n counting up per key. */
  private static final class Expected {
    private final String topic;
    private final Map<String, List<String>> byKey = new LinkedHashMap<>();
    private final Map<String, Long> timestamps = new HashMap<>();
    private int n;

    Expected(String topic) {
      this.topic = topic;
    }

    Expected(String topic, List<OutboundRecord> records) {
      this(topic);
      records.forEach(this::add);
    }

    List<OutboundRecord> next(int count, int padding) {
      List<OutboundRecord> records = new ArrayList<>();
      for (int i = 0; i < count; i++, n++) {
        String key = KEYS.get(n % KEYS.size());
        String value = key + ":" + n + ":" + "x".repeat(padding);
        OutboundRecord record =
            new OutboundRecord(topic, key, 1_700_000_000_000L + n, value.getBytes(StandardCharsets.UTF_8));
        add(record);
        records.add(record);
      }
      return records;
    }

    private void add(OutboundRecord record) {
      String value = new String(record.value(), StandardCharsets.UTF_8);
      byKey.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(value);
      timestamps.put(value, record.timestampMs());
    }

    void assertDeliveredExactlyOnceInOrder(List<ConsumerRecord<String, byte[]>> consumed) {
      // Records of one key share a partition; the consumer returns each partition in offset order.
      Map<String, List<String>> got = consumed.stream().collect(Collectors.groupingBy(ConsumerRecord::key,
          LinkedHashMap::new, Collectors.mapping(r -> new String(r.value(), StandardCharsets.UTF_8),
              Collectors.toList())));
      assertThat(got.keySet()).isEqualTo(Set.copyOf(byKey.keySet()));
      byKey.forEach((key, values) -> assertThat(got.get(key)).as("records of %s", key).containsExactlyElementsOf(values));
      consumed.forEach(r -> assertThat(r.timestamp()).isEqualTo(timestamps.get(new String(r.value(),
          StandardCharsets.UTF_8))));
    }
  }
}
