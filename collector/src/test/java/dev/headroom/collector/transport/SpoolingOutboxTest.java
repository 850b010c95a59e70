package dev.headroom.collector.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outbox with a real producer and no broker behind its address: what happens while Kafka is
 * unreachable. Delivery itself is {@code SpoolIT}'s.
 */
class SpoolingOutboxTest {
  private static final String TOPIC = "headroom.test.v1";

  @TempDir Path dir;
  private String deadBroker;

  @BeforeEach
  void findAPortNobodyListensOn() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      deadBroker = "127.0.0.1:" + socket.getLocalPort();
    }
  }

  @Test
  void shouldReturnPromptlyAndKeepEverythingWhileKafkaIsDown() {
    try (SpoolingOutbox outbox = outbox(options())) {
      long t0 = System.nanoTime();
      for (int batch = 0; batch < 10; batch++) {
        outbox.publish(records(batch * 10, 10, 100));
      }
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
      assertThat(outbox.spooledRecords()).isEqualTo(100);
      await().atMost(Duration.ofSeconds(20)).until(() -> outbox.sendFailures() >= 2);
      assertThat(outbox.sentRecords()).isZero();
      assertThat(outbox.droppedRecords()).isZero();
    }
    try (Spool spool = Spool.open(dir, SpoolOptions.DEFAULT_MAX_BYTES)) {
      assertThat(numbers(spool)).containsExactlyElementsOf(range(0, 100));
    }
  }

  @Test
  void shouldCloseWithinTheDrainTimeoutWhenKafkaIsDown() {
    SpoolingOutbox outbox = outbox(options().withDrainTimeout(Duration.ofMillis(500)));
    outbox.publish(records(0, 5, 100));

    long t0 = System.nanoTime();
    outbox.close();

    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    assertThatThrownBy(() -> outbox.publish(records(5, 1, 100))).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    outbox.close(); // twice is fine
  }

  @Test
  void shouldDropTheOldestWhenFullAndCountThem() {
    // 64 KiB spool, records of 1000 value bytes + framing: 63 fit.
    SpoolOptions small = options().withMaxBytes(SpoolOptions.MIN_MAX_BYTES);
    int size = SpoolCodec.encode(records(0, 1, 1000).get(0)).length;
    long fit = SpoolOptions.MIN_MAX_BYTES / size;
    try (SpoolingOutbox outbox = outbox(small)) {
      for (int batch = 0; batch < 10; batch++) {
        outbox.publish(records(batch * 10, 10, 1000));
      }
      assertThat(outbox.droppedRecords()).isEqualTo(100 - fit);
      assertThat(outbox.spooledRecords()).isEqualTo(fit);
      assertThat(outbox.spooledBytes()).isEqualTo(fit * size).isLessThanOrEqualTo(small.maxBytes());
    }
    try (Spool spool = Spool.open(dir, small.maxBytes())) {
      assertThat(numbers(spool)).containsExactlyElementsOf(range((int) (100 - fit), 100));
    }
  }

  @Test
  void shouldRefuseARecordLargerThanTheWholeSpoolAndSpoolNothingOfItsBatch() {
    try (SpoolingOutbox outbox = outbox(options().withMaxBytes(SpoolOptions.MIN_MAX_BYTES))) {
      List<OutboundRecord> batch = new ArrayList<>(records(0, 2, 10));
      batch.add(new OutboundRecord(TOPIC, "k", 0, new byte[(int) SpoolOptions.MIN_MAX_BYTES]));

      assertThatThrownBy(() -> outbox.publish(batch)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(TOPIC).hasMessageContaining("maxBytes");
      assertThat(outbox.spooledRecords()).isZero();
    }
  }

  @Test
  void shouldRemoveAnEntryItCannotDecodeAndCountItRejected() {
    try (Spool spool = Spool.open(dir, SpoolOptions.DEFAULT_MAX_BYTES)) {
      spool.append(List.of(new byte[] {42, 1, 2, 3}));
    }
    try (SpoolingOutbox outbox = outbox(options())) {
      await().atMost(Duration.ofSeconds(10)).until(() -> outbox.rejectedRecords() == 1);
      assertThat(outbox.spooledRecords()).isZero();
    }
  }

  @Test
  void shouldHoldOnlyOneOutboxPerDirectory() {
    try (SpoolingOutbox outbox = outbox(options())) {
      outbox.publish(records(0, 1, 10));
      assertThatThrownBy(() -> outbox(options())).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(dir.toString());
    }
  }

  @Test
  void shouldKeepEachPublishersOrderWhenTheyPublishAtOnce() throws Exception {
    int threads = 4;
    int batches = 25;
    try (SpoolingOutbox outbox = outbox(options())) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int thread = t;
          done.add(pool.submit(() -> {
            for (int b = 0; b < batches; b++) {
              outbox.publish(records(thread * 1000 + b * 4, 4, 50));
            }
          }));
        }
        for (Future<?> f : done) {
          f.get(30, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(outbox.spooledRecords()).isEqualTo(threads * batches * 4);
    }
    try (Spool spool = Spool.open(dir, SpoolOptions.DEFAULT_MAX_BYTES)) {
      Map<Integer, List<Integer>> byThread = numbers(spool).stream()
          .collect(Collectors.groupingBy(n -> n / 1000, TreeMap::new, Collectors.toList()));
      assertThat(byThread).hasSize(threads);
      byThread.forEach((thread, numbers) ->
          assertThat(numbers).containsExactlyElementsOf(range(thread * 1000, thread * 1000 + batches * 4)));
    }
  }

  @Test
  void shouldForceTheDeliveryGuaranteesAndKeepTheCallersTuning() {
    Map<String, Object> config = SpoolingOutbox.producerConfig(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, deadBroker,
        ProducerConfig.ACKS_CONFIG, "1",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
        ProducerConfig.LINGER_MS_CONFIG, 50), "agent-1", 2_000_000);

    assertThat(config).containsEntry(ProducerConfig.ACKS_CONFIG, "all")
        .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
        .containsEntry(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd")
        .containsEntry(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2_000_000)
        .containsEntry(ProducerConfig.CLIENT_ID_CONFIG, "agent-1")
        .containsEntry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000)
        .containsEntry(ProducerConfig.LINGER_MS_CONFIG, 50);
    assertThatThrownBy(() -> SpoolingOutbox.producerConfig(Map.of(), "agent-1", 1))
        .hasMessageContaining(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG);
    assertThatThrownBy(() -> SpoolingOutbox.producerConfig(Map.of("bootstrap.servers", deadBroker), " ", 1))
        .hasMessageContaining(ProducerConfig.CLIENT_ID_CONFIG);
    assertThatThrownBy(() -> SpoolingOutbox.producerConfig(Map.of("bootstrap.servers", deadBroker), "a", 0))
        .hasMessageContaining(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
  }

  @Test
  void shouldBuildItsOwnProducer() {
    try (SpoolingOutbox outbox = SpoolingOutbox.create(options().withDrainTimeout(Duration.ZERO),
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, deadBroker, ProducerConfig.MAX_BLOCK_MS_CONFIG, 200),
        "agent-1", 1_048_576)) {
      outbox.publish(records(0, 3, 10));
      assertThat(outbox.spooledRecords()).isEqualTo(3);
    }
  }

  private SpoolOptions options() {
    return SpoolOptions.defaults(dir)
        .withDrainTimeout(Duration.ofSeconds(1))
        .withBackoff(Duration.ofMillis(100), Duration.ofMillis(400));
  }

  private SpoolingOutbox outbox(SpoolOptions options) {
    Map<String, Object> config = SpoolingOutbox.producerConfig(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, deadBroker,
        ProducerConfig.MAX_BLOCK_MS_CONFIG, 300,
        ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200), "spooling-outbox-test", 1_048_576);
    return new SpoolingOutbox(options, new KafkaProducer<>(config));
  }

  /** Records whose value starts with their number. */
  private static List<OutboundRecord> records(int from, int count, int valueBytes) {
    return IntStream.range(from, from + count).mapToObj(i -> {
      byte[] value = new byte[valueBytes];
      ByteBuffer.wrap(value).putInt(i);
      return new OutboundRecord(TOPIC, "pg-" + (i % 3), 1_700_000_000_000L + i, value);
    }).toList();
  }

  private static List<Integer> numbers(Spool spool) {
    return spool.head(Integer.MAX_VALUE, Long.MAX_VALUE).stream()
        .map(e -> ByteBuffer.wrap(SpoolCodec.decode(e.bytes()).value()).getInt()).toList();
  }

  private static List<Integer> range(int from, int to) {
    return IntStream.range(from, to).boxed().toList();
  }
}
