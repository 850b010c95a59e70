package dev.headroom.streams.deltas;

import dev.headroom.schemas.Delta;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Interval deltas of one object from two consecutive cumulative readings. Pure: the processor
 * owns the state. A reset (the statistics were reset, or any counter went down) never yields a
 * negative delta: the new reading is what accrued since the reset. A postmaster restart alone is
 * not a reset: PostgreSQL keeps its cumulative statistics across a clean shutdown (and the host's
 * and PgBouncer's counters do not restart with it), so taking the whole reading as the interval's
 * delta would fabricate a spike; after a crash the counters do restart, and that shows as a
 * counter going down. A pg_stat_statements entry evicted and created again shows as a counter
 * going down, or before 17 (no {@code stats_since}) as its max falling or its min rising.
 */
public final class DeltaCalculator {
  /** An interval longer than this many collection intervals is flagged as a gap. */
  public static final double GAP_FACTOR = 2.5;

  private DeltaCalculator() {}

  public enum Verdict { FIRST, DELTA, STALE }

  public record Result(Verdict verdict, Optional<Delta> delta) {}

  public static Result compute(String instanceId, String section, String object, Map<String, String> labels,
      CounterState previous, CounterState current, long expectedIntervalMs) {
    if (previous == null) {
      return new Result(Verdict.FIRST, Optional.empty());
    }
    if (Duration.between(previous.capturedAt(), current.capturedAt()).toMillis() <= 0) {
      // A duplicate, a reading older than what we already have (spool replay, redelivery), or one
      // less than a millisecond newer, which no interval could be computed from.
      return new Result(Verdict.STALE, Optional.empty());
    }
    boolean reset = !Objects.equals(previous.statsReset(), current.statsReset())
        || !Objects.equals(previous.resetMarker(), current.resetMarker());
    if (!reset) {
      for (Map.Entry<String, Double> e : current.counters().entrySet()) {
        Double before = previous.counters().get(e.getKey());
        if (before != null && e.getValue() < before && !Sections.DERIVED.contains(e.getKey())) {
          reset = true;
          break;
        }
      }
    }
    long intervalMs = Duration.between(previous.capturedAt(), current.capturedAt()).toMillis();
    double seconds = intervalMs / 1000.0;
    Map<String, Double> deltas = new LinkedHashMap<>();
    Map<String, Double> rates = new LinkedHashMap<>();
    for (Map.Entry<String, Double> e : current.counters().entrySet()) {
      if (e.getKey().startsWith(Sections.WATCH_PREFIX)) {
        continue;
      }
      Double before = previous.counters().get(e.getKey());
      double delta;
      if (reset && !(Sections.POSITIONS.contains(e.getKey()) && before != null && e.getValue() >= before)) {
        delta = e.getValue();
      } else if (before == null) {
        continue; // a counter that appeared (e.g. after an extension upgrade) has no baseline yet
      } else {
        delta = e.getValue() - before;
      }
      // Float counters (times) can differ by rounding noise; a delta is never negative.
      delta = Math.max(0.0, delta);
      deltas.put(e.getKey(), delta);
      rates.put(e.getKey(), seconds > 0 ? delta / seconds : 0.0);
    }
    boolean gap = expectedIntervalMs > 0 && intervalMs > GAP_FACTOR * expectedIntervalMs;
    Instant previousAt = previous.capturedAt();
    return new Result(Verdict.DELTA, Optional.of(new Delta(Delta.SCHEMA, instanceId, section, object,
        current.capturedAt(), previousAt, intervalMs, reset, gap, labels, deltas, rates)));
  }
}
