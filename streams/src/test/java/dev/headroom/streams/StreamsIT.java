package dev.headroom.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.headroom.schemas.DeadLetter;
import dev.headroom.schemas.Delta;
import dev.headroom.schemas.Json;
import dev.headroom.schemas.LatencyWindow;
import dev.headroom.schemas.Topics;
import dev.headroom.streams.StreamsItKit.Reader;
import dev.headroom.streams.StreamsItKit.Fleet;
import dev.headroom.testkit.KafkaFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.streams.StreamsConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streams app on a real broker, exactly once: deltas of known counter increments (a reset
 * among them), 1-minute windows of known latencies for every scope, each emitted once, and
 * unreadable input dead-lettered while the rest goes on.
 */
class StreamsIT {
  static final int MINUTES = 20;
  static final int BAD_AT = 4;
  static final int RESET_AT = 8;
  /**
   * A minute of grace: records are produced a minute at a time once the previous minute's deltas
   * are out, so an instance's observations may reach a window behind another instance's next
   * minute, never later. Window m closes at the start of minute m + 2.
   */
  static final Duration GRACE = Duration.ofMinutes(1);
  static final int LAST_CLOSED = MINUTES - 4;

  @TempDir
  Path state;

  @Test
  @Timeout(180)
  void shouldDifferenceWindowAndDeadLetterOnARealBrokerWithEveryResultOnce() throws Exception {
    String bootstrap = KafkaFixture.get().bootstrapServers();
    String run = StreamsItKit.runId();
    String prefix = "sit-" + run + "/";
    String a = prefix + "orders-1";
    String b = prefix + "orders-2";
    Fleet fleet = new Fleet(List.of(a, b), StreamsItKit.reserveEventTime(Duration.ofHours(1)), 100,
        Map.of(a, RESET_AT));
    Map<String, String> settings = StreamsItKit.streamsSettings(bootstrap, "streams-it-" + run, state.toString());
    settings.put(HeadroomStreamsConfig.LATENCY_GRACE_MS, Long.toString(GRACE.toMillis()));
    settings.put(HeadroomStreamsConfig.COMMIT_INTERVAL_MS, "100");

    try (HeadroomStreams streams = new HeadroomStreams(new HeadroomStreamsConfig(settings));
        KafkaProducer<String, byte[]> producer = StreamsItKit.producer(bootstrap);
        Reader<Delta> deltas = new Reader<>(bootstrap, Topics.DELTAS, k -> k.startsWith(prefix));
        Reader<LatencyWindow> windows = new Reader<>(bootstrap, Topics.LATENCY_WINDOWS, k -> k.startsWith(prefix));
        Reader<DeadLetter> deadLetters = new Reader<>(bootstrap, Topics.DEADLETTER, k -> k.startsWith(prefix))) {
      streams.start();
      Map<String, RecordMetadata> bad = new HashMap<>();
      // In step with the app, a minute at a time, as collectors publish: every instance's
      // observations of a minute reach the windows before the next minute's, so none is late.
      for (int minute = 0; minute < MINUTES; minute++) {
        for (ProducerRecord<String, byte[]> r : fleet.minute(minute)) {
          producer.send(r);
        }
        if (minute == BAD_AT) {
          Instant at = fleet.capturedAt(minute).plusSeconds(5);
          bad.put("garbage", producer.send(StreamsItKit.record(Topics.LATENCY, a, at,
              new byte[] {(byte) 0xff, 0x00, (byte) 0xfe, '{', 0x7f})).get());
          bad.put("invalid", producer.send(StreamsItKit.record(Topics.SNAPSHOTS, b, at, withoutCapturedAt(fleet, b,
              minute))).get());
        }
        producer.flush();
        if (minute >= 1) {
          Instant captured = fleet.capturedAt(minute);
          Awaitility.await("deltas of minute " + minute).atMost(Duration.ofSeconds(minute == 1 ? 90 : 30))
              .pollInterval(Duration.ZERO).pollDelay(Duration.ZERO)
              .until(() -> deltas.poll(Duration.ofMillis(100)).stream()
                  .filter(r -> r.value().capturedAt().equals(captured)).count() == 3L * fleet.instances().size());
        }
      }
      Awaitility.await("the last closed windows").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ZERO)
          .until(() -> windows.poll(Duration.ofMillis(100)).stream()
              .filter(r -> r.value().windowStart().equals(fleet.minuteStart(LAST_CLOSED))).count()
              == 5L * fleet.instances().size());
      Awaitility.await("the dead letters").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ZERO)
          .until(() -> deadLetters.poll(Duration.ofMillis(100)).size() >= 2);
      // Whatever else is committed by now counts too: a copy emitted late is still a copy.
      deltas.drain(Duration.ofSeconds(30));
      windows.drain(Duration.ofSeconds(30));
      deadLetters.drain(Duration.ofSeconds(30));

      StreamsItKit.assertEachOnce("deltas per (instance, section, object, captured_at)", deltas.values(),
          StreamsItKit::deltaKey);
      StreamsItKit.assertDeltas(fleet, deltas.values(), MINUTES - 1);
      assertWindows(fleet, windows.poll(Duration.ZERO));
      assertDeadLetters(deadLetters.values(), a, b, bad);
    }
  }

  /** A snapshot that reads as JSON but not as a snapshot: its required captured_at is missing. */
  static byte[] withoutCapturedAt(Fleet fleet, String instance, int minute) throws Exception {
    @SuppressWarnings("unchecked")
    Map<String, Object> json = Json.mapper().readValue(Topics.SNAPSHOT_SERDE.write(
        fleet.section(instance, minute, "tables", List.of())), Map.class);
    json.remove("captured_at");
    return Json.mapper().writeValueAsBytes(json);
  }

  static void assertWindows(Fleet fleet, List<ConsumerRecord<String, LatencyWindow>> records) {
    List<LatencyWindow> windows = records.stream().map(ConsumerRecord::value).toList();
    StreamsItKit.assertEachOnce("windows per (instance, scope, size, start)", windows, StreamsItKit::windowKey);
    assertThat(records).allSatisfy(r -> {
      assertThat(r.key()).isEqualTo(r.value().key());
      assertThat(r.timestamp()).as("a window's record time is its end").isEqualTo(r.value().windowEnd().toEpochMilli());
      assertThat(r.value().window()).isEqualTo("PT1M");
      assertThat(r.value().windowEnd()).isEqualTo(r.value().windowStart().plusSeconds(60));
      assertThat(r.value().windowStart()).as("minute %s cannot have closed", r.value().windowStart())
          .isBefore(fleet.minuteStart(MINUTES - 2));
    });
    Map<String, Long> counts = windows.stream()
        .filter(w -> !w.windowStart().isAfter(fleet.minuteStart(LAST_CLOSED)))
        .collect(Collectors.toMap(StreamsItKit::windowKey, LatencyWindow::count));
    assertThat(counts).as("every scope's window of every minute, counting every call and sample once")
        .isEqualTo(fleet.expectedMinutes(LAST_CLOSED));

    Map<String, LatencyWindow> byKey = windows.stream()
        .collect(Collectors.toMap(w -> w.key() + " " + w.windowStart(), Function.identity()));
    for (String instance : fleet.instances()) {
      for (int minute = 1; minute <= LAST_CLOSED; minute++) {
        String start = " " + fleet.minuteStart(minute);
        LatencyWindow app = byKey.get(instance + "|" + Fleet.APP_SCOPE + start);
        assertThat(app.method()).isEqualTo("exact");
        assertThat(app.maxMs()).isEqualTo(Fleet.MAX_SAMPLE_MS);
        assertThat(app.p95Ms()).isCloseTo(fleet.sampleP95(), within(0.01 * fleet.sampleP95()));
        for (String scope : Fleet.MOMENT_SCOPES) {
          LatencyWindow w = byKey.get(instance + "|" + scope + start);
          assertThat(w.method()).isEqualTo("moment");
          if (scope.equals("query:" + Fleet.SLOW_QUERY)
              || !scope.equals("query:" + Fleet.FAST_QUERY) && !fleet.isReset(instance, minute)) {
            // 100 of 1100 calls take 50 ms: p95 falls among them (not when the reset left 7)
            assertThat(w.p95Ms()).as("p95 of %s %s minute %d", instance, scope, minute)
                .isCloseTo(Fleet.SLOW_MS, within(0.5));
          }
        }
        assertThat(byKey.get(instance + "|instance" + start).p50Ms()).as("the fast statement is the median")
            .isLessThan(1.0);
      }
    }
  }

  static void assertDeadLetters(List<DeadLetter> letters, String a, String b, Map<String, RecordMetadata> bad) {
    assertThat(letters).hasSize(2);
    DeadLetter garbage = letters.stream().filter(l -> l.key().equals(a)).findFirst().orElseThrow();
    assertThat(garbage.sourceTopic()).isEqualTo(Topics.LATENCY.name());
    assertThat(garbage.partition()).isEqualTo(bad.get("garbage").partition());
    assertThat(garbage.offset()).isEqualTo(bad.get("garbage").offset());
    assertThat(garbage.error()).contains("not a valid headroom.latency/1 message");
    DeadLetter invalid = letters.stream().filter(l -> l.key().equals(b)).findFirst().orElseThrow();
    assertThat(invalid.sourceTopic()).isEqualTo(Topics.SNAPSHOTS.name());
    assertThat(invalid.partition()).isEqualTo(bad.get("invalid").partition());
    assertThat(invalid.offset()).isEqualTo(bad.get("invalid").offset());
    assertThat(invalid.error()).contains("captured_at is required");
    assertThat(invalid.payload()).startsWith("{").contains("\"section\":\"tables\"");
  }
}
