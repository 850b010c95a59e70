package dev.headroom.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.datadoghq.sketch.ddsketch.DDSketch;
import dev.headroom.schemas.DeadLetter;
import dev.headroom.schemas.Delta;
import dev.headroom.schemas.LatencySample;
import dev.headroom.schemas.LatencySketches;
import dev.headroom.schemas.LatencyWindow;
import dev.headroom.schemas.SchemaValidator;
import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HeadroomTopologyTest {
  static final String INSTANCE = "prod-eu/orders-1";
  static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
  static final Instant START = Instant.parse("2026-11-22T09:00:00Z");

  TopologyTestDriver driver;
  TestInputTopic<String, byte[]> snapshots;
  TestInputTopic<String, byte[]> samples;
  TestOutputTopic<String, Delta> deltas;
  TestOutputTopic<String, LatencyWindow> windows;
  TestOutputTopic<String, DeadLetter> deadLetters;

  @BeforeEach
  void setUp() {
    driver = TestDrivers.driver("topology-test", new TopologySettings(Duration.ofMinutes(1), Duration.ofSeconds(10),
        50));
    snapshots = driver.createInputTopic(Topics.SNAPSHOTS.name(), new StringSerializer(), new ByteArraySerializer());
    samples = driver.createInputTopic(Topics.LATENCY.name(), new StringSerializer(), new ByteArraySerializer());
    deltas = driver.createOutputTopic(Topics.DELTAS.name(), new StringDeserializer(), Topics.DELTA_SERDE.deserializer());
    windows = driver.createOutputTopic(Topics.LATENCY_WINDOWS.name(), new StringDeserializer(),
        Topics.LATENCY_WINDOW_SERDE.deserializer());
    deadLetters = driver.createOutputTopic(Topics.DEADLETTER.name(), new StringDeserializer(),
        Topics.DEAD_LETTER_SERDE.deserializer());
  }

  @AfterEach
  void tearDown() {
    driver.close();
  }

  static Map<String, Object> statement(long queryid, long calls, double mean, double stddev) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("queryid", queryid);
    row.put("datname", "orders");
    row.put("usename", "app");
    row.put("toplevel", true);
    row.put("query", "SELECT pg_sleep($1)");
    row.put("calls", calls);
    row.put("total_exec_time_ms", calls * mean);
    row.put("mean_exec_time_ms", mean);
    row.put("stddev_exec_time_ms", stddev);
    row.put("rows", calls);
    return row;
  }

  static Snapshot snapshot(Instant at, Instant postmasterStart, List<Map<String, Object>> rows) {
    return new Snapshot(Snapshot.SCHEMA, "s-" + at.toEpochMilli(), new Snapshot.InstanceInfo(INSTANCE, "prod-eu",
        "primary", "7301", 170005, Map.of()), new Snapshot.AgentInfo("a", "0.1.0"), at, 10_000, postmasterStart, null,
        "statements", 0, 1, rows, false);
  }

  static Snapshot section(String section, Instant at, Instant postmasterStart, List<Map<String, Object>> rows) {
    return TestDrivers.snapshot(INSTANCE, section, at, postmasterStart, 0, 1, rows);
  }

  static Map<String, Object> table(String name, long seqScan, long inserted) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("datname", "orders");
    row.put("schema", "public");
    row.put("table", name);
    row.put("seq_scan", seqScan);
    row.put("n_tup_ins", inserted);
    row.put("n_live_tup", inserted); // a gauge: not differenced
    return row;
  }

  @Test
  void shouldDifferenceTablesHostAndWalCountersPerObject() {
    pipe(section("tables", T0, START, List.of(table("items", 10, 1000), table("carts", 5, 50))));
    pipe(section("host", T0, START, List.of(Map.of("cpu_total_ticks", 10_000L, "cpu_idle_ticks", 8_000L,
        "mem_total_bytes", 1L << 30))));
    pipe(section("wal", T0, START, List.of(Map.of("wal_position_bytes", 1_000_000L))));
    assertThat(deltas.isEmpty()).isTrue();
    // a clean restart between: the host's ticks and the WAL position go on, no spike
    Instant restarted = T0.plusSeconds(30);
    pipe(section("tables", T0.plusSeconds(60), restarted, List.of(table("items", 13, 1600), table("carts", 5, 50))));
    pipe(section("host", T0.plusSeconds(60), restarted, List.of(Map.of("cpu_total_ticks", 22_000L,
        "cpu_idle_ticks", 17_000L, "mem_total_bytes", 1L << 30))));
    pipe(section("wal", T0.plusSeconds(60), restarted, List.of(Map.of("wal_position_bytes", 7_000_000L))));
    Map<String, Delta> byObject = new java.util.HashMap<>();
    deltas.readValuesToList().forEach(d -> byObject.put(d.section() + ":" + d.object(), d));
    assertThat(byObject).containsOnlyKeys("tables:orders|public|items", "tables:orders|public|carts", "host:instance",
        "wal:instance");
    Delta items = byObject.get("tables:orders|public|items");
    assertThat(items.delta("seq_scan")).isEqualTo(3.0);
    assertThat(items.delta("n_tup_ins")).isEqualTo(600.0);
    assertThat(items.rates().get("n_tup_ins")).isEqualTo(10.0);
    assertThat(items.deltas()).doesNotContainKey("n_live_tup");
    assertThat(items.labels()).containsEntry("table", "items").containsEntry("schema", "public");
    Delta host = byObject.get("host:instance");
    assertThat(host.reset()).isFalse();
    assertThat(host.delta("cpu_total_ticks")).isEqualTo(12_000.0);
    assertThat(host.delta("cpu_idle_ticks")).isEqualTo(9_000.0); // 25 % busy
    assertThat(byObject.get("wal:instance").delta("wal_position_bytes")).isEqualTo(6_000_000.0);
  }

  @Test
  void shouldForgetObjectsNotSeenForADay() {
    pipe(section("tables", T0, START, List.of(table("dropped", 10, 1000), table("kept", 1, 1))));
    pipe(section("tables", T0.plus(Duration.ofHours(25)), START, List.of(table("kept", 2, 2))));
    deltas.readValuesToList();
    driver.advanceWallClockTime(Duration.ofMinutes(11)); // the purge runs
    // a table of the same name created again: a first sight, not a delta against day-old counters
    pipe(section("tables", T0.plus(Duration.ofHours(26)), START, List.of(table("dropped", 1, 5), table("kept", 3, 3))));
    assertThat(deltas.readValuesToList()).extracting(Delta::object).containsExactly("orders|public|kept");
  }

  void pipe(Snapshot s) {
    snapshots.pipeInput(INSTANCE, Topics.SNAPSHOT_SERDE.write(s), s.capturedAt());
  }

  @Test
  void shouldEmitNoDeltaOnFirstSightThenExactDeltasAndRates() {
    pipe(snapshot(T0, START, List.of(statement(7, 10, 50.0, 0.0))));
    assertThat(deltas.isEmpty()).isTrue();

    pipe(snapshot(T0.plusSeconds(10), START, List.of(statement(7, 30, 40.0, 0.0))));
    List<TestRecord<String, Delta>> out = deltas.readRecordsToList();
    assertThat(out).hasSize(1);
    Delta d = out.get(0).value();
    assertThat(out.get(0).key()).isEqualTo(INSTANCE);
    assertThat(d.object()).isEqualTo("orders|app|true|7");
    assertThat(d.intervalMs()).isEqualTo(10_000);
    assertThat(d.reset()).isFalse();
    assertThat(d.gap()).isFalse();
    assertThat(d.delta("calls")).isEqualTo(20.0);
    assertThat(d.delta("total_exec_time_ms")).isEqualTo(1200.0 - 500.0);
    assertThat(d.rates().get("calls")).isEqualTo(2.0);
    assertThat(d.labels()).containsEntry("queryid", "7").containsEntry("datname", "orders");
    assertThat(SchemaValidator.violations(Topics.DELTA_SERDE.write(d))).isEmpty();
  }

  @Test
  void shouldTreatACounterThatWentDownAsAResetNeverANegativeDelta() {
    pipe(snapshot(T0, START, List.of(statement(7, 100, 50.0, 0.0))));
    pipe(snapshot(T0.plusSeconds(10), START, List.of(statement(7, 4, 50.0, 0.0))));
    Delta d = deltas.readValue();
    assertThat(d.reset()).isTrue();
    assertThat(d.delta("calls")).isEqualTo(4.0);
    assertThat(d.delta("total_exec_time_ms")).isEqualTo(200.0);
  }

  @Test
  void shouldCountTheWalWrittenAcrossACrashThatResetTheWalStatistics() {
    pipe(section("wal", T0, START, List.of(Map.of("wal_position_bytes", 9_000_000_000L, "wal_records", 5_000_000L,
        "stats_reset", "2026-11-01T00:00:00.000Z"))));
    // a crash: the statistics start over (a new stats_reset, counters from zero), the LSN goes on
    pipe(section("wal", T0.plusSeconds(60), START, List.of(Map.of("wal_position_bytes", 9_050_000_000L,
        "wal_records", 300L, "stats_reset", "2026-11-22T10:00:30.000Z"))));
    Delta d = deltas.readValuesToList().get(0);
    assertThat(d.reset()).isTrue();
    assertThat(d.delta("wal_records")).isEqualTo(300.0);
    assertThat(d.delta("wal_position_bytes")).isEqualTo(50_000_000.0);
  }

  @Test
  void shouldSeeAStatementEvictedAndBackWithMoreCallsAsAReset() {
    Map<String, Object> before = statement(7, 100, 50.0, 10.0);
    before.put("min_exec_time_ms", 20.0);
    before.put("max_exec_time_ms", 400.0);
    Map<String, Object> back = statement(7, 150, 30.0, 5.0); // a new entry: 150 calls since it came back
    back.put("min_exec_time_ms", 21.0);
    back.put("max_exec_time_ms", 60.0);
    Map<String, Object> grown = statement(7, 160, 30.0, 5.0);
    grown.put("min_exec_time_ms", 21.0);
    grown.put("max_exec_time_ms", 60.0);
    pipe(snapshot(T0, START, List.of(before)));
    pipe(snapshot(T0.plusSeconds(10), START, List.of(back)));
    pipe(snapshot(T0.plusSeconds(20), START, List.of(grown)));
    List<Delta> out = deltas.readValuesToList();
    assertThat(out.get(0).reset()).as("every counter grew, but the max fell and the min rose").isTrue();
    assertThat(out.get(0).delta("calls")).isEqualTo(150.0);
    assertThat(out.get(0).deltas()).allSatisfy((name, value) -> assertThat(name).doesNotStartWith("~"));
    assertThat(out.get(1).reset()).isFalse();
    assertThat(out.get(1).delta("calls")).isEqualTo(10.0);
  }

  @Test
  void shouldKeepCountingAcrossACleanRestartAndResetAfterACrash() {
    pipe(snapshot(T0, START, List.of(statement(7, 10, 50.0, 0.0))));
    // a clean restart: PostgreSQL kept the statistics, so the interval counts what happened in it
    pipe(snapshot(T0.plusSeconds(10), T0.plusSeconds(5), List.of(statement(7, 12, 50.0, 0.0))));
    Delta clean = deltas.readValue();
    assertThat(clean.reset()).isFalse();
    assertThat(clean.delta("calls")).isEqualTo(2.0);
    // a crash: the statistics restarted from zero, which shows as the counter going down
    pipe(snapshot(T0.plusSeconds(20), T0.plusSeconds(15), List.of(statement(7, 3, 50.0, 0.0))));
    Delta crash = deltas.readValue();
    assertThat(crash.reset()).isTrue();
    assertThat(crash.delta("calls")).isEqualTo(3.0);
  }

  @Test
  void shouldDropDuplicateAndOutOfOrderSnapshotsAndFlagGaps() {
    pipe(snapshot(T0, START, List.of(statement(7, 10, 50.0, 0.0))));
    pipe(snapshot(T0.plusSeconds(10), START, List.of(statement(7, 20, 50.0, 0.0))));
    pipe(snapshot(T0.plusSeconds(10), START, List.of(statement(7, 20, 50.0, 0.0))));
    pipe(snapshot(T0.plusSeconds(5), START, List.of(statement(7, 15, 50.0, 0.0))));
    assertThat(deltas.readValuesToList()).hasSize(1);

    pipe(snapshot(T0.plusSeconds(60), START, List.of(statement(7, 25, 50.0, 0.0))));
    Delta gap = deltas.readValue();
    assertThat(gap.gap()).isTrue();
    assertThat(gap.intervalMs()).isEqualTo(50_000);
    assertThat(gap.delta("calls")).isEqualTo(5.0);
  }

  @Test
  void shouldLeaveDeltasOverAGapOutOfTheLatencyWindows() {
    pipe(snapshot(T0, START, List.of(statement(7, 10, 50.0, 0.0))));
    pipe(snapshot(T0.plusSeconds(10), START, List.of(statement(7, 20, 50.0, 0.0))));
    // five minutes without a snapshot: those 3000 calls cannot be placed in a minute
    pipe(snapshot(T0.plusSeconds(310), START, List.of(statement(7, 3020, 50.0, 0.0))));
    for (int i = 1; i <= 7; i++) {
      pipe(snapshot(T0.plusSeconds(310 + 10L * i), START, List.of(statement(7, 3020 + 10L * i, 50.0, 0.0))));
    }
    List<LatencyWindow> out = windows.readValuesToList().stream().filter(w -> w.scope().equals("instance")).toList();
    assertThat(out).extracting(LatencyWindow::windowStart).containsExactly(T0, T0.plusSeconds(300));
    assertThat(out).extracting(LatencyWindow::count).containsExactly(10L, 50L);
  }

  @Test
  void shouldEmitEachLatencyWindowOnceWhenItClosesWithTheKnownLatency() {
    // 10 calls of a 50 ms statement every 10 s, a fast one beside it; each interval's calls
    // count at its middle: (10:00:50, 10:01:05] at 10:00:57.5 still belongs to the first minute.
    for (int i = 0; i <= 5; i++) {
      pipe(snapshot(T0.plusSeconds(10L * i), START,
          List.of(statement(7, 10L * i, 50.0, 0.0), statement(8, 100L * i, 0.2, 0.05))));
    }
    assertThat(windows.isEmpty()).as("the window [10:00, 10:01) is open until 10:01:10").isTrue();
    pipe(snapshot(T0.plusSeconds(65), START,
        List.of(statement(7, 55, 50.0, 0.0), statement(8, 550, 0.2, 0.05))));
    assertThat(windows.isEmpty()).as("still within the grace").isTrue();
    pipe(snapshot(T0.plusSeconds(75), START,
        List.of(statement(7, 60, 50.0, 0.0), statement(8, 600, 0.2, 0.05))));

    Map<String, TestRecord<String, LatencyWindow>> byKey = new LinkedHashMap<>();
    windows.readRecordsToList().forEach(r -> byKey.merge(r.key(), r, (a, b) -> {
      throw new AssertionError("window emitted twice for " + r.key());
    }));
    assertThat(byKey.keySet()).containsExactlyInAnyOrder(INSTANCE + "|instance", INSTANCE + "|db:orders",
        INSTANCE + "|query:7", INSTANCE + "|query:8");

    TestRecord<String, LatencyWindow> slowRecord = byKey.get(INSTANCE + "|query:7");
    LatencyWindow slow = slowRecord.value();
    assertThat(slowRecord.timestamp()).isEqualTo(T0.plusSeconds(60).toEpochMilli());
    assertThat(slow.window()).isEqualTo("PT1M");
    assertThat(slow.windowStart()).isEqualTo(T0);
    assertThat(slow.windowEnd()).isEqualTo(T0.plusSeconds(60));
    assertThat(slow.count()).isEqualTo(55);
    assertThat(slow.method()).isEqualTo("moment");
    assertThat(slow.p95Ms()).isCloseTo(50.0, within(0.5));

    LatencyWindow instance = byKey.get(INSTANCE + "|instance").value();
    // 55 slow calls among 605: the median is fast, p95 is the slow statement
    assertThat(instance.count()).isEqualTo(55 + 550);
    assertThat(instance.p50Ms()).isLessThan(1.0);
    assertThat(instance.p95Ms()).isCloseTo(50.0, within(0.5));
    assertThat(SchemaValidator.violations(Topics.LATENCY_WINDOW_SERDE.write(instance))).isEmpty();
    DDSketch merged = LatencySketches.fromBase64(instance.sketch());
    assertThat(merged.getCount()).isCloseTo(605.0, within(1e-6));

    pipe(snapshot(T0.plusSeconds(85), START,
        List.of(statement(7, 65, 50.0, 0.0), statement(8, 650, 0.2, 0.05))));
    assertThat(windows.isEmpty()).as("a closed window is never emitted again").isTrue();
  }

  @Test
  void shouldCountLateSamplesWithinGraceAndDropThemAfter() {
    samples.pipeInput(INSTANCE, sample(T0.plusSeconds(30), 10.0), T0.plusSeconds(30));
    samples.pipeInput(INSTANCE, sample(T0.plusSeconds(65), 1.0), T0.plusSeconds(65));
    // late, but within the 10 s grace of [10:00, 10:01)
    samples.pipeInput(INSTANCE, sample(T0.plusSeconds(50), 20.0), T0.plusSeconds(50));
    samples.pipeInput(INSTANCE, sample(T0.plusSeconds(71), 1.0), T0.plusSeconds(71));
    // too late: the window closed at 10:01:10
    samples.pipeInput(INSTANCE, sample(T0.plusSeconds(40), 999.0), T0.plusSeconds(40));

    List<LatencyWindow> out = windows.readValuesToList();
    assertThat(out).hasSize(1);
    LatencyWindow w = out.get(0);
    assertThat(w.scope()).isEqualTo("app:checkout");
    assertThat(w.method()).isEqualTo("exact");
    assertThat(w.count()).isEqualTo(2);
    assertThat(w.maxMs()).isEqualTo(20.0);
  }

  @Test
  void shouldEmitAWindowWhenStreamTimeJumpsFarPastItsClose() {
    // e.g. the collector was down for minutes: the window closes with the next record, not lost
    samples.pipeInput(INSTANCE, sample(T0.plusSeconds(10), 12.0), T0.plusSeconds(10));
    samples.pipeInput(INSTANCE, sample(T0.plusSeconds(360), 1.0), T0.plusSeconds(360));
    List<LatencyWindow> out = windows.readValuesToList();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).windowStart()).isEqualTo(T0);
    assertThat(out.get(0).count()).isEqualTo(1);
    assertThat(out.get(0).p95Ms()).isCloseTo(12.0, within(0.12));
  }

  @Test
  void shouldKeepExactSampleQuantilesWithinOnePercentOnHeavyTailedData() {
    Random random = new Random(42);
    double[] values = new double[20_000];
    for (int i = 0; i < values.length; i++) {
      // log-normal body with a Pareto tail: 5 % of calls are 10-1000x slower
      values[i] = random.nextDouble() < 0.95 ? Math.exp(1.0 + 0.8 * random.nextGaussian())
          : 30.0 / Math.pow(random.nextDouble(), 1.5);
      samples.pipeInput(INSTANCE, sample(T0.plusMillis(i), values[i]), T0.plusMillis(i));
    }
    samples.pipeInput(INSTANCE, sample(T0.plusSeconds(120), 1.0), T0.plusSeconds(120));
    LatencyWindow w = windows.readValuesToList().get(0);
    Arrays.sort(values);
    assertThat(w.count()).isEqualTo(values.length);
    assertThat(w.p95Ms()).isCloseTo(exactQuantile(values, 0.95), within(0.01 * exactQuantile(values, 0.95)));
    assertThat(w.p99Ms()).isCloseTo(exactQuantile(values, 0.99), within(0.01 * exactQuantile(values, 0.99)));
    assertThat(w.maxMs()).isEqualTo(values[values.length - 1]);
  }

  @Test
  void shouldDeadLetterUnreadableInputAndGoOn() {
    snapshots.pipeInput(INSTANCE, "{\"schema\":\"headroom.snapshot/1\",\"rows\":".getBytes(StandardCharsets.UTF_8),
        T0);
    pipe(snapshot(T0, START, List.of(statement(7, 10, 50.0, 0.0))));
    pipe(snapshot(T0.plusSeconds(10), START, List.of(statement(7, 20, 50.0, 0.0))));

    DeadLetter letter = deadLetters.readValue();
    assertThat(letter.sourceTopic()).isEqualTo(Topics.SNAPSHOTS.name());
    assertThat(letter.offset()).isEqualTo(0);
    assertThat(letter.key()).isEqualTo(INSTANCE);
    assertThat(letter.error()).contains("not a valid headroom.snapshot/1");
    assertThat(letter.payload()).startsWith("{\"schema\"");
    assertThat(deltas.readValuesToList()).hasSize(1);
  }

  static double exactQuantile(double[] sorted, double q) {
    // the lower quantile by rank, as DDSketch defines it
    return sorted[(int) Math.floor(q * (sorted.length - 1))];
  }

  @Test
  void shouldRollMinutesUpIntoHoursAndDaysByMergingSketches() {
    // 2 hours of exact samples, a heavy tail in the second half hour of the first hour
    java.util.List<Double> firstHour = new java.util.ArrayList<>();
    for (int s = 0; s < 2 * 3600; s += 20) {
      double v = s < 1800 ? 10 + (s % 7) : (s % 200 == 0 ? 900.0 : 40 + (s % 11));
      samples.pipeInput(INSTANCE, sample(T0.plusSeconds(s), v), T0.plusSeconds(s));
      if (s < 3600) {
        firstHour.add(v);
      }
    }
    // then a sample every 10 minutes, so minutes, hours and the day close in turn
    int later = 0;
    for (Instant at = T0.plus(Duration.ofHours(2)); at.isBefore(T0.plus(Duration.ofHours(40))); at = at.plusSeconds(600)) {
      samples.pipeInput(INSTANCE, sample(at, 1.0), at);
      later += at.isBefore(Instant.parse("2026-11-23T00:00:00Z")) ? 1 : 0;
    }
    Map<String, List<LatencyWindow>> bySize = new java.util.HashMap<>();
    windows.readValuesToList().forEach(w -> bySize.computeIfAbsent(w.window(), k -> new java.util.ArrayList<>()).add(w));
    assertThat(bySize).containsKeys("PT1M", "PT1H", "P1D");
    assertThat(bySize.get("PT1M").stream().filter(w -> w.windowStart().isBefore(T0.plus(Duration.ofHours(2)))))
        .hasSize(120);
    assertThat(bySize.get("PT1H")).extracting(LatencyWindow::windowStart)
        .startsWith(T0, T0.plus(Duration.ofHours(1)), T0.plus(Duration.ofHours(2))).doesNotHaveDuplicates();
    LatencyWindow hour = bySize.get("PT1H").get(0);
    assertThat(hour.windowEnd()).isEqualTo(T0.plus(Duration.ofHours(1)));
    assertThat(hour.count()).isEqualTo(firstHour.size());
    // merging sketches equals the sketch of the union: the hour's p95 is the p95 of all its samples
    com.datadoghq.sketch.ddsketch.DDSketch union = dev.headroom.schemas.LatencySketches.create();
    firstHour.forEach(union::accept);
    assertThat(hour.p95Ms()).isEqualTo(union.getValueAtQuantile(0.95));
    assertThat(hour.p99Ms()).isEqualTo(union.getValueAtQuantile(0.99));
    assertThat(hour.maxMs()).isEqualTo(900.0);
    assertThat(hour.method()).isEqualTo("exact");
    LatencyWindow day = bySize.get("P1D").get(0);
    assertThat(day.windowStart()).isEqualTo(Instant.parse("2026-11-22T00:00:00Z"));
    assertThat(day.count()).isEqualTo(2 * 3600 / 20 + later);
    assertThat(bySize.get("P1D")).hasSize(1); // the next day is still open
    assertThat(dev.headroom.schemas.SchemaValidator.violations(Topics.LATENCY_WINDOW_SERDE.write(day))).isEmpty();
  }

  @Test
  void shouldCountASampleSentAgainWithTheSameIdOnce() {
    // Debezium after a restart, or the spool after a crash, sends the same sample again
    samples.pipeInput(INSTANCE, sample("cdc:0/16B3748:public.metrics:1", T0.plusSeconds(10), 100.0), T0.plusSeconds(10));
    samples.pipeInput(INSTANCE, sample("cdc:0/16B3790:public.metrics:2", T0.plusSeconds(11), 200.0), T0.plusSeconds(11));
    samples.pipeInput(INSTANCE, sample("cdc:0/16B3748:public.metrics:1", T0.plusSeconds(10), 100.0), T0.plusSeconds(40));
    samples.pipeInput(INSTANCE, sample(null, T0.plusSeconds(12), 300.0), T0.plusSeconds(12));
    samples.pipeInput(INSTANCE, sample(null, T0.plusSeconds(12), 300.0), T0.plusSeconds(12));
    samples.pipeInput(INSTANCE, sample("later", T0.plusSeconds(75), 1.0), T0.plusSeconds(75));
    List<LatencyWindow> closed = windows.readValuesToList();
    assertThat(closed).singleElement().satisfies(w -> {
      assertThat(w.count()).isEqualTo(4); // the two ids once each, and both samples without an id
      assertThat(w.maxMs()).isCloseTo(300.0, org.assertj.core.data.Offset.offset(3.0));
    });
  }

  static byte[] sample(String id, Instant at, double valueMs) {
    return Topics.LATENCY_SAMPLE_SERDE.write(
        new LatencySample(LatencySample.SCHEMA, id, INSTANCE, at, "app:checkout", "cdc", valueMs, 1.0));
  }

  static byte[] sample(Instant at, double valueMs) {
    return Topics.LATENCY_SAMPLE_SERDE.write(
        new LatencySample(LatencySample.SCHEMA, INSTANCE, at, "app:checkout", "cdc", valueMs, 1.0));
  }
}
