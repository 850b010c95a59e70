package dev.headroom.schemas;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * A catalog health finding ({@code headroom.findings.v1}) for one object of one instance, sent
 * when it appears, when its severity changes and when it clears ({@code severity: ok}).
 */
public record Finding(String schema, String instanceId, String check, String object, String severity, double value,
    double threshold, String advice, Instant at) implements Message {

  public static final String SCHEMA = "headroom.finding/1";
  public static final String OK = "ok";
  static final Set<String> SEVERITIES = Set.of("info", "warning", "critical", OK);

  public Finding {
    Objects.requireNonNull(schema, "schema");
    Snapshot.require(instanceId != null && !instanceId.isBlank(), "instance_id is required");
    Snapshot.require(check != null && !check.isBlank(), "check is required");
    Snapshot.require(object != null, "object is required");
    Snapshot.require(severity != null && SEVERITIES.contains(severity), "severity must be one of " + SEVERITIES);
    Snapshot.require(at != null, "at is required");
  }
}
