package dev.headroom.streams.findings;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headroom.schemas.Finding;
import dev.headroom.schemas.SchemaValidator;
import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.Topics;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FindingsTopologyTest {
  static final String INSTANCE = "prod-eu/orders-1";
  static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
  static final Instant START = Instant.parse("2026-11-22T09:00:00Z");

  TopologyTestDriver driver;
  TestInputTopic<String, byte[]> snapshots;
  TestOutputTopic<String, Finding> findings;

  @BeforeEach
  void setUp() {
    start(FindingThresholds.DEFAULTS);
  }

  void start(FindingThresholds thresholds) {
    driver = TestDrivers.driver("findings-test", new TopologySettings(Duration.ofMinutes(1), Duration.ofSeconds(10), 50)
        .withFindings(thresholds));
    snapshots = driver.createInputTopic(Topics.SNAPSHOTS.name(), new StringSerializer(), new ByteArraySerializer());
    findings = driver.createOutputTopic(Topics.FINDINGS.name(), new StringDeserializer(),
        Topics.FINDING_SERDE.deserializer());
  }

  @AfterEach
  void tearDown() {
    driver.close();
  }

  void pipe(String section, Instant at, List<Map<String, Object>> rows) {
    pipePart(section, at, 0, 1, rows);
  }

  static Map<String, Object> index(String name, long scans, boolean unique, String definition) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("datname", "orders");
    r.put("schema", "public");
    r.put("table", "items");
    r.put("index", name);
    r.put("idx_scan", scans);
    r.put("size_bytes", 8L << 20);
    r.put("is_unique", unique);
    r.put("is_primary", unique);
    r.put("backs_constraint", unique);
    r.put("definition", definition);
    return r;
  }

  /** items_sku2 is scanned between any two snapshots. */
  long sku2Scans;

  List<Map<String, Object>> indexes(long skuScans) {
    return List.of(index("items_pkey", 0, true, "CREATE UNIQUE INDEX items_pkey ON public.items USING btree (id)"),
        index("items_sku", skuScans, false, "CREATE INDEX items_sku ON public.items USING btree (sku)"),
        index("items_sku2", sku2Scans += 5, false, "CREATE INDEX items_sku2 ON public.items USING btree (sku)"));
  }

  @Test
  void shouldReportUnusedIndexesAfterThePeriodAndDuplicatesAtOnceAndClearThem() {
    pipe("indexes", T0, indexes(0));
    List<Finding> first = findings.readValuesToList();
    assertThat(first).extracting(f -> f.check() + ":" + f.object() + ":" + f.severity()).containsExactlyInAnyOrder(
        "duplicate_index:orders.public.items_sku:warning",
        "duplicate_index:orders.public.items_sku2:warning");
    first.forEach(f -> assertThat(SchemaValidator.violations(Topics.FINDING_SERDE.write(f))).isEmpty());
    assertThat(first).filteredOn(f -> f.check().equals("duplicate_index") && f.object().endsWith("items_sku"))
        .singleElement().satisfies(f -> assertThat(f.advice()).contains("orders.public.items_sku2"));

    pipe("indexes", T0.plus(Duration.ofDays(6)), indexes(0));
    assertThat(findings.isEmpty()).as("not scanned for 6 days: less than the 7-day period").isTrue();
    pipe("indexes", T0.plus(Duration.ofDays(7)), indexes(0));
    assertThat(findings.readValuesToList()).singleElement().satisfies(f -> {
      assertThat(f.check() + ":" + f.object() + ":" + f.severity()).isEqualTo(
          "unused_index:orders.public.items_sku:warning");
      assertThat(f.advice()).startsWith("no scans for 7 days");
    });
    pipe("indexes", T0.plus(Duration.ofDays(7)).plusSeconds(60), indexes(0));
    assertThat(findings.isEmpty()).as("nothing changed, nothing sent").isTrue();

    pipe("indexes", T0.plus(Duration.ofDays(7)).plusSeconds(120), indexes(42));
    assertThat(findings.readValuesToList()).extracting(f -> f.check() + ":" + f.object() + ":" + f.severity())
        .containsExactly("unused_index:orders.public.items_sku:ok");
    pipe("indexes", T0.plus(Duration.ofDays(13)), indexes(42));
    assertThat(findings.isEmpty()).as("the watch restarted at the scan: 6 days").isTrue();
  }

  @Test
  void shouldKnowAnUnusedIndexAtOnceFromLastIdxScan() {
    Map<String, Object> scannedLongAgo = index("items_sku", 12, false, "");
    scannedLongAgo.put("last_idx_scan", T0.minus(Duration.ofDays(30)).toString());
    Map<String, Object> scannedToday = index("items_name", 3, false, "");
    scannedToday.put("last_idx_scan", T0.minus(Duration.ofHours(2)).toString());
    pipe("indexes", T0, List.of(scannedLongAgo, scannedToday));
    assertThat(findings.readValuesToList()).singleElement().satisfies(f -> {
      assertThat(f.check() + ":" + f.object()).isEqualTo("unused_index:orders.public.items_sku");
      assertThat(f.advice()).startsWith("no scans for 30 days");
    });
  }

  @Test
  void shouldJudgeXidAgeConnectionsAndTheCacheHitRatio() {
    Map<String, Object> db = new LinkedHashMap<>();
    db.put("datname", "orders");
    db.put("frozen_xid_age", 1_700_000_000L);
    db.put("blks_hit", 1_000_000L);
    db.put("blks_read", 1_000L);
    db.put("xact_commit", 1L);
    pipe("databases", T0, List.of(db));
    Map<String, Object> later = new LinkedHashMap<>(db);
    later.put("blks_hit", 1_090_000L); // 90,000 hits and 10,000 reads: 90 %
    later.put("blks_read", 11_000L);
    pipe("databases", T0.plusSeconds(60), List.of(later));
    pipe("activity", T0.plusSeconds(60), List.of(Map.of("connections", 46L, "max_connections", 50L,
        "reserved_connections", 3L)));
    List<Finding> out = findings.readValuesToList();
    assertThat(out).extracting(f -> f.check() + ":" + f.severity()).containsExactly(
        "xid_age:critical", "cache_hit_ratio:warning", "connections:critical");
    assertThat(out.get(1).value()).isCloseTo(0.9, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(out.get(1).at()).isEqualTo(T0.plusSeconds(60));
  }

  void pipePart(String section, Instant at, int part, int parts, List<Map<String, Object>> rows) {
    Snapshot s = TestDrivers.snapshot(INSTANCE, section, at, START, part, parts, rows);
    snapshots.pipeInput(INSTANCE, Topics.SNAPSHOT_SERDE.write(s), at);
  }

  static Map<String, Object> statement(long queryid, String datname, long calls, double totalMs) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("datname", datname);
    r.put("usename", "app");
    r.put("toplevel", true);
    r.put("queryid", queryid);
    r.put("calls", calls);
    r.put("total_exec_time_ms", totalMs);
    r.put("mean_exec_time_ms", totalMs / calls);
    r.put("stddev_exec_time_ms", 0.0);
    r.put("query", "SELECT * FROM items WHERE id = $" + queryid);
    return r;
  }

  @Test
  void shouldRankTheTopStatementsAcrossPartsOnceAllPartsAreIn() {
    driver.close();
    start(withTop(2));

    // part 0: the heavy hitters by total; part 1: the rest, with one slow rarity and query 1 again in another database
    List<Map<String, Object>> part0 = List.of(statement(1, "orders", 1_000_000, 500_000), statement(2, "orders",
        10_000, 300_000), statement(3, "orders", 50_000, 100_000));
    List<Map<String, Object>> part1 = List.of(statement(4, "orders", 3, 90_000), statement(1, "billing", 1000,
        100_000), statement(5, "orders", 100, 1_000));
    pipePart("statements", T0, 0, 2, part0);
    assertThat(findings.isEmpty()).as("one of two parts: no ranking yet").isTrue();
    pipePart("statements", T0, 0, 2, part0); // a copy of part 0 counts once
    pipePart("statements", T0, 1, 2, part1);
    List<Finding> first = findings.readValuesToList();
    assertThat(first).extracting(f -> f.check() + ":" + f.object() + ":" + f.severity()).containsExactly(
        "top_total_time:query:1:info", "top_total_time:query:2:info",
        "top_mean_time:query:4:info", "top_mean_time:query:2:info");
    Finding leader = first.get(0);
    assertThat(leader.value()).as("summed over both databases").isEqualTo(600_000.0);
    assertThat(leader.threshold()).as("the entry bar: the last leader's total").isEqualTo(300_000.0);
    assertThat(leader.advice()).startsWith("#1 by total execution time: 55.0 % of all statement time")
        .contains("SELECT * FROM items WHERE id = $1");
    assertThat(first.get(2).value()).isEqualTo(30_000.0);

    // later, query 3 overtakes query 2 by total; query 4's mean stays on top
    pipePart("statements", T0.plusSeconds(60), 0, 1, List.of(statement(1, "orders", 1_000_100, 500_050),
        statement(3, "orders", 60_000, 400_000), statement(2, "orders", 10_001, 300_030), statement(4, "orders", 3,
            90_000)));
    assertThat(findings.readValuesToList()).extracting(f -> f.check() + ":" + f.object() + ":" + f.severity())
        .containsExactly("top_total_time:query:3:info", "top_total_time:query:2:ok");
  }

  static FindingThresholds withTop(int n) {
    FindingThresholds d = FindingThresholds.DEFAULTS;
    return new FindingThresholds(d.xidAgeWarning(), d.xidAgeCritical(), d.deadTupleShare(), d.deadTupleMinRows(),
        d.connectionsWarning(), d.connectionsCritical(), d.slotWalWarningBytes(), d.slotWalCriticalBytes(),
        d.replicationLagWarningS(), d.replicationLagCriticalS(), d.cacheHitRatio(), d.cacheMinBlocks(),
        d.seqScanMinBytes(), d.unusedIndexMinBytes(), d.unusedIndexPeriod(), d.partitionMinBytes(), d.diskWarning(),
        d.diskCritical(), d.poolEfficiency(), n);
  }

  static Map<String, Object> table(String name, long live, long dead, long bytes, long inserts, long deletes,
      String reloptions) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("datname", "orders");
    r.put("schema", "public");
    r.put("table", name);
    r.put("n_live_tup", live);
    r.put("n_dead_tup", dead);
    r.put("table_bytes", bytes);
    r.put("n_tup_ins", inserts);
    r.put("n_tup_del", deletes);
    r.put("seq_scan", 10L);
    r.put("idx_scan", 1000L);
    r.put("heap_blks_hit", 0L);
    r.put("heap_blks_read", 0L);
    r.put("reloptions", reloptions);
    return r;
  }

  @Test
  void shouldNameTheAutovacuumSettingsAndFindPartitionCandidatesAndColdTables() {
    pipe("settings", T0, List.of(Map.of("name", "autovacuum_vacuum_scale_factor", "setting", "0.2"),
        Map.of("name", "autovacuum_vacuum_threshold", "setting", "50"),
        Map.of("name", "autovacuum_vacuum_cost_limit", "setting", "-1"),
        Map.of("name", "vacuum_cost_limit", "setting", "200"),
        Map.of("name", "work_mem", "setting", "4096")));
    Map<String, Object> events = table("events", 1_000_000, 10_000, 20L << 30, 5_000_000, 10, null);
    Map<String, Object> queue = table("queue", 100_000, 60_000, 1L << 30, 900_000, 800_000,
        "autovacuum_vacuum_scale_factor=0.5,fillfactor=90");
    pipe("tables", T0, List.of(events, queue));
    List<Finding> out = findings.readValuesToList();
    assertThat(out).extracting(f -> f.check() + ":" + f.object() + ":" + f.severity()).containsExactlyInAnyOrder(
        "partition_candidate:orders.public.events:info", "dead_tuples:orders.public.queue:warning");
    assertThat(out).filteredOn(f -> f.check().equals("dead_tuples")).singleElement().satisfies(f -> assertThat(
        f.advice()).contains("it starts after 50050 dead rows (autovacuum_vacuum_threshold 50 +"
            + " autovacuum_vacuum_scale_factor 0.5 × 100000 live rows, with the table's own"
            + " autovacuum_vacuum_scale_factor=0.5,fillfactor=90)")
        .contains("autovacuum_vacuum_cost_limit (now vacuum_cost_limit 200)"));

    // the next interval: the events table's heap read 30,000 blocks of 100,000 from disk
    Map<String, Object> coldEvents = new LinkedHashMap<>(events);
    coldEvents.put("heap_blks_hit", 70_000L);
    coldEvents.put("heap_blks_read", 30_000L);
    pipe("tables", T0.plusSeconds(60), List.of(coldEvents, queue));
    assertThat(findings.readValuesToList()).singleElement().satisfies(f -> {
      assertThat(f.check() + ":" + f.object() + ":" + f.severity()).isEqualTo(
          "table_cache_hit_ratio:orders.public.events:warning");
      assertThat(f.value()).isCloseTo(0.7, org.assertj.core.data.Offset.offset(1e-9));
    });
  }

  @Test
  void shouldJudgeDiskUseAndPoolEfficiency() {
    pipe("host", T0, List.of(Map.of("data_directory", "/var/lib/postgresql/17/main", "disk_total_bytes", 100L << 30,
        "disk_used_bytes", 93L << 30)));
    pipe("pgbouncer_pools", T0, List.of(Map.of("database", "orders", "user", "app", "cl_active", 12L, "cl_waiting",
        8L, "maxwait_ms", 200L), Map.of("database", "orders", "user", "report", "cl_active", 3L, "cl_waiting", 0L,
        "maxwait_ms", 0L)));
    assertThat(findings.readValuesToList()).extracting(f -> f.check() + ":" + f.object() + ":" + f.severity() + ":"
        + Math.round(f.value() * 100)).containsExactly("disk_usage:/var/lib/postgresql/17/main:critical:93",
        "pool_waiting:orders/app:warning:800", "pool_efficiency:orders/app:warning:60");
  }

  @Test
  void shouldRejectACriticalLineBelowItsWarningNamingTheSetting() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new dev.headroom.streams.HeadroomStreamsConfig(Map.of(
        "findings.disk.warning", "0.9", "findings.disk.critical", "0.85")))
        .isInstanceOf(org.apache.kafka.common.config.ConfigException.class)
        .hasMessageContaining("findings.disk.critical").hasMessageContaining("findings.disk.warning");
    assertThat(new dev.headroom.streams.HeadroomStreamsConfig(Map.of("findings.unused.index.period.ms", "3600000"))
        .topologySettings().findings().unusedIndexPeriod()).isEqualTo(Duration.ofHours(1));
  }
}
