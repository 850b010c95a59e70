package dev.headroom.streams.alerts;

import dev.headroom.schemas.Delta;
import dev.headroom.schemas.LatencyWindow;
import dev.headroom.schemas.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the SLO rules can watch, as {@link Measurement}s: the metrics of each closed 1-minute
 * latency window, PgBouncer pool efficiency and replication lag from snapshots, and the buffer
 * cache hit ratio of each database from its deltas. An interval without enough data to judge
 * (an idle pool, a database that read few blocks) gives no measurement, so it neither breaches
 * nor clears a rule.
 */
public final class Gauges {
  /** Clients served (active) against clients wanting service (active + waiting), per pool. */
  public static final String POOL_EFFICIENCY = "pool_efficiency";
  public static final String CACHE_HIT_RATIO = "cache_hit_ratio";
  public static final String REPLICATION_LAG = "replication_lag_s";
  public static final List<String> LATENCY_METRICS = List.of("p50_ms", "p95_ms", "p99_ms", "max_ms", "count");
  public static final List<String> CATALOG_METRICS = List.of(POOL_EFFICIENCY, CACHE_HIT_RATIO, REPLICATION_LAG);

  private Gauges() {}

  /** The metrics of one closed 1-minute window (an empty window gives none). */
  public static List<Measurement> of(LatencyWindow w) {
    if (w.count() <= 0) {
      return List.of();
    }
    long start = w.windowStart().toEpochMilli();
    long end = w.windowEnd().toEpochMilli();
    return List.of(
        new Measurement(w.instanceId(), w.scope(), "p50_ms", start, end, w.p50Ms()),
        new Measurement(w.instanceId(), w.scope(), "p95_ms", start, end, w.p95Ms()),
        new Measurement(w.instanceId(), w.scope(), "p99_ms", start, end, w.p99Ms()),
        new Measurement(w.instanceId(), w.scope(), "max_ms", start, end, w.maxMs()),
        new Measurement(w.instanceId(), w.scope(), "count", start, end, w.count()));
  }

  /** Pool efficiency ({@code pool:<database>/<user>}) and replication lag ({@code replica:<name>} or {@code instance}). */
  public static List<Measurement> of(Snapshot s) {
    long end = s.capturedAt().toEpochMilli();
    long start = end - s.intervalMs();
    List<Measurement> out = new ArrayList<>();
    switch (s.section()) {
      case "pgbouncer_pools" -> {
        for (Map<String, Object> r : s.rows()) {
          double active = number(r.get("cl_active"));
          double waiting = number(r.get("cl_waiting"));
          if (active + waiting > 0) {
            out.add(new Measurement(s.instanceId(), "pool:" + r.get("database") + "/" + r.get("user"), POOL_EFFICIENCY,
                start, end, active / (active + waiting)));
          }
        }
      }
      case "replication" -> {
        for (Map<String, Object> r : s.rows()) {
          if (r.get("replay_lag_s") instanceof Number lag) {
            String scope = "sender".equals(r.get("kind")) ? "replica:" + r.get("application_name") : "instance";
            out.add(new Measurement(s.instanceId(), scope, REPLICATION_LAG, start, end, lag.doubleValue()));
          }
        }
      }
      default -> { }
    }
    return out;
  }

  /** The buffer cache hit ratio of each database ({@code db:<datname>}) over an interval with at least {@code minBlocks} reads. */
  public static List<Measurement> of(String section, List<Delta> deltas, long minBlocks) {
    if (!"databases".equals(section)) {
      return List.of();
    }
    List<Measurement> out = new ArrayList<>();
    for (Delta d : deltas) {
      double hit = d.delta("blks_hit");
      double read = d.delta("blks_read");
      if (hit + read >= minBlocks && hit + read > 0) {
        out.add(new Measurement(d.instanceId(), "db:" + d.labels().getOrDefault("datname", d.object()),
            CACHE_HIT_RATIO, d.previousAt().toEpochMilli(), d.capturedAt().toEpochMilli(), hit / (hit + read)));
      }
    }
    return out;
  }

  private static double number(Object v) {
    return v instanceof Number n ? n.doubleValue() : 0;
  }
}
