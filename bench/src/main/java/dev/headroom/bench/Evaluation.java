package dev.headroom.bench;

import com.datadoghq.sketch.ddsketch.DDSketch;
import dev.headroom.bench.StatementSnapshots.Row;
import dev.headroom.bench.StatementSnapshots.Snapshot;
import dev.headroom.bench.Workload.Kind;
import dev.headroom.schemas.Delta;
import dev.headroom.schemas.LatencySketches;
import dev.headroom.streams.deltas.DeltaBatch;
import dev.headroom.streams.deltas.Sections;
import dev.headroom.streams.latency.MomentDistribution;
import dev.headroom.streams.latency.MomentObservations;
import dev.headroom.streams.latency.Observation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.KeyValue;

/**
 * Puts the estimates and the truth side by side per (statement kind, window).
 *
 * <p>Estimates come from consecutive pg_stat_statements snapshots: each interval's Δcalls,
 * Δtotal_exec_time and ΔΣx² (Σx² = calls·(stddev² + mean²)) go through Headroom's own
 * {@link MomentObservations} (n, mean, variance) and {@link MomentDistribution#addTo} into a
 * {@link LatencySketches#create()} sketch per window; a window holds the intervals whose later
 * capture falls in it. Two baselines are built from the same intervals: the window mean as
 * every quantile, and a normal distribution of the interval's mean and variance (clamped at
 * zero, same 200 equal-weight points).
 *
 * <p>The truth is every logged execution, put in the interval whose captures bracket its log
 * time ({@code previous < t ≤ capture}) and so in the same window as the interval: both sides
 * see the same calls, and the comparison measures the distribution fit, not window skew.
 */
public final class Evaluation {
  public static final double[] QUANTILES = {0.5, 0.95, 0.99};
  private static final String INSTANCE = "bench";

  /** How intervals (numbered from 1, ending at capture {@code k}) are grouped into windows. */
  public interface Windowing {
    long windowOf(int interval, Instant capturedAt);

    static Windowing byCaptureTime(Duration window) {
      long ms = window.toMillis();
      return (k, at) -> Math.floorDiv(at.toEpochMilli(), ms);
    }

    static Windowing perInterval() {
      return (k, at) -> k;
    }
  }

  /** The executions of one statement kind as logged: end time (epoch µs) and duration. */
  public static final class CallSeries {
    private long[] endMicros = new long[1024];
    private double[] durationsMs = new double[1024];
    private int size;

    public void add(Instant loggedAt, double durationMs) {
      if (size == endMicros.length) {
        endMicros = Arrays.copyOf(endMicros, size * 2);
        durationsMs = Arrays.copyOf(durationsMs, size * 2);
      }
      endMicros[size] = loggedAt.getEpochSecond() * 1_000_000 + loggedAt.getNano() / 1_000;
      durationsMs[size] = durationMs;
      size++;
    }

    public int size() {
      return size;
    }
  }

  /** One (kind, window): how many calls each side saw, the exact quantiles and the three estimates. */
  public record WindowResult(Kind kind, long window, long loggedCalls, long pgssCalls, double loggedMeanMs,
      double[] exact, double[] moment, double[] normal, double meanMs) {}

  /** The outcome: window results plus how many logged calls fell outside every interval. */
  public record Outcome(List<WindowResult> windows, long callsOutsideIntervals, Map<Kind, double[]> totals) {}

  private Evaluation() {}

  public static Outcome run(List<Snapshot> snapshots, Map<Long, Kind> kindOfQueryId, Map<Kind, CallSeries> truth,
      Windowing windowing) {
    if (snapshots.size() < 2) {
      throw new IllegalArgumentException("need at least two snapshots");
    }
    Map<Kind, Map<Long, Estimates>> estimates = new EnumMap<>(Kind.class);
    MomentObservations moments = new MomentObservations(Integer.MAX_VALUE);
    long[] windowOfInterval = new long[snapshots.size()];
    for (int k = 1; k < snapshots.size(); k++) {
      Snapshot prev = snapshots.get(k - 1);
      Snapshot cur = snapshots.get(k);
      long window = windowing.windowOf(k, cur.capturedAt());
      windowOfInterval[k] = window;
      List<Delta> deltas = new ArrayList<>();
      for (Row row : cur.rows().values()) {
        if (!kindOfQueryId.containsKey(row.queryId())) {
          continue; // the snapshotter's own reads, setup DDL, anything untagged
        }
        Row before = prev.rows().get(row.queryId());
        deltas.add(delta(prev.capturedAt(), cur.capturedAt(), before, row));
      }
      // Headroom's own step from deltas to (n, mean, variance): the code under test.
      for (KeyValue<String, Observation> kv : moments.from(new DeltaBatch(INSTANCE, Sections.STATEMENTS.name(), deltas))) {
        Observation o = kv.value;
        if (!o.scope().startsWith("query:")) {
          continue;
        }
        Kind kind = kindOfQueryId.get(Long.parseLong(o.scope().substring("query:".length())));
        estimates.computeIfAbsent(kind, x -> new TreeMap<>()).computeIfAbsent(window, x -> new Estimates())
            .add(o.count(), o.meanMs(), o.varianceMs2());
      }
    }

    Map<Kind, Map<Long, List<Double>>> exact = new EnumMap<>(Kind.class);
    long[] captureMicros = new long[snapshots.size()];
    for (int k = 0; k < snapshots.size(); k++) {
      Instant at = snapshots.get(k).capturedAt();
      captureMicros[k] = at.getEpochSecond() * 1_000_000 + at.getNano() / 1_000;
    }
    long outside = 0;
    Map<Kind, double[]> totals = new EnumMap<>(Kind.class); // {logged Σms, logged n}
    for (Map.Entry<Kind, CallSeries> e : truth.entrySet()) {
      CallSeries s = e.getValue();
      Map<Long, List<Double>> byWindow = exact.computeIfAbsent(e.getKey(), x -> new HashMap<>());
      double[] total = totals.computeIfAbsent(e.getKey(), x -> new double[2]);
      for (int i = 0; i < s.size; i++) {
        int k = intervalOf(captureMicros, s.endMicros[i]);
        if (k < 0) {
          outside++;
          continue;
        }
        byWindow.computeIfAbsent(windowOfInterval[k], x -> new ArrayList<>()).add(s.durationsMs[i]);
        total[0] += s.durationsMs[i];
        total[1]++;
      }
    }

    List<WindowResult> out = new ArrayList<>();
    for (Kind kind : Kind.values()) {
      Map<Long, Estimates> est = estimates.getOrDefault(kind, Map.of());
      Map<Long, List<Double>> truthWindows = exact.getOrDefault(kind, Map.of());
      TreeMap<Long, Boolean> windows = new TreeMap<>();
      est.keySet().forEach(w -> windows.put(w, true));
      truthWindows.keySet().forEach(w -> windows.put(w, true));
      for (long w : windows.keySet()) {
        Estimates e = est.get(w);
        List<Double> calls = truthWindows.getOrDefault(w, List.of());
        double[] values = calls.stream().mapToDouble(Double::doubleValue).toArray();
        double[] exactQ = values.length == 0 ? null : ExactQuantiles.of(values, QUANTILES);
        double loggedMean = values.length == 0 ? Double.NaN : Arrays.stream(values).sum() / values.length;
        out.add(new WindowResult(kind, w, values.length, e == null ? 0 : Math.round(e.calls), loggedMean, exactQ,
            e == null ? null : quantiles(e.moment), e == null ? null : quantiles(e.normal),
            e == null ? Double.NaN : e.totalMs / e.calls));
      }
    }
    return new Outcome(out, outside, totals);
  }

  /** The interval {@code k ≥ 1} with {@code capture[k-1] < t ≤ capture[k]}, or −1. */
  static int intervalOf(long[] captureMicros, long t) {
    if (t <= captureMicros[0] || t > captureMicros[captureMicros.length - 1]) {
      return -1;
    }
    int i = Arrays.binarySearch(captureMicros, t);
    return i >= 0 ? i : -i - 1;
  }

  private static Delta delta(Instant previousAt, Instant capturedAt, Row before, Row now) {
    double calls0 = before == null ? 0 : before.calls();
    double total0 = before == null ? 0 : before.totalExecTimeMs();
    double sq0 = before == null ? 0 : sumOfSquares(before);
    Map<String, Double> deltas = Map.of(
        "calls", now.calls() - calls0,
        "total_exec_time_ms", now.totalExecTimeMs() - total0,
        Sections.EXEC_TIME_SQ_SUM, Math.max(0.0, sumOfSquares(now) - sq0));
    return new Delta(Delta.SCHEMA, INSTANCE, Sections.STATEMENTS.name(), Long.toString(now.queryId()), capturedAt,
        previousAt, Math.max(1, Duration.between(previousAt, capturedAt).toMillis()), false, false,
        Map.of("queryid", Long.toString(now.queryId())), deltas, Map.of());
  }

  /** As the delta processor does: pg_stat_statements keeps the population stddev, so Σx² = n·(σ² + μ²). */
  private static double sumOfSquares(Row r) {
    return r.calls() * (r.stddevExecTimeMs() * r.stddevExecTimeMs() + r.meanExecTimeMs() * r.meanExecTimeMs());
  }

  private static double[] quantiles(DDSketch sketch) {
    return sketch.isEmpty() ? null : sketch.getValuesAtQuantiles(QUANTILES);
  }

  /** The three estimators' state for one (kind, window). */
  private static final class Estimates {
    private static final double[] Z = MomentDistribution.standardNormalQuantiles(MomentDistribution.POINTS);
    final DDSketch moment = LatencySketches.create();
    final DDSketch normal = LatencySketches.create();
    double calls;
    double totalMs;

    void add(double n, double mean, double variance) {
      MomentDistribution.addTo(moment, n, mean, variance);
      addNormal(n, mean, variance);
      calls += n;
      totalMs += n * mean;
    }

    /** The comparison fit: N(mean, variance) by the same 200 equal-weight points, clamped at 0. */
    private void addNormal(double n, double mean, double variance) {
      if (!(n > 0)) {
        return;
      }
      double sd = Math.sqrt(Math.max(0, variance));
      if (n < 2 || !(sd > 0)) {
        normal.accept(mean, n);
        return;
      }
      double weight = n / Z.length;
      for (double z : Z) {
        normal.accept(Math.max(0.0, mean + sd * z), weight);
      }
    }
  }
}
