package dev.headroom.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headroom.schemas.LatencySample;
import dev.headroom.schemas.LatencyWindow;
import dev.headroom.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.IntStream;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An app catching up on a backlog (after a restart, a crash or an outage) goes through many
 * minutes of event time per second. Kafka Streams looks for closed windows at most once a second
 * of wall-clock time (its default, which the app keeps), while the 1-minute window store keeps a
 * window only for window + grace + {@link HeadroomTopology#RETENTION_MARGIN} of stream time and
 * its time-ordered RocksDB store no longer returns older windows. Every window whose close stream
 * time passes by more than the margin between two looks is never emitted, and nothing is logged.
 *
 * <p>Fails on the app as it is: found by StreamsCrashIT, which loses a few minutes of windows
 * after each restart unless it looks for closed windows on every record.
 */
class HeadroomTopologyCatchUpTest {
  static final String INSTANCE = "prod-eu/orders-1";
  static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

  @TempDir
  Path state;

  @Test
  void shouldEmitEveryClosedWindowWhenABacklogIsProcessedWithinASecond() {
    HeadroomStreamsConfig config = new HeadroomStreamsConfig(Map.of(
        HeadroomStreamsConfig.APPLICATION_ID, "catch-up-test",
        HeadroomStreamsConfig.STATE_DIR, state.toString()));
    Properties props = config.streamsProperties();
    // The app's own setting if it has one, else Kafka's default: the driver's is to look on every record.
    props.putIfAbsent(StreamsConfig.InternalConfig.EMIT_INTERVAL_MS_KSTREAMS_WINDOWED_AGGREGATION, 1000L);
    try (TopologyTestDriver driver = new TopologyTestDriver(HeadroomTopology.build(config.topologySettings()), props,
        T0)) {
      TestInputTopic<String, byte[]> samples =
          driver.createInputTopic(Topics.LATENCY.name(), new StringSerializer(), new ByteArraySerializer());
      TestOutputTopic<String, LatencyWindow> windows = driver.createOutputTopic(Topics.LATENCY_WINDOWS.name(),
          new StringDeserializer(), Topics.LATENCY_WINDOW_SERDE.deserializer());
      // 40 minutes of backlog within one second of wall-clock time, then the next second
      for (int minute = 0; minute < 40; minute++) {
        pipe(samples, T0.plus(Duration.ofMinutes(minute)).plusSeconds(10));
      }
      driver.advanceWallClockTime(Duration.ofSeconds(1));
      pipe(samples, T0.plus(Duration.ofMinutes(40)).plusSeconds(10));

      List<LatencyWindow> out = windows.readValuesToList();
      // every window closed by stream time 10:40:10 (the default grace, 30 s): [10:00, 10:01) to [10:38, 10:39)
      assertThat(out).extracting(LatencyWindow::windowStart)
          .containsExactlyElementsOf(IntStream.range(0, 39).mapToObj(m -> T0.plus(Duration.ofMinutes(m))).toList());
    }
  }

  static void pipe(TestInputTopic<String, byte[]> samples, Instant at) {
    samples.pipeInput(INSTANCE, Topics.LATENCY_SAMPLE_SERDE.write(
        new LatencySample(LatencySample.SCHEMA, INSTANCE, at, "app:checkout", "cdc", 12.0, 1.0)), at);
  }
}
