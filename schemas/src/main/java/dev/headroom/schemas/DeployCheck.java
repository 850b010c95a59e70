package dev.headroom.schemas;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * One metric over a window after a deploy against the same window before it
 * ({@code headroom.deploy-checks.v1}), with a verdict by configured thresholds.
 */
public record DeployCheck(String schema, String instanceId, String deployId, Instant deployAt, long windowMs,
    String metric, String scope, Double before, Double after, Double changePct, String verdict) implements Message {

  public static final String SCHEMA = "headroom.deploy-check/1";
  public static final Set<String> VERDICTS = Set.of("ok", "regressed", "improved", "unknown");

  public DeployCheck {
    Objects.requireNonNull(schema, "schema");
    Snapshot.require(instanceId != null && !instanceId.isBlank(), "instance_id is required");
    Snapshot.require(deployAt != null, "deploy_at is required");
    Snapshot.require(windowMs > 0, "window_ms must be positive");
    Snapshot.require(metric != null && !metric.isBlank(), "metric is required");
    Snapshot.require(VERDICTS.contains(verdict), "verdict must be one of " + VERDICTS);
  }
}
