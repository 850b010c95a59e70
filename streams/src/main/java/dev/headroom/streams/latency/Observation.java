package dev.headroom.streams.latency;

/**
 * Latency evidence for one scope: {@code count} calls with this mean and variance. An exact
 * sample is a count (its weight) with zero variance; a moment observation summarises one
 * statement's calls over one collection interval.
 */
public record Observation(String instanceId, String scope, Method method, double count, double meanMs,
    double varianceMs2, double maxMs, long timestampMs) {

  public enum Method {
    EXACT("exact"), HISTOGRAM("histogram"), MOMENT("moment");

    private final String wire;

    Method(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }
  }

  public static Observation exact(String instanceId, String scope, double valueMs, double weight, long timestampMs) {
    return new Observation(instanceId, scope, Method.EXACT, weight, valueMs, 0.0, valueMs, timestampMs);
  }

  public String key() {
    return instanceId + "|" + scope;
  }
}
