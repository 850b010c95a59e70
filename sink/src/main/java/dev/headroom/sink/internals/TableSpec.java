package dev.headroom.sink.internals;

import dev.headroom.schemas.Alert;
import dev.headroom.schemas.Delta;
import dev.headroom.schemas.DeployCheck;
import dev.headroom.schemas.Finding;
import dev.headroom.schemas.JsonSerde;
import dev.headroom.schemas.LatencySketches;
import dev.headroom.schemas.LatencyWindow;
import dev.headroom.schemas.Message;
import dev.headroom.schemas.Projection;
import dev.headroom.schemas.Topics;
import dev.headroom.schemas.Trend;
import dev.headroom.schemas.Usage;
import dev.headroom.sink.ResultTable;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * How the records of one result topic become rows: the table's columns in COPY order, how a
 * record fills them, and how the rows are written. The column lists here and the migrations in
 * {@code db/migration} describe the same tables; the sink's integration tests read every column
 * back. Every identifier in the sink's SQL comes from here, never from a message.
 *
 * @param upsertKey empty when the table only gains rows (COPY straight in); else the table's
 *     primary key, and rows are upserted on it from a staging table
 * @param latest a table of each key's latest row, upserted beside the history, if any
 */
record TableSpec<V extends Message>(
    ResultTable table,
    JsonSerde<V> serde,
    List<String> columns,
    List<String> upsertKey,
    Optional<Latest> latest,
    Function<V, Instant> time,
    BiConsumer<V, CopyLine> encoder) {

  /** A table holding one row per key: the one with the latest time (ties: the later record). */
  record Latest(String tableName, List<String> key) {}

  private static final Map<ResultTable, TableSpec<?>> SPECS = new EnumMap<>(ResultTable.class);

  static {
    add(new TableSpec<>(ResultTable.DELTAS, Topics.DELTA_SERDE,
        List.of("instance_id", "section", "object", "captured_at", "previous_at", "interval_ms", "reset", "gap",
            "labels", "deltas"),
        List.of(), Optional.empty(), Delta::capturedAt, (d, l) -> l
            .text("instance_id", d.instanceId()).text("section", d.section()).text("object", d.object())
            .time("captured_at", d.capturedAt()).time("previous_at", d.previousAt()).number(d.intervalMs())
            .bool(d.reset()).bool(d.gap()).json("labels", d.labels()).json("deltas", d.deltas())));
    add(new TableSpec<>(ResultTable.LATENCY_WINDOWS, Topics.LATENCY_WINDOW_SERDE,
        List.of("instance_id", "scope", "window_size", "window_start", "window_end", "count", "p50_ms", "p95_ms",
            "p99_ms", "max_ms", "method", "sketch"),
        // Kept an upsert: a window has a natural key, and a streams app run at least once may send it again.
        List.of("instance_id", "scope", "window_size", "window_end"), Optional.empty(), LatencyWindow::windowEnd,
        (w, l) -> l.text("instance_id", w.instanceId()).text("scope", w.scope()).text("window", w.window())
            .time("window_start", w.windowStart()).time("window_end", w.windowEnd()).number(w.count())
            .real(w.p50Ms()).real(w.p95Ms()).real(w.p99Ms()).real(w.maxMs()).text("method", w.method())
            .bytes(sketch(w.sketch()))));
    add(new TableSpec<>(ResultTable.ALERTS, Topics.ALERT_SERDE,
        List.of("instance_id", "rule", "scope", "metric", "severity", "state", "since", "at", "value", "threshold",
            "sustained_ms"),
        List.of(), Optional.of(new Latest("alert_states", List.of("instance_id", "rule", "scope"))), Alert::at,
        (a, l) -> l.text("instance_id", a.instanceId()).text("rule", a.rule()).text("scope", orEmpty(a.scope()))
            .text("metric", orEmpty(a.metric())).text("severity", a.severity()).text("state", a.state())
            .time("since", a.since()).time("at", a.at()).real(a.value()).real(a.threshold()).number(a.sustainedMs())));
    add(new TableSpec<>(ResultTable.FINDINGS, Topics.FINDING_SERDE,
        List.of("instance_id", "check_name", "object", "severity", "value", "threshold", "advice", "at"),
        List.of(), Optional.of(new Latest("finding_states", List.of("instance_id", "check_name", "object"))),
        Finding::at, (f, l) -> l.text("instance_id", f.instanceId()).text("check", f.check())
            .text("object", f.object()).text("severity", f.severity()).real(f.value()).real(f.threshold())
            .text("advice", f.advice()).time("at", f.at())));
    add(new TableSpec<>(ResultTable.TRENDS, Topics.TREND_SERDE,
        List.of("instance_id", "metric", "scope", "bucket", "bucket_start", "value", "previous_bucket_start",
            "previous_value", "change_pct"),
        List.of(), Optional.empty(), Trend::bucketStart, (t, l) -> l
            .text("instance_id", t.instanceId()).text("metric", t.metric()).text("scope", t.scope())
            .text("bucket", t.bucket()).time("bucket_start", t.bucketStart()).real(t.value())
            .time("previous_bucket_start", t.previousBucketStart()).real(t.previousValue()).real(t.changePct())));
    add(new TableSpec<>(ResultTable.USAGE, Topics.USAGE_SERDE,
        List.of("instance_id", "resource", "at", "value", "capacity", "unit"),
        List.of(), Optional.empty(), Usage::at, (u, l) -> l
            .text("instance_id", u.instanceId()).text("resource", u.resource()).time("at", u.at()).real(u.value())
            .real(u.capacity()).text("unit", u.unit())));
    add(new TableSpec<>(ResultTable.PROJECTIONS, Topics.PROJECTION_SERDE,
        List.of("instance_id", "resource", "scenario", "unit", "capacity", "saturation_fraction", "current_peak",
            "model", "intercept", "slope", "rate", "r2", "lookback_days", "points", "time_to_saturation_days",
            "saturation_at", "runway_low_days", "runway_high_days", "horizon_days", "headroom_at_horizon",
            "bottleneck", "computed_at"),
        List.of(), Optional.of(new Latest("projections_latest", List.of("instance_id", "resource", "scenario"))),
        Projection::computedAt, (p, l) -> l
            .text("instance_id", p.instanceId()).text("resource", p.resource()).text("scenario", p.scenario())
            .text("unit", orEmpty(p.unit())).real(p.capacity()).real(p.saturationFraction()).real(p.currentPeak())
            .text("model", p.model()).real(p.params().intercept()).real(p.params().slope()).real(p.params().rate())
            .real(p.params().r2()).number(p.lookbackDays()).number(p.points()).real(p.timeToSaturationDays())
            .time("saturation_at", p.saturationAt()).real(p.runwayLowDays()).real(p.runwayHighDays())
            .number(p.horizonDays()).real(p.headroomAtHorizon()).bool(p.bottleneck())
            .time("computed_at", p.computedAt())));
    add(new TableSpec<>(ResultTable.DEPLOY_CHECKS, Topics.DEPLOY_CHECK_SERDE,
        List.of("instance_id", "deploy_id", "deploy_at", "window_ms", "metric", "scope", "before", "after",
            "change_pct", "verdict"),
        List.of(), Optional.empty(), DeployCheck::deployAt, (c, l) -> l
            .text("instance_id", c.instanceId()).text("deploy_id", c.deployId()).time("deploy_at", c.deployAt())
            .number(c.windowMs()).text("metric", c.metric()).text("scope", c.scope()).real(c.before())
            .real(c.after()).real(c.changePct()).text("verdict", c.verdict())));
  }

  private static void add(TableSpec<?> spec) {
    SPECS.put(spec.table(), spec);
  }

  static TableSpec<?> of(ResultTable table) {
    return Objects.requireNonNull(SPECS.get(table), table.name());
  }

  /** Whether rows go through a staging table (upserts, or a latest table beside the history). */
  boolean staged() {
    return !upsertKey.isEmpty() || latest.isPresent();
  }

  /**
   * Reads a record's value and encodes its row.
   *
   * @throws org.apache.kafka.common.errors.SerializationException when it is not a valid message
   * @throws CopyLine.UnwritableException when it is valid but can never be stored
   */
  Row encode(ConsumerRecord<byte[], byte[]> record) {
    if (table == ResultTable.DELTAS) {
      ByteLine line = ByteLine.pooled();
      long timeMs = DeltaLines.encode(record.value(), line);
      if (timeMs != Long.MIN_VALUE) {
        return new Row(this, timeMs, line.bytes(), record);
      }
    }
    V message = serde.read(record.value());
    CopyLine line = CopyLine.pooled();
    encoder.accept(message, line);
    return new Row(this, time.apply(message).toEpochMilli(), line.finish().getBytes(StandardCharsets.UTF_8), record);
  }

  /**
   * A row ready for COPY (in UTF-8, without its line end), the time it is partitioned by, and the
   * record it came from (for a dead letter, should the database refuse the row).
   */
  record Row(TableSpec<?> spec, long timeMs, byte[] line, ConsumerRecord<byte[], byte[]> source) {}

  private static byte[] sketch(String base64) {
    byte[] sketch;
    try {
      sketch = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new CopyLine.UnwritableException("sketch is not valid base64: " + e.getMessage());
    }
    try {
      LatencySketches.decode(sketch); // stored sketches must be mergeable by any consumer
    } catch (IllegalArgumentException e) {
      throw new CopyLine.UnwritableException("sketch is not an encoded DDSketch: " + e.getMessage());
    }
    return sketch;
  }

  /** Optional text of a message stored in a NOT NULL column. */
  private static String orEmpty(String value) {
    return value == null ? "" : value;
  }
}
