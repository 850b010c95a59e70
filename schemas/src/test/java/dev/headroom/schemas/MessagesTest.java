package dev.headroom.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datadoghq.sketch.ddsketch.DDSketch;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class MessagesTest {
  static final Instant T = Instant.parse("2026-11-22T10:00:00Z");

  static Snapshot statementsSnapshot() {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("queryid", -4123456789012345678L);
    row.put("datname", "orders");
    row.put("usename", "app");
    row.put("toplevel", true);
    row.put("query", "SELECT pg_sleep($1)");
    row.put("calls", 42L);
    row.put("total_exec_time_ms", 2100.5);
    row.put("min_exec_time_ms", 50.0);
    row.put("max_exec_time_ms", 51.2);
    row.put("mean_exec_time_ms", 50.01);
    row.put("stddev_exec_time_ms", 0.3);
    row.put("rows", 42L);
    row.put("shared_blks_hit", 0L);
    row.put("shared_blks_read", 0L);
    row.put("temp_blks_written", 0L);
    row.put("wal_bytes", 0);
    return new Snapshot(Snapshot.SCHEMA, "6f1c-1", new Snapshot.InstanceInfo("prod-eu/orders-1", "prod-eu", "primary",
        "7301", 170005, Map.of("env", "prod")), new Snapshot.AgentInfo("host-17", "0.1.0"), T, 60_000,
        T.minusSeconds(3600), null, "statements", 0, 1, List.of(row), false);
  }

  @Test
  void snapshotRoundTripsAndValidates() {
    Snapshot s = statementsSnapshot();
    byte[] json = Topics.SNAPSHOT_SERDE.write(s);
    String text = new String(json, StandardCharsets.UTF_8);
    assertThat(text).contains("\"captured_at\":\"2026-11-22T10:00:00.000Z\"", "\"stats_reset\":null",
        "\"snapshot_id\":\"6f1c-1\"", "\"server_version_num\":170005");
    assertThat(SchemaValidator.violations(json)).isEmpty();
    Snapshot back = Topics.SNAPSHOT_SERDE.read(json);
    assertThat(back.capturedAt()).isEqualTo(T);
    assertThat(back.rows().get(0).get("queryid")).isEqualTo(-4123456789012345678L);
  }

  @Test
  void latencyWindowWithSketchRoundTripsAndValidates() {
    DDSketch sketch = LatencySketches.create();
    for (int i = 1; i <= 1000; i++) {
      sketch.accept(i);
    }
    LatencyWindow w = new LatencyWindow(LatencyWindow.SCHEMA, "i1", "instance", "PT1M", T, T.plusSeconds(60), 1000,
        sketch.getValueAtQuantile(0.5), sketch.getValueAtQuantile(0.95), sketch.getValueAtQuantile(0.99), 1000, "moment",
        LatencySketches.toBase64(sketch));
    byte[] json = Topics.LATENCY_WINDOW_SERDE.write(w);
    assertThat(SchemaValidator.violations(json)).isEmpty();
    LatencyWindow back = Topics.LATENCY_WINDOW_SERDE.read(json);
    DDSketch decoded = LatencySketches.fromBase64(back.sketch());
    assertThat(decoded.getCount()).isEqualTo(1000.0);
    assertThat(decoded.getValueAtQuantile(0.95)).isEqualTo(sketch.getValueAtQuantile(0.95));
  }

  @Test
  void deltaAndDeadLetterValidate() {
    Delta d = new Delta(Delta.SCHEMA, "i1", "statements", "orders|app|true|1", T, T.minusSeconds(60), 60_000, false,
        false, Map.of("queryid", "1"), Map.of("calls", 10.0), Map.of("calls", 10.0 / 60));
    assertThat(SchemaValidator.violations(Topics.DELTA_SERDE.write(d))).isEmpty();
    DeadLetter dl = DeadLetter.of("headroom.snapshots.v1", 0, 7, "i1", "{oops".getBytes(StandardCharsets.UTF_8), "bad", T);
    assertThat(SchemaValidator.violations(Topics.DEAD_LETTER_SERDE.write(dl))).isEmpty();
  }

  @Test
  void latencySampleAndEventCarryTheirDedupeKey() {
    LatencySample sample = new LatencySample(LatencySample.SCHEMA, "cdc:0/16B3748:0", "i1", T, "app:checkout", "cdc",
        12.5, 1);
    byte[] json = Topics.LATENCY_SAMPLE_SERDE.write(sample);
    assertThat(SchemaValidator.violations(json)).isEmpty();
    assertThat(Topics.LATENCY_SAMPLE_SERDE.read(json).id()).isEqualTo("cdc:0/16B3748:0");
    Event deploy = new Event(Event.SCHEMA, "flyway:orders:7", "i1", T, Event.DEPLOY, "cdc:public.flyway_schema_history",
        Map.of("version", "7", "description", "add index", "success", true));
    json = Topics.EVENT_SERDE.write(deploy);
    assertThat(SchemaValidator.violations(json)).isEmpty();
    assertThat(Topics.EVENT_SERDE.read(json)).isEqualTo(deploy);
    assertThatThrownBy(() -> new Event(Event.SCHEMA, "x", "i1", T, "meteor", null, null))
        .hasMessageContaining("kind must be one of");
  }

  @Test
  void schemaCatchesWhatTheRecordsWouldNotWrite() {
    String bad = "{\"schema\":\"headroom.latency-window/1\",\"instance_id\":\"i1\",\"scope\":\"everything\","
        + "\"window\":\"PT5M\",\"window_start\":\"2026-11-22T10:00:00Z\"}";
    assertThat(SchemaValidator.violations(bad.getBytes(StandardCharsets.UTF_8)))
        .anySatisfy(m -> assertThat(m).contains("scope"))
        .anySatisfy(m -> assertThat(m).contains("window"))
        .anySatisfy(m -> assertThat(m).contains("window_end"));
  }

  @Test
  void readingRejectsMalformedMessagesWithAReason() {
    assertThatThrownBy(() -> Topics.SNAPSHOT_SERDE.read("{not json".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(SerializationException.class).hasMessageContaining("not a valid headroom.snapshot/1");
    assertThatThrownBy(() -> Topics.SNAPSHOT_SERDE.read(Topics.LATENCY_WINDOW_SERDE.write(new LatencyWindow(
            LatencyWindow.SCHEMA, "i1", "instance", "PT1M", T, T.plusSeconds(60), 0, 0, 0, 0, 0, "moment", ""))))
        .isInstanceOf(SerializationException.class);
    String noRows = new String(Topics.SNAPSHOT_SERDE.write(statementsSnapshot()), StandardCharsets.UTF_8)
        .replaceAll(",\"rows\":\\[.*\\]", "");
    assertThatThrownBy(() -> Topics.SNAPSHOT_SERDE.read(noRows.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(SerializationException.class).hasMessageContaining("rows is required");
    assertThatThrownBy(() -> Topics.SNAPSHOT_SERDE.read(new byte[JsonSerde.MAX_MESSAGE_BYTES + 1]))
        .isInstanceOf(SerializationException.class).hasMessageContaining("exceeds the limit");
  }

  @Test
  void capacityMessagesRoundTripAndValidate() {
    Usage usage = new Usage(Usage.SCHEMA, "i1", "storage", T, 5.2e11, 1.0e12, "bytes");
    Usage table = new Usage(Usage.SCHEMA, "i1", "table:orders.public.events", T, 2.0e10, null, "bytes");
    Trend trend = new Trend(Trend.SCHEMA, "i1", "p95_ms", "instance", "P1D", T, 42.0, T.minusSeconds(7 * 86_400),
        35.0, 20.0);
    Projection projection = new Projection(Projection.SCHEMA, "i1", "storage", "baseline", "bytes", 1.0e12, 0.8,
        5.2e11, "exponential", new Projection.Params(4.1e11, null, 0.012, 0.97), 28, 28, 35.5,
        T.plusSeconds(35 * 86_400 + 43_200), 30.1, 41.0, 90, -1.3e11, true, T);
    Projection flat = new Projection(Projection.SCHEMA, "i1", "connections", "traffic-x3", "connections", 97, 0.8, 40,
        "linear", new Projection.Params(40, 0.0, null, 0.01), 28, 9, null, null, null, null, 90, 53.0, false, T);
    DeployCheck check = new DeployCheck(DeployCheck.SCHEMA, "i1", "flyway:42", T, 3_600_000, "p95_ms", "instance",
        40.0, 55.0, 37.5, "regressed");
    for (byte[] json : List.of(Topics.USAGE_SERDE.write(usage), Topics.USAGE_SERDE.write(table),
        Topics.TREND_SERDE.write(trend), Topics.PROJECTION_SERDE.write(projection),
        Topics.PROJECTION_SERDE.write(flat), Topics.DEPLOY_CHECK_SERDE.write(check))) {
      assertThat(SchemaValidator.violations(json)).as(new String(json, StandardCharsets.UTF_8)).isEmpty();
    }
    assertThat(Topics.PROJECTION_SERDE.read(Topics.PROJECTION_SERDE.write(projection))).isEqualTo(projection);
    assertThat(new String(Topics.PROJECTION_SERDE.write(flat), StandardCharsets.UTF_8))
        .contains("\"time_to_saturation_days\":null", "\"saturation_at\":null");
    assertThatThrownBy(() -> new Usage(Usage.SCHEMA, "i1", "storage", T, 1, 0.0, "bytes"))
        .hasMessageContaining("capacity");
    assertThat(SchemaValidator.violations(new String(Topics.USAGE_SERDE.write(usage), StandardCharsets.UTF_8)
        .replace("\"storage\"", "\"disk\"").getBytes(StandardCharsets.UTF_8))).isNotEmpty();
  }
}
