package dev.headroom.bench;

import com.datadoghq.sketch.ddsketch.DDSketch;
import dev.headroom.schemas.Delta;
import dev.headroom.schemas.LatencySketches;
import dev.headroom.schemas.LatencyWindow;
import dev.headroom.streams.deltas.Sections;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The sink's input as the streams app writes it, generated from a seed: interval deltas of a
 * fleet's tables, indexes and statements, and closed one-minute latency windows with real
 * DDSketches. Event times end at {@code end} (now, in the benchmark) and reach back a few hours at
 * most, so no row falls behind a table's retention.
 */
final class SinkTraffic {
  /** Objects per instance and interval, in the order the collector reads them. */
  static final int TABLES = 100;
  static final int INDEXES = 150;
  static final int STATEMENTS = 250;
  static final int DATABASES = 4;
  /** Latency scopes per instance: the instance, its databases, the top statements. */
  static final int QUERY_SCOPES = 20;
  static final int SCOPES = 1 + DATABASES + QUERY_SCOPES;
  /** Durations fed to each window's sketch. */
  static final int SAMPLES_PER_WINDOW = 200;

  private final int instances;
  private final Instant end;
  private final Duration span;
  private final long seed;

  SinkTraffic(int instances, Instant end, Duration span, long seed) {
    this.instances = instances;
    this.end = end;
    this.span = span;
    this.seed = seed;
  }

  static String instanceId(int i) {
    return String.format("pg-%02d", i + 1);
  }

  /** Snapshot intervals needed for {@code count} deltas: every instance reports every object each interval. */
  int deltaIntervals(long count) {
    long perInterval = (long) instances * (TABLES + INDEXES + STATEMENTS);
    return (int) Math.max(1, (count + perInterval - 1) / perInterval);
  }

  /** One-minute windows per scope needed for {@code count} latency windows. */
  int windowMinutes(long count) {
    long perMinute = (long) instances * SCOPES;
    return (int) Math.max(1, (count + perMinute - 1) / perMinute);
  }

  /**
   * Exactly {@code count} deltas, interval by interval and instance by instance, the intervals
   * evenly over the span; each with the section's identity as labels and 5 to 15 of its counters.
   */
  void deltas(long count, Consumer<Delta> out) {
    SplittableRandom rng = new SplittableRandom(seed);
    int intervals = deltaIntervals(count);
    Duration step = span.dividedBy(intervals);
    if (step.compareTo(Duration.ofMinutes(1)) < 0) {
      step = Duration.ofMinutes(1); // the collector reads no section more often
    }
    Instant first = end.minus(step.multipliedBy(intervals - 1L));
    long sent = 0;
    for (int k = 0; k < intervals && sent < count; k++) {
      Instant capturedAt = first.plus(step.multipliedBy(k));
      Instant previousAt = capturedAt.minus(step);
      for (int i = 0; i < instances && sent < count; i++) {
        String instance = instanceId(i);
        for (int o = 0; o < TABLES + INDEXES + STATEMENTS && sent < count; o++, sent++) {
          out.accept(delta(rng, instance, o, capturedAt, previousAt, step.toMillis()));
        }
      }
    }
  }

  private static Delta delta(SplittableRandom rng, String instance, int o, Instant capturedAt, Instant previousAt,
      long intervalMs) {
    Map<String, String> labels = new LinkedHashMap<>();
    Sections.Section section;
    if (o < TABLES) {
      section = Sections.TABLES;
      labels.put("datname", "app_" + (o % DATABASES + 1));
      labels.put("schema", o % 5 == 0 ? "audit" : "public");
      labels.put("table", "t_" + o);
    } else if (o < TABLES + INDEXES) {
      int n = o - TABLES;
      int table = n % TABLES;
      section = Sections.INDEXES;
      labels.put("datname", "app_" + (table % DATABASES + 1));
      labels.put("schema", table % 5 == 0 ? "audit" : "public");
      labels.put("table", "t_" + table);
      labels.put("index", n < TABLES ? "t_" + table + "_pkey" : "t_" + table + "_idx_" + n);
    } else {
      int n = o - TABLES - INDEXES;
      section = Sections.STATEMENTS;
      labels.put("datname", "app_" + (n % DATABASES + 1));
      labels.put("usename", n % 7 == 0 ? "reporting" : "app");
      labels.put("toplevel", "true");
      labels.put("queryid", Long.toString(-4_000_000_000_000_000_000L + 7_919_000_000_003L * n));
    }
    // the collector's object id: the identity fields joined by '|'
    String object = String.join("|", section.identity().stream().map(labels::get).toList());
    List<String> counters = section.counters();
    int n = Math.min(counters.size(), 5 + rng.nextInt(11));
    Map<String, Double> deltas = new LinkedHashMap<>();
    Map<String, Double> rates = new LinkedHashMap<>();
    double seconds = intervalMs / 1000.0;
    for (int c = 0; c < n; c++) {
      String name = counters.get(c);
      double v = Math.floor(Math.exp(3 + 2 * rng.nextGaussian()));
      if (name.endsWith("_ms") || name.endsWith("_ms2")) {
        v = Math.round(v * 37.123) / 1000.0;
      }
      deltas.put(name, v);
      rates.put(name, v / seconds);
    }
    boolean reset = rng.nextInt(1000) == 0;
    return new Delta(Delta.SCHEMA, instance, section.name(), object, capturedAt, previousAt, intervalMs, reset, false,
        labels, deltas, rates);
  }

  /**
   * Exactly {@code count} closed one-minute windows, minute by minute (as windows close), each
   * scope once per minute, so every (instance, scope, window, end) is new: each row is an insert
   * into the table, though the sink writes it as an upsert.
   */
  void latencyWindows(long count, Consumer<LatencyWindow> out) {
    SplittableRandom rng = new SplittableRandom(seed + 1);
    int minutes = windowMinutes(count);
    Instant firstEnd = end.minus(Duration.ofMinutes(minutes - 1L));
    long sent = 0;
    for (int m = 0; m < minutes && sent < count; m++) {
      Instant windowEnd = firstEnd.plus(Duration.ofMinutes(m));
      Instant windowStart = windowEnd.minus(Duration.ofMinutes(1));
      for (int i = 0; i < instances && sent < count; i++) {
        for (int s = 0; s < SCOPES && sent < count; s++, sent++) {
          String scope = s == 0 ? "instance" : s <= DATABASES ? "db:app_" + s
              : "query:" + (-4_000_000_000_000_000_000L + 7_919_000_000_003L * (s - DATABASES - 1));
          out.accept(window(rng, instanceId(i), scope, windowStart, windowEnd));
        }
      }
    }
  }

  private static LatencyWindow window(SplittableRandom rng, String instance, String scope, Instant start,
      Instant end) {
    DDSketch sketch = LatencySketches.create();
    double mu = Math.log(0.5 + rng.nextDouble() * 20); // median between 0.5 and 20 ms
    double max = 0;
    for (int j = 0; j < SAMPLES_PER_WINDOW; j++) {
      double ms = Math.exp(mu + 0.8 * rng.nextGaussian());
      sketch.accept(ms);
      max = Math.max(max, ms);
    }
    double[] q = sketch.getValuesAtQuantiles(new double[] {0.5, 0.95, 0.99});
    return new LatencyWindow(LatencyWindow.SCHEMA, instance, scope, "PT1M", start, end, SAMPLES_PER_WINDOW, q[0], q[1],
        q[2], max, "moment", LatencySketches.toBase64(sketch));
  }
}
