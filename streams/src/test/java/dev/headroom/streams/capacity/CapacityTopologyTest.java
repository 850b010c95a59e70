package dev.headroom.streams.capacity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.headroom.schemas.Projection;
import dev.headroom.schemas.SchemaValidator;
import dev.headroom.schemas.Topics;
import dev.headroom.schemas.Usage;
import dev.headroom.streams.TestDrivers;
import dev.headroom.streams.TopologySettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;

class CapacityTopologyTest {
  static final String INSTANCE = "prod-eu/orders-1";
  static final Instant DAY0 = Instant.parse("2026-10-01T00:00:00Z");
  static final Instant START = Instant.parse("2026-09-01T00:00:00Z");
  static final double GB = 1L << 30;

  /** A driver over the whole topology with the given capacity settings. */
  record Run(TopologyTestDriver driver, TestInputTopic<String, byte[]> snapshots, TestOutputTopic<String, Usage> usage,
      TestOutputTopic<String, Projection> projections) implements AutoCloseable {
    static Run start(CapacitySettings capacity) {
      TopologyTestDriver driver = TestDrivers.driver("capacity-test",
          new TopologySettings(Duration.ofMinutes(1), Duration.ofSeconds(10), 50).withCapacity(capacity));
      return new Run(driver,
          driver.createInputTopic(Topics.SNAPSHOTS.name(), new StringSerializer(), new ByteArraySerializer()),
          driver.createOutputTopic(Topics.USAGE.name(), new StringDeserializer(), Topics.USAGE_SERDE.deserializer()),
          driver.createOutputTopic(Topics.PROJECTIONS.name(), new StringDeserializer(),
              Topics.PROJECTION_SERDE.deserializer()));
    }

    void pipe(String section, Instant at, List<Map<String, Object>> rows) {
      snapshots.pipeInput(INSTANCE, Topics.SNAPSHOT_SERDE.write(TestDrivers.snapshot(INSTANCE, section, at, START, 0, 1,
          rows)), at);
    }

    @Override
    public void close() {
      driver.close();
    }
  }

  static Map<String, Object> row(Object... kv) {
    Map<String, Object> r = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      r.put((String) kv[i], kv[i + 1]);
    }
    return r;
  }

  static Map<String, Object> host(double usedBytes, long cpuTotal, long cpuIdle) {
    return row("data_directory", "/var/lib/postgresql/17/main", "disk_total_bytes", 1000 * GB, "disk_used_bytes",
        usedBytes, "disk_available_bytes", 1000 * GB - usedBytes, "mem_total_bytes", 64 * GB, "mem_available_bytes",
        16 * GB, "cpu_total_ticks", cpuTotal, "cpu_idle_ticks", cpuIdle, "cpu_iowait_ticks", 0L);
  }

  @Test
  void shouldMeasureEachResourceAgainstItsCapacity() {
    try (Run run = Run.start(new CapacitySettings(Projector.Settings.DEFAULTS, 28, Scenarios.NONE, 1, 1, null))) {
      Instant t = DAY0;
      run.pipe("host", t, List.of(host(400 * GB, 1000, 800)));
      run.pipe("host", t.plusSeconds(60), List.of(host(400 * GB, 1600, 1100))); // 600 ticks, 300 idle: 50 % busy
      run.pipe("activity", t, List.of(row("connections", 45L, "max_connections", 100L, "reserved_connections", 3L)));
      run.pipe("databases", t, List.of(row("datname", "orders", "frozen_xid_age", 200_000_000L, "size_bytes", 5L << 30),
          row("datname", "billing", "frozen_xid_age", 900_000_000L, "size_bytes", 1L << 30)));
      run.pipe("slots", t, List.of(row("slot_name", "cdc", "retained_wal_bytes", 4 * GB)));
      run.pipe("sequences", t, List.of(
          row("datname", "orders", "name", "public.orders_id_seq", "last_value", 2_000_000_000L, "min_value", 1L,
              "max_value", 2_147_483_647L, "increment_by", 1L, "cycle", false),
          row("datname", "orders", "name", "public.items_id_seq", "last_value", 5L, "min_value", 1L,
              "max_value", 2_147_483_647L, "increment_by", 1L, "cycle", false)));
      run.pipe("pgbouncer_pools", t, List.of(row("database", "orders", "user", "app", "cl_active", 15L, "cl_waiting",
          5L, "pool_size", 20L)));
      run.pipe("tables", t, List.of(row("datname", "orders", "schema", "public", "table", "events", "table_bytes",
          (long) (200 * GB)), row("datname", "orders", "schema", "public", "table", "small", "estimated_bytes", 8192L)));
      run.pipe("wal", t, List.of(row("wal_position_bytes", 0L)));
      run.pipe("wal", t.plusSeconds(60), List.of(row("wal_position_bytes", 60L << 20))); // 1 MB/s
      Map<String, Usage> byResource = new LinkedHashMap<>();
      run.usage().readValuesToList().forEach(u -> {
        assertThat(SchemaValidator.violations(Topics.USAGE_SERDE.write(u))).isEmpty();
        byResource.put(u.resource(), u);
      });
      assertThat(byResource.keySet()).containsExactlyInAnyOrder("storage", "memory", "cpu", "connections", "xid",
          "slot_wal", "sequence:orders.public.orders_id_seq", "pool:orders/app", "table:orders.public.events", "wal");
      assertThat(byResource.get("storage").value()).isEqualTo(400 * GB);
      assertThat(byResource.get("storage").capacity()).isEqualTo(1000 * GB);
      assertThat(byResource.get("memory").value()).isEqualTo(48 * GB);
      assertThat(byResource.get("cpu").value()).isCloseTo(0.5, within(1e-12));
      assertThat(byResource.get("connections").capacity()).isEqualTo(97.0);
      assertThat(byResource.get("xid").value()).isEqualTo(900_000_000.0);
      assertThat(byResource.get("slot_wal").capacity()).isEqualTo(600 * GB + 4 * GB);
      assertThat(byResource.get("sequence:orders.public.orders_id_seq").value()).isEqualTo(1_999_999_999.0);
      assertThat(byResource.get("pool:orders/app").value()).isEqualTo(20.0);
      assertThat(byResource.get("table:orders.public.events").capacity()).isNull();
      assertThat(byResource.get("wal").value()).isCloseTo(86_400.0 * (1 << 20), within(1.0));
      assertThat(byResource.get("wal").unit()).isEqualTo("bytes/day");
    }
  }

  /** 30 days of readings every 6 hours: storage grows 10 GB a day, connections 1 a day. */
  static void history(Run run, int days, Consumer<Instant> extra) {
    for (int hour = 0; hour < days * 24; hour += 6) {
      Instant at = DAY0.plus(Duration.ofHours(hour));
      double day = hour / 24.0;
      run.pipe("host", at, List.of(host((400 + 10 * day) * GB, 1000L * hour, 900L * hour)));
      run.pipe("activity", at, List.of(row("connections", (long) (20 + day), "max_connections", 100L,
          "reserved_connections", 0L)));
      extra.accept(at);
    }
  }

  @Test
  void shouldGiveTheFastestGrowingTablesTheirSeriesOnceTheirGrowthIsKnownAndForgetDroppedOnes() {
    try (Run run = Run.start(new CapacitySettings(Projector.Settings.DEFAULTS, 28, Scenarios.NONE, 1, 1, null))) {
      for (int day = 0; day < 4; day++) {
        Instant t = DAY0.plus(Duration.ofDays(day)).plusSeconds(3_600);
        run.pipe("tables", t, List.of(
            row("datname", "orders", "schema", "public", "table", "archive", "table_bytes", (long) (500 * GB)),
            row("datname", "orders", "schema", "public", "table", "events", "table_bytes", (long) ((10 + 5 * day) * GB))));
        run.pipe("tables", t.plusSeconds(300), List.of( // a later reading the same day: not kept, but ranked
            row("datname", "orders", "schema", "public", "table", "archive", "table_bytes", (long) (500 * GB)),
            row("datname", "orders", "schema", "public", "table", "events", "table_bytes", (long) ((10 + 5 * day) * GB))));
      }
      // the first day nothing has a day of history: the largest; from then on events grows 5 GB a day, archive not
      assertThat(run.usage().readValuesToList()).extracting(Usage::resource).containsExactly(
          "table:orders.public.archive", "table:orders.public.archive", "table:orders.public.events",
          "table:orders.public.events", "table:orders.public.events", "table:orders.public.events",
          "table:orders.public.events", "table:orders.public.events");

      // archive is dropped; ten days later its sizes are forgotten, events' are kept
      run.pipe("tables", DAY0.plus(Duration.ofDays(14)), List.of(
          row("datname", "orders", "schema", "public", "table", "events", "table_bytes", (long) (80 * GB))));
      run.driver().advanceWallClockTime(UsageProcessor.PURGE_EVERY);
      var store = run.driver().<String, TableSizes>getKeyValueStore(UsageProcessor.TABLES_STORE);
      assertThat(store.get(INSTANCE + "|orders.public.archive")).isNull();
      // kept, and only this reading: the others are more than the kept week older
      assertThat(store.get(INSTANCE + "|orders.public.events").atMs()).containsExactly(
          DAY0.plus(Duration.ofDays(14)).toEpochMilli());
    }
  }

  @Test
  void shouldProjectEachResourceWhenItsDayClosesAndMarkTheBottleneck() {
    CapacitySettings settings = new CapacitySettings(Projector.Settings.DEFAULTS, 28,
        Scenarios.parse(List.of("traffic-x2:growth:2")), 20, 20, null);
    try (Run run = Run.start(settings)) {
      history(run, 10, at -> { });
      List<Projection> out = run.projections().readValuesToList();
      out.forEach(p -> assertThat(SchemaValidator.violations(Topics.PROJECTION_SERDE.write(p))).isEmpty());
      // days 0..6 close with the first reading of days 1..7: the first projection needs 7 peaks
      Projection storage = last(out, "storage", "baseline");
      assertThat(storage.points()).isEqualTo(9); // days 0..8 closed; day 9 is still open
      assertThat(storage.computedAt()).isEqualTo(DAY0.plus(Duration.ofDays(9)));
      assertThat(storage.model()).isEqualTo("linear");
      assertThat(storage.params().slope()).isCloseTo(10 * GB, within(1e-3 * GB));
      // a day's peak is its last reading, 400 + 10·(d + 0.75) GB at 18:00, fitted at that time: the line is
      // 400 + 10 GB a day, 490 GB at the end of day 8, and 800 GB (80 %) is (800 - 490) / 10 = 31 days later
      assertThat(storage.timeToSaturationDays()).isCloseTo(31, within(1e-3));
      assertThat(storage.saturationAt()).isEqualTo(storage.computedAt().plus(Duration.ofDays(31)));
      Projection connections = last(out, "connections", "baseline");
      // 20 + d all day (whole connections), the peak at its first reading, 00:00: 29 at the end of day 8,
      // and 80 % of 100 is 80 in 51 days
      assertThat(connections.timeToSaturationDays()).isCloseTo(51, within(1e-3));
      assertThat(storage.bottleneck()).isTrue();
      assertThat(connections.bottleneck()).isFalse();
      assertThat(last(out, "storage", "traffic-x2").timeToSaturationDays()).isCloseTo(31.0 / 2, within(1e-3));
      assertThat(out).filteredOn(p -> p.resource().equals("cpu")).isEmpty(); // no host deltas at 6 h: gap
      assertThat(out).allSatisfy(p -> assertThat(p.computedAt()).isAfterOrEqualTo(DAY0.plus(Duration.ofDays(7))));
    }
  }

  @Test
  void shouldMoveTheBottleneckMarkAndSendTheResourceThatLostIt() {
    CapacitySettings settings = new CapacitySettings(Projector.Settings.DEFAULTS, 28, Scenarios.NONE, 20, 20, null);
    try (Run run = Run.start(settings)) {
      history(run, 9, at -> { });
      run.projections().readValuesToList();
      // from day 9 a pool fills fast: 10 of 20 clients, one more each day → 16 (80 %) in 6 days
      for (int day = 9; day <= 17; day++) {
        Instant at = DAY0.plus(Duration.ofDays(day));
        run.pipe("host", at, List.of(host((400 + 10 * day) * GB, 0, 0)));
        run.pipe("activity", at, List.of(row("connections", (long) (20 + day), "max_connections", 100L,
            "reserved_connections", 0L)));
        run.pipe("pgbouncer_pools", at, List.of(row("database", "orders", "user", "app", "cl_active", 10L + day - 9,
            "cl_waiting", 0L, "pool_size", 20L)));
      }
      List<Projection> out = run.projections().readValuesToList();
      Projection pool = last(out, "pool:orders/app", "baseline");
      assertThat(pool.bottleneck()).isTrue();
      Projection firstPoolMark = out.stream().filter(p -> p.resource().equals("pool:orders/app") && p.bottleneck())
          .findFirst().orElseThrow();
      // right after the pool takes the mark, storage's last projection is sent again without it
      Projection lost = out.get(out.indexOf(firstPoolMark) + 1);
      Projection marked = out.subList(0, out.indexOf(firstPoolMark)).stream()
          .filter(p -> p.resource().equals("storage")).reduce((a, b) -> b).orElseThrow();
      assertThat(marked.bottleneck()).isTrue();
      assertThat(lost).isEqualTo(new Projection(marked.schema(), marked.instanceId(), marked.resource(),
          marked.scenario(), marked.unit(), marked.capacity(), marked.saturationFraction(), marked.currentPeak(),
          marked.model(), marked.params(), marked.lookbackDays(), marked.points(), marked.timeToSaturationDays(),
          marked.saturationAt(), marked.runwayLowDays(), marked.runwayHighDays(), marked.horizonDays(),
          marked.headroomAtHorizon(), false, marked.computedAt()));
      assertThat(last(out, "storage", "baseline").bottleneck()).isFalse();
    }
  }

  @Test
  void shouldSayNoGrowthForAFlatResource() {
    try (Run run = Run.start(CapacitySettings.DEFAULTS)) {
      for (int hour = 0; hour < 10 * 24; hour += 6) {
        Instant at = DAY0.plus(Duration.ofHours(hour));
        run.pipe("activity", at, List.of(row("connections", 30L + (hour / 6) % 3, "max_connections", 100L,
            "reserved_connections", 0L)));
      }
      Projection p = last(run.projections().readValuesToList(), "connections", "baseline");
      assertThat(p.timeToSaturationDays()).isNull();
      assertThat(p.saturationAt()).isNull();
      assertThat(p.bottleneck()).isFalse();
    }
  }

  @Test
  void shouldGiveTheSameProjectionsWhateverTheWallClockDid() {
    List<List<Projection>> runs = new ArrayList<>();
    for (Duration tick : List.of(Duration.ZERO, Duration.ofHours(3))) {
      try (Run run = Run.start(CapacitySettings.DEFAULTS)) {
        history(run, 12, at -> run.driver().advanceWallClockTime(tick));
        runs.add(run.projections().readValuesToList());
      }
    }
    assertThat(runs.get(0)).isNotEmpty().isEqualTo(runs.get(1));
  }

  static Projection last(List<Projection> out, String resource, String scenario) {
    return out.stream().filter(p -> p.resource().equals(resource) && p.scenario().equals(scenario))
        .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no projection of " + resource + " / " + scenario));
  }
}
