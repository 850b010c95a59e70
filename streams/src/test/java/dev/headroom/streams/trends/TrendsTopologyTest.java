package dev.headroom.streams.trends;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.headroom.schemas.LatencySample;
import dev.headroom.schemas.SchemaValidator;
import dev.headroom.schemas.Topics;
import dev.headroom.schemas.Trend;
import dev.headroom.streams.TestDrivers;
import dev.headroom.streams.TopologySettings;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TrendsTopologyTest {
  static final String INSTANCE = "prod-eu/orders-1";
  /** A Monday. */
  static final Instant MONDAY = Instant.parse("2026-10-05T00:00:00Z");
  static final Instant START = Instant.parse("2026-09-01T00:00:00Z");

  TopologyTestDriver driver;
  TestInputTopic<String, byte[]> snapshots;
  TestInputTopic<String, byte[]> samples;
  TestOutputTopic<String, Trend> trends;

  @BeforeEach
  void setUp() {
    driver = TestDrivers.driver("trends-test", new TopologySettings(Duration.ofMinutes(1), Duration.ofSeconds(10), 50));
    snapshots = driver.createInputTopic(Topics.SNAPSHOTS.name(), new StringSerializer(), new ByteArraySerializer());
    samples = driver.createInputTopic(Topics.LATENCY.name(), new StringSerializer(), new ByteArraySerializer());
    trends = driver.createOutputTopic(Topics.TRENDS.name(), new StringDeserializer(), Topics.TREND_SERDE.deserializer());
  }

  @AfterEach
  void tearDown() {
    driver.close();
  }

  /** A snapshot section collected every hour. */
  void pipe(String section, Instant at, int part, int parts, List<Map<String, Object>> rows) {
    snapshots.pipeInput(INSTANCE, Topics.SNAPSHOT_SERDE.write(TestDrivers.snapshot(INSTANCE, section, at, 3_600_000,
        START, part, parts, rows)), at);
  }

  List<Trend> read() {
    List<Trend> out = trends.readValuesToList();
    out.forEach(t -> assertThat(SchemaValidator.violations(Topics.TREND_SERDE.write(t))).isEmpty());
    return out;
  }

  static List<Trend> of(List<Trend> out, String metric, String scope, String bucket) {
    return out.stream().filter(t -> t.metric().equals(metric) && t.scope().equals(scope) && t.bucket().equals(bucket))
        .toList();
  }

  @Test
  void shouldCompareEachHourDayAndWeekWithTheSameOneAWeekEarlier() {
    // connections every hour for 15 days: 10 in the first week, 12 from the second on
    for (int hour = 0; hour < 15 * 24; hour++) {
      Instant at = MONDAY.plus(Duration.ofMinutes(hour * 60L + 30));
      pipe("activity", at, 0, 1, List.of(Map.of("connections", hour < 168 ? 10L : 12L)));
    }
    pipe("activity", MONDAY.plus(Duration.ofDays(21)).plusSeconds(1800), 0, 1, List.of(Map.of("connections", 12L)));
    List<Trend> out = read();

    List<Trend> hours = of(out, "connections", "instance", "PT1H");
    assertThat(hours).hasSize(192); // hours 168..359: the first week has nothing to compare with
    assertThat(hours.get(0).bucketStart()).isEqualTo(MONDAY.plus(Duration.ofDays(7)));
    assertThat(hours.get(0).previousBucketStart()).isEqualTo(MONDAY);
    assertThat(hours.subList(0, 168)).allSatisfy(t -> assertThat(t.changePct()).isCloseTo(20.0, within(1e-9)));
    assertThat(hours.subList(168, 192)).allSatisfy(t -> assertThat(t.changePct()).isCloseTo(0.0, within(1e-9)));

    List<Trend> days = of(out, "connections", "instance", "P1D");
    assertThat(days).extracting(t -> t.bucketStart().toString() + ":" + Math.round(t.changePct())).containsExactly(
        "2026-10-12T00:00:00Z:20", "2026-10-13T00:00:00Z:20", "2026-10-14T00:00:00Z:20", "2026-10-15T00:00:00Z:20",
        "2026-10-16T00:00:00Z:20", "2026-10-17T00:00:00Z:20", "2026-10-18T00:00:00Z:20", "2026-10-19T00:00:00Z:0");

    List<Trend> weeks = of(out, "connections", "instance", "P7D");
    assertThat(weeks).extracting(t -> t.bucketStart() + " vs " + t.previousBucketStart() + ": " + t.value() + " / "
        + t.previousValue()).containsExactly(
        "2026-10-12T00:00:00Z vs 2026-10-05T00:00:00Z: 12.0 / 10.0",
        "2026-10-19T00:00:00Z vs 2026-10-12T00:00:00Z: 12.0 / 12.0");

    KeyValueStore<String, TrendProcessor.History> history = driver.getKeyValueStore("trend-catalog-history");
    assertThat(history.get(INSTANCE + "|connections|instance|PT1H").values()).as("a week of hours, no more")
        .hasSizeLessThanOrEqualTo(168);
  }

  static Map<String, Object> statement(long queryid, long calls) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("datname", "orders");
    r.put("usename", "app");
    r.put("toplevel", true);
    r.put("queryid", queryid);
    r.put("calls", calls);
    r.put("total_exec_time_ms", calls * 1.0);
    r.put("mean_exec_time_ms", 1.0);
    r.put("stddev_exec_time_ms", 0.0);
    return r;
  }

  @Test
  void shouldCountTheCallsOfEveryPartOverTheIntervalOnce() {
    // four statements in two parts, each 25 calls/s in the first week and 37.5 in the second
    long[] calls = new long[4];
    for (int hour = 0; hour <= 8 * 24; hour++) {
      Instant at = MONDAY.plus(Duration.ofHours(hour));
      pipe("statements", at, 0, 2, List.of(statement(1, calls[0]), statement(2, calls[1])));
      pipe("statements", at, 1, 2, List.of(statement(3, calls[2]), statement(4, calls[3])));
      for (int i = 0; i < 4; i++) {
        calls[i] += hour < 168 ? 90_000 : 135_000;
      }
    }
    List<Trend> hours = of(read(), "calls_per_s", "instance", "PT1H");
    assertThat(hours).isNotEmpty().allSatisfy(t -> {
      assertThat(t.previousValue()).isCloseTo(100.0, within(1e-9));
      assertThat(t.value()).isCloseTo(150.0, within(1e-9));
      assertThat(t.changePct()).isCloseTo(50.0, within(1e-9));
    });
  }

  @Test
  void shouldTrendTheP95OfEachScopeFromItsClosedWindows() {
    // a sample every 5 minutes
    for (int minute = 0; minute < (8 * 24 + 2) * 60; minute += 5) {
      Instant at = MONDAY.plus(Duration.ofMinutes(minute)).plusSeconds(30);
      samples.pipeInput(INSTANCE, Topics.LATENCY_SAMPLE_SERDE.write(new LatencySample(LatencySample.SCHEMA, INSTANCE,
          at, "app:checkout", "cdc", minute < 168 * 60 ? 10.0 : 30.0, 1.0)), at);
    }
    List<Trend> hours = of(read(), "p95_ms", "app:checkout", "PT1H");
    assertThat(hours).hasSizeGreaterThanOrEqualTo(23).allSatisfy(t -> {
      assertThat(t.bucketStart()).isAfterOrEqualTo(MONDAY.plus(Duration.ofDays(7)));
      assertThat(t.value() / t.previousValue()).isCloseTo(3.0, within(0.07)); // each within the sketch's 1 %
    });
  }
}
