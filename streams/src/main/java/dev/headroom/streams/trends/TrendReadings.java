package dev.headroom.streams.trends;

import dev.headroom.schemas.Delta;
import dev.headroom.schemas.LatencyWindow;
import dev.headroom.schemas.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The metrics compared week over week: p95 per latency scope (hours and days from the closed
 * windows of that size, weeks by merging the days' sketches), statement calls per second,
 * transactions per second and cache hit ratio (per instance and per database), database size and
 * connections (peaks).
 */
public final class TrendReadings {
  private TrendReadings() {}

  public static List<TrendReading> of(LatencyWindow w) {
    if (w.count() <= 0) {
      return List.of();
    }
    long start = w.windowStart().toEpochMilli();
    return switch (w.window()) {
      case "PT1H" -> List.of(new TrendReading(w.instanceId(), "p95_ms", w.scope(), start, Set.of(TrendBuckets.HOUR),
          TrendReading.Mode.MAX, w.p95Ms(), 0, null, true));
      case "P1D" -> List.of(
          new TrendReading(w.instanceId(), "p95_ms", w.scope(), start, Set.of(TrendBuckets.DAY), TrendReading.Mode.MAX,
              w.p95Ms(), 0, null, true),
          new TrendReading(w.instanceId(), "p95_ms", w.scope(), start, Set.of(TrendBuckets.WEEK),
              TrendReading.Mode.SKETCH_P95, 0, 0, w.sketch(), false));
      default -> List.of();
    };
  }

  public static List<TrendReading> of(String section, List<Delta> deltas) {
    List<TrendReading> out = new ArrayList<>();
    if (deltas.isEmpty() || deltas.get(0).gap()) {
      return out; // a gap's interval is not a rate of either bucket it spans
    }
    Delta first = deltas.get(0);
    String id = first.instanceId();
    long at = first.capturedAt().toEpochMilli();
    double seconds = first.intervalMs() / 1000.0;
    switch (section) {
      case "statements" -> {
        double calls = deltas.stream().mapToDouble(d -> d.delta("calls")).sum();
        out.add(TrendReading.rate(id, "calls_per_s", "instance", at, calls, seconds));
      }
      case "databases" -> {
        double xacts = 0;
        double hit = 0;
        double read = 0;
        for (Delta d : deltas) {
          String scope = "db:" + d.labels().getOrDefault("datname", d.object());
          double x = d.delta("xact_commit") + d.delta("xact_rollback");
          out.add(TrendReading.rate(id, "xact_per_s", scope, at, x, seconds));
          double h = d.delta("blks_hit");
          double r = d.delta("blks_read");
          if (h + r > 0) {
            out.add(TrendReading.ratio(id, "cache_hit_ratio", scope, at, h, h + r));
          }
          xacts += x;
          hit += h;
          read += r;
        }
        out.add(TrendReading.rate(id, "xact_per_s", "instance", at, xacts, seconds));
        if (hit + read > 0) {
          out.add(TrendReading.ratio(id, "cache_hit_ratio", "instance", at, hit, hit + read));
        }
      }
      default -> { }
    }
    return out;
  }

  public static List<TrendReading> of(Snapshot s) {
    List<TrendReading> out = new ArrayList<>();
    long at = s.capturedAt().toEpochMilli();
    switch (s.section()) {
      case "databases" -> {
        double total = 0;
        boolean sized = false;
        for (Map<String, Object> r : s.rows()) {
          if (r.get("size_bytes") instanceof Number n) {
            total += n.doubleValue();
            sized = true;
            out.add(TrendReading.peak(s.instanceId(), "database_bytes", "db:" + r.get("datname"), at, n.doubleValue()));
          }
        }
        if (sized) {
          out.add(TrendReading.peak(s.instanceId(), "database_bytes", "instance", at, total));
        }
      }
      case "activity" -> {
        for (Map<String, Object> r : s.rows()) {
          if (r.get("connections") instanceof Number n) {
            out.add(TrendReading.peak(s.instanceId(), "connections", "instance", at, n.doubleValue()));
          }
        }
      }
      default -> { }
    }
    return out;
  }
}
