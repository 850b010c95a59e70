package dev.headroom.streams.latency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headroom.schemas.LatencySample;
import dev.headroom.schemas.LatencyWindow;
import dev.headroom.schemas.Topics;
import dev.headroom.streams.TestDrivers;
import dev.headroom.streams.TopologySettings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Latency windows close by each scope's own event time; the test driver has one partition, shared by all. */
class KeyedWindowsTopologyTest {
  static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

  TopologyTestDriver driver;
  TestInputTopic<String, byte[]> samples;
  TestOutputTopic<String, LatencyWindow> windows;

  @BeforeEach
  void setUp() {
    driver = TestDrivers.driver("keyed-windows-test",
        new TopologySettings(Duration.ofMinutes(1), Duration.ofSeconds(10), 50));
    samples = driver.createInputTopic(Topics.LATENCY.name(), new StringSerializer(), new ByteArraySerializer());
    windows = driver.createOutputTopic(Topics.LATENCY_WINDOWS.name(), new StringDeserializer(),
        Topics.LATENCY_WINDOW_SERDE.deserializer());
  }

  @AfterEach
  void tearDown() {
    driver.close();
  }

  void sample(String instance, Instant at, double ms) {
    samples.pipeInput(instance, Topics.LATENCY_SAMPLE_SERDE.write(new LatencySample(LatencySample.SCHEMA, instance, at,
        "instance", "probe", ms, 1.0)), at);
  }

  List<LatencyWindow> minutes(String instance) {
    return windows.readValuesToList().stream()
        .filter(w -> w.window().equals("PT1M") && w.instanceId().equals(instance)).toList();
  }

  @Test
  void shouldKeepEveryWindowOfAnInstanceReplayingItsSpoolAnHourBehind() {
    // orders-1 is live up to 11:00; orders-2's collector was cut off and now sends 10:00-10:30 from its spool
    for (int s = 0; s < 3600; s += 15) {
      sample("orders-1", T0.plusSeconds(s), 5);
    }
    for (int s = 0; s <= 1800; s += 15) {
      sample("orders-2", T0.plusSeconds(s), 7);
    }
    List<LatencyWindow> replayed = minutes("orders-2");
    // 10:00 to 10:28: none dropped as late; 10:29 waits for orders-2's time to pass 10:30:10
    assertThat(replayed).as("a window per minute, none dropped as late").hasSize(29);
    assertThat(replayed).allSatisfy(w -> assertThat(w.count()).isEqualTo(4));
  }

  @Test
  void shouldEmitAWindowWhenItsScopeJumpsHoursAhead() {
    sample("orders-1", T0.plusSeconds(10), 12);
    sample("orders-1", T0.plus(Duration.ofHours(3)), 1); // the collector was down for three hours
    assertThat(minutes("orders-1")).singleElement().satisfies(w -> {
      assertThat(w.windowStart()).isEqualTo(T0);
      assertThat(w.count()).isEqualTo(1);
    });
  }

  @Test
  void shouldCloseEveryOpenWindowOfAScopeThatJumpsAFewMinutesAheadInOrder() {
    sample("orders-1", T0.plusSeconds(55), 3);
    sample("orders-1", T0.plusSeconds(65), 4); // within the grace: the 10:00 window stays open
    sample("orders-1", T0.plusSeconds(50), 5);
    sample("orders-1", T0.plusSeconds(300), 1); // both close at once (looked up window by window)
    List<LatencyWindow> closed = minutes("orders-1");
    assertThat(closed).extracting(LatencyWindow::windowStart).containsExactly(T0, T0.plusSeconds(60));
    assertThat(closed).extracting(LatencyWindow::count).containsExactly(2L, 1L);
  }

  @Test
  void shouldWriteWindowKeysAsFormattingWould() {
    for (long start : new long[] {0, 1, 59_999, 60_000, T0.toEpochMilli(), Long.MAX_VALUE, -1, -60_000,
        Long.MIN_VALUE}) {
      assertThat(KeyedWindows.windowKey("i|instance", start))
          .isEqualTo("i|instance\u0000" + String.format("%019d", start));
    }
  }

  @Test
  void shouldEmitTheWindowsOfAQuietScopeOnceTheOthersPassThemAndCountLaterRecordsLate() {
    sample("orders-2", T0.plusSeconds(20), 7); // then orders-2 goes quiet
    for (int s = 0; s < 300; s += 15) {
      sample("orders-1", T0.plusSeconds(s), 5);
    }
    assertThat(minutes("orders-2")).as("its own time has not passed the window").isEmpty();
    driver.advanceWallClockTime(Duration.ofMinutes(6));
    assertThat(minutes("orders-2")).singleElement().satisfies(w -> assertThat(w.count()).isEqualTo(1));
    sample("orders-2", T0.plusSeconds(40), 7); // too late: its window was sent
    sample("orders-2", T0.plusSeconds(400), 7);
    assertThat(minutes("orders-2")).isEmpty();
  }
}
