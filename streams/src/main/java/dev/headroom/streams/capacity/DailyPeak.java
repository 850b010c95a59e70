package dev.headroom.streams.capacity;

import dev.headroom.schemas.Usage;

/**
 * The highest usage of one resource of one instance in one UTC day, with the capacity (and unit)
 * of its latest reading: the points the projections are fitted to. Capacity changes (a disk
 * grown) count from the reading that shows them.
 */
public record DailyPeak(String instanceId, String resource, long dayStartMs, double peak, long peakAtMs,
    Double capacity, String unit, long latestMs) {

  public static DailyPeak empty() {
    return new DailyPeak(null, null, 0, Double.NEGATIVE_INFINITY, Long.MIN_VALUE, null, null, Long.MIN_VALUE);
  }

  /** With one more reading; the peak keeps the time of its first reading at that height. */
  public DailyPeak add(Usage u) {
    long at = u.at().toEpochMilli();
    boolean latest = at >= latestMs;
    boolean higher = u.value() > peak;
    return new DailyPeak(u.instanceId(), u.resource(), dayStartMs, higher ? u.value() : peak,
        higher ? at : peakAtMs, latest ? u.capacity() : capacity, latest ? u.unit() : unit, Math.max(latestMs, at));
  }

  public DailyPeak ofDay(long start) {
    return new DailyPeak(instanceId, resource, start, peak, peakAtMs, capacity, unit, latestMs);
  }
}
