package dev.headroom.schemas;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * When one resource of one instance reaches its saturation line under one scenario
 * ({@code headroom.projections.v1}, key {@code instance_id|resource|scenario}).
 * {@code timeToSaturationDays} is null when the resource does not grow; the runway range comes
 * from the fit's prediction interval, each end null when it does not reach the line.
 */
public record Projection(String schema, String instanceId, String resource, String scenario, String unit,
    double capacity, double saturationFraction, double currentPeak, String model, Params params, int lookbackDays,
    int points, Double timeToSaturationDays, Instant saturationAt, Double runwayLowDays, Double runwayHighDays,
    int horizonDays, double headroomAtHorizon, boolean bottleneck, Instant computedAt) implements Message {

  public static final String SCHEMA = "headroom.projection/1";
  public static final Set<String> MODELS = Set.of("linear", "exponential");

  /** The fitted model: value = intercept + slope·t, or intercept·e^(rate·t), t in days from the first point. */
  public record Params(double intercept, Double slope, Double rate, double r2) {}

  public Projection {
    Objects.requireNonNull(schema, "schema");
    Snapshot.require(instanceId != null && !instanceId.isBlank(), "instance_id is required");
    Snapshot.require(resource != null && !resource.isBlank(), "resource is required");
    Snapshot.require(scenario != null && !scenario.isBlank(), "scenario is required");
    Snapshot.require(MODELS.contains(model), "model must be one of " + MODELS);
    Snapshot.require(params != null, "params is required");
    Snapshot.require(computedAt != null, "computed_at is required");
  }

  public String key() {
    return instanceId + "|" + resource + "|" + scenario;
  }
}
