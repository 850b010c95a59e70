package dev.headroom.schemas;

import java.time.Instant;
import java.util.Objects;

/**
 * How much of one resource an instance used at one time ({@code headroom.usage.v1}), against its
 * capacity where one is known: the series the capacity projections are fitted to.
 */
public record Usage(String schema, String instanceId, String resource, Instant at, double value, Double capacity,
    String unit) implements Message {

  public static final String SCHEMA = "headroom.usage/1";

  public Usage {
    Objects.requireNonNull(schema, "schema");
    Snapshot.require(instanceId != null && !instanceId.isBlank(), "instance_id is required");
    Snapshot.require(resource != null && !resource.isBlank(), "resource is required");
    Snapshot.require(at != null, "at is required");
    Snapshot.require(Double.isFinite(value), "value must be a finite number");
    Snapshot.require(capacity == null || capacity > 0, "capacity must be positive when present");
    Snapshot.require(unit != null && !unit.isBlank(), "unit is required");
  }
}
