package dev.headroom.schemas;

import java.time.Instant;
import java.util.Objects;

/**
 * One exact latency observation ({@code headroom.latency.v1}): a probe, a CDC row or a log line.
 * {@code id}, when present, is stable across redeliveries of the same observation (a CDC event
 * replayed after a restart, a log line read twice), so consumers can drop the copies.
 */
public record LatencySample(
    String schema, String id, String instanceId, Instant observedAt, String scope, String source, double valueMs,
    double weight) implements Message {

  public static final String SCHEMA = "headroom.latency/1";

  public LatencySample {
    Objects.requireNonNull(schema, "schema");
    Snapshot.require(instanceId != null && !instanceId.isBlank(), "instance_id is required");
    Snapshot.require(observedAt != null, "observed_at is required");
    Snapshot.require(scope != null && !scope.isBlank(), "scope is required");
    Snapshot.require(Double.isFinite(valueMs) && valueMs >= 0, "value_ms must be a finite, non-negative number");
    Snapshot.require(Double.isFinite(weight) && weight > 0, "weight must be positive");
  }

  /** A sample without a dedupe id (one that is never redelivered). */
  public LatencySample(String schema, String instanceId, Instant observedAt, String scope, String source, double valueMs,
      double weight) {
    this(schema, null, instanceId, observedAt, scope, source, valueMs, weight);
  }
}
