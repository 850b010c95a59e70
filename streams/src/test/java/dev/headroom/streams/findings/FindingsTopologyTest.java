package dev.headroom.streams.findings;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headroom.schemas.Finding;
import dev.headroom.schemas.SchemaValidator;
import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.Topics;
import dev.headroom.streams.HeadroomTopology;
import dev.headroom.streams.TopologySettings;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
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
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "findings-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    driver = new TopologyTestDriver(HeadroomTopology.build(
        new TopologySettings(Duration.ofMinutes(1), Duration.ofSeconds(10), 50)), props);
    snapshots = driver.createInputTopic(Topics.SNAPSHOTS.name(), new StringSerializer(), new ByteArraySerializer());
    findings = driver.createOutputTopic(Topics.FINDINGS.name(), new StringDeserializer(),
        Topics.FINDING_SERDE.deserializer());
  }

  @AfterEach
  void tearDown() {
    driver.close();
  }

  void pipe(String section, Instant at, List<Map<String, Object>> rows) {
    Snapshot s = new Snapshot(Snapshot.SCHEMA, "s-" + at.toEpochMilli(), new Snapshot.InstanceInfo(INSTANCE, null,
        "primary", null, 170005, Map.of()), null, at, 60_000, START, null, section, 0, 1, rows, false);
    snapshots.pipeInput(INSTANCE, Topics.SNAPSHOT_SERDE.write(s), at);
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

  static List<Map<String, Object>> indexes(long skuScans) {
    return List.of(index("items_pkey", 0, true, "CREATE UNIQUE INDEX items_pkey ON public.items USING btree (id)"),
        index("items_sku", skuScans, false, "CREATE INDEX items_sku ON public.items USING btree (sku)"),
        index("items_sku2", 5, false, "CREATE INDEX items_sku2 ON public.items USING btree (sku)"));
  }

  @Test
  void shouldReportUnusedAndDuplicateIndexesOnceAndClearThem() {
    pipe("indexes", T0, indexes(0));
    List<Finding> first = findings.readValuesToList();
    assertThat(first).extracting(f -> f.check() + ":" + f.object() + ":" + f.severity()).containsExactlyInAnyOrder(
        "unused_index:orders.public.items_sku:warning",
        "duplicate_index:orders.public.items_sku:warning",
        "duplicate_index:orders.public.items_sku2:warning");
    first.forEach(f -> assertThat(SchemaValidator.violations(Topics.FINDING_SERDE.write(f))).isEmpty());
    assertThat(first).filteredOn(f -> f.check().equals("duplicate_index") && f.object().endsWith("items_sku"))
        .singleElement().satisfies(f -> assertThat(f.advice()).contains("orders.public.items_sku2"));

    pipe("indexes", T0.plusSeconds(60), indexes(0));
    assertThat(findings.isEmpty()).as("nothing changed, nothing sent").isTrue();

    pipe("indexes", T0.plusSeconds(120), indexes(42));
    assertThat(findings.readValuesToList()).extracting(f -> f.check() + ":" + f.object() + ":" + f.severity())
        .containsExactly("unused_index:orders.public.items_sku:ok");
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
}
