package dev.headroom.schemas;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Interval deltas of one catalog object's cumulative counters ({@code headroom.deltas.v1}).
 * {@code deltas} are never negative: when a counter went down or the statistics were reset,
 * {@code reset} is set and the deltas count from zero.
 */
public record Delta(
    String schema,
    String instanceId,
    String section,
    String object,
    Instant capturedAt,
    Instant previousAt,
    long intervalMs,
    boolean reset,
    boolean gap,
    Map<String, String> labels,
    Map<String, Double> deltas,
    Map<String, Double> rates)
    implements Message {

  public static final String SCHEMA = "headroom.delta/1";

  public Delta {
    Objects.requireNonNull(schema, "schema");
    Snapshot.require(instanceId != null, "instance_id is required");
    Snapshot.require(section != null && object != null, "section and object are required");
    Snapshot.require(capturedAt != null && previousAt != null, "captured_at and previous_at are required");
    Snapshot.require(intervalMs > 0, "interval_ms must be positive");
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    deltas = Map.copyOf(Objects.requireNonNull(deltas, "deltas"));
    rates = Map.copyOf(Objects.requireNonNull(rates, "rates"));
  }

  public double delta(String counter) {
    Double value = deltas.get(counter);
    return value == null ? 0.0 : value;
  }
}
