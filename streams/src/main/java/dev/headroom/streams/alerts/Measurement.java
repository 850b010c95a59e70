package dev.headroom.streams.alerts;

/**
 * One value of one metric for one (instance, scope) over an interval of event time: a
 * latency window's p95, a PgBouncer pool's efficiency at a snapshot, a database's cache hit
 * ratio over a delta interval. What the SLO rules watch. Times are epoch milliseconds.
 */
public record Measurement(String instanceId, String scope, String metric, long startMs, long endMs, double value) {
  public Measurement {
    if (endMs < startMs) {
      throw new IllegalArgumentException("a measurement ends after it starts");
    }
  }
}
