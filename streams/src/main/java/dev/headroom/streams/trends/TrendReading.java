package dev.headroom.streams.trends;

import java.util.Set;

/**
 * One contribution to a metric's buckets: {@code sum} over {@code weight} for a rate (a time
 * weight counts once per capture time, so the parts of a split section add their sums but not
 * their interval) or a ratio (every weight adds), the largest {@code sum} for a peak, or a latency sketch (base64) whose
 * merge gives the bucket's p95. {@code complete} says the reading is its bucket's whole value (a
 * closed latency window of the bucket's size), so the bucket closes at once.
 */
public record TrendReading(String instanceId, String metric, String scope, long atMs, Set<String> buckets, Mode mode,
    double sum, double weight, String sketch, boolean complete) {

  public enum Mode { RATE, RATIO, MAX, SKETCH_P95 }

  public String series() {
    return instanceId + "|" + metric + "|" + scope;
  }

  /** Events per second: {@code count} over an interval of {@code seconds}. */
  public static TrendReading rate(String instanceId, String metric, String scope, long atMs, double count,
      double seconds) {
    return new TrendReading(instanceId, metric, scope, atMs, TrendBuckets.ALL, Mode.RATE, count, seconds, null, false);
  }

  /** A share: {@code part} of {@code whole}. */
  public static TrendReading ratio(String instanceId, String metric, String scope, long atMs, double part,
      double whole) {
    return new TrendReading(instanceId, metric, scope, atMs, TrendBuckets.ALL, Mode.RATIO, part, whole, null, false);
  }

  public static TrendReading peak(String instanceId, String metric, String scope, long atMs, double value) {
    return new TrendReading(instanceId, metric, scope, atMs, TrendBuckets.ALL, Mode.MAX, value, 0, null, false);
  }
}
