package dev.headroom.streams.trends;

import com.datadoghq.sketch.ddsketch.DDSketch;
import dev.headroom.schemas.LatencySketches;
import dev.headroom.schemas.Trend;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Week-over-week: folds readings into each series' open bucket (per hour, day and week), and
 * when a bucket closes — a reading of a later bucket arrives, or a complete one — compares its
 * value with the same bucket 7 days earlier and sends the trend; nothing when that bucket is
 * missing. A series keeps the closed values of the last 7 days and no more. The input must be
 * keyed so a series lives in one task (by instance, or by instance and scope); a reading older
 * than its series' open bucket is late and counted.
 */
public final class TrendProcessor implements Processor<String, TrendReading, String, Trend> {
  /** The open bucket of one series and size. */
  public record Open(long startMs, double sum, double weight, long lastWeightAt, double max, String sketch) {}

  /** Closed bucket values of one series and size, by start, for the last 7 days. */
  public record History(TreeMap<Long, Double> values) {}

  private final String openStore;
  private final String historyStore;
  private ProcessorContext<String, Trend> context;
  private KeyValueStore<String, Open> open;
  private KeyValueStore<String, History> history;
  private Sensor late;

  public TrendProcessor(String openStore, String historyStore) {
    this.openStore = openStore;
    this.historyStore = historyStore;
  }

  @Override
  public void init(ProcessorContext<String, Trend> context) {
    this.context = context;
    this.open = context.getStateStore(openStore);
    this.history = context.getStateStore(historyStore);
    this.late = context.metrics().addRateTotalSensor("headroom", "trends", "late-readings",
        Sensor.RecordingLevel.INFO, "thread-id", Thread.currentThread().getName(), "task-id",
        context.taskId().toString());
  }

  @Override
  public void process(Record<String, TrendReading> record) {
    TrendReading r = record.value();
    for (String bucket : r.buckets()) {
      String key = r.series() + "|" + bucket;
      long start = TrendBuckets.start(bucket, r.atMs());
      Open current = open.get(key);
      if (current != null && start < current.startMs()) {
        late.record();
        continue;
      }
      if (current != null && start > current.startMs()) {
        close(r, bucket, current);
        current = null;
      }
      Open next = fold(current == null ? new Open(start, 0, 0, Long.MIN_VALUE, Double.NEGATIVE_INFINITY, null)
          : current, r);
      if (r.complete()) {
        open.delete(key);
        close(r, bucket, next);
      } else {
        open.put(key, next);
      }
    }
  }

  private static Open fold(Open o, TrendReading r) {
    boolean newWeight = r.mode() != TrendReading.Mode.RATE || r.atMs() != o.lastWeightAt();
    String sketch = o.sketch();
    if (r.mode() == TrendReading.Mode.SKETCH_P95 && r.sketch() != null) {
      DDSketch merged = LatencySketches.fromBase64(r.sketch());
      if (sketch != null) {
        merged.mergeWith(LatencySketches.fromBase64(sketch));
      }
      sketch = LatencySketches.toBase64(merged);
    }
    return new Open(o.startMs(), o.sum() + r.sum(), o.weight() + (newWeight ? r.weight() : 0),
        newWeight ? r.atMs() : o.lastWeightAt(), Math.max(o.max(), r.sum()), sketch);
  }

  private static Double value(TrendReading.Mode mode, Open o) {
    return switch (mode) {
      case RATE, RATIO -> o.weight() > 0 ? o.sum() / o.weight() : null;
      case MAX -> Double.isInfinite(o.max()) ? null : o.max();
      case SKETCH_P95 -> {
        if (o.sketch() == null) {
          yield null;
        }
        DDSketch s = LatencySketches.fromBase64(o.sketch());
        yield s.isEmpty() ? null : s.getValueAtQuantile(0.95);
      }
    };
  }

  private void close(TrendReading r, String bucket, Open closed) {
    Double value = value(r.mode(), closed);
    if (value == null) {
      return;
    }
    String key = r.series() + "|" + bucket;
    History known = history.get(key);
    TreeMap<Long, Double> values = new TreeMap<>(known == null ? Map.of() : known.values());
    long previousStart = closed.startMs() - TrendBuckets.WEEK_MS;
    Double previous = values.get(previousStart);
    values.put(closed.startMs(), value);
    values.headMap(previousStart, true).clear(); // the bucket a week back has served: keep no more
    history.put(key, new History(values));
    if (previous == null) {
      return;
    }
    long end = closed.startMs() + TrendBuckets.length(bucket);
    Double change = previous == 0 ? null : 100 * (value - previous) / previous;
    context.forward(new Record<>(r.instanceId(), new Trend(Trend.SCHEMA, r.instanceId(), r.metric(), r.scope(), bucket,
        Instant.ofEpochMilli(closed.startMs()), value, Instant.ofEpochMilli(previousStart), previous, change), end));
  }
}
