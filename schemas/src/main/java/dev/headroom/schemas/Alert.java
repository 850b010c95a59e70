package dev.headroom.schemas;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * A transition of one SLO rule for one (instance, scope) ({@code headroom.alerts.v1}): pending
 * when the condition starts, firing once it held for the rule's sustained duration, resolved when
 * it has cleared. {@code since} is when the current state's condition began; {@code at} is the
 * event time of the transition.
 */
public record Alert(String schema, String instanceId, String rule, String scope, String metric, String severity,
    String state, Instant since, Instant at, double value, double threshold, long sustainedMs) implements Message {

  public static final String SCHEMA = "headroom.alert/1";
  public static final String PENDING = "pending";
  public static final String FIRING = "firing";
  public static final String RESOLVED = "resolved";
  static final Set<String> STATES = Set.of(PENDING, FIRING, RESOLVED);
  static final Set<String> SEVERITIES = Set.of("warning", "critical", "emergency");

  public Alert {
    Objects.requireNonNull(schema, "schema");
    Snapshot.require(instanceId != null && !instanceId.isBlank(), "instance_id is required");
    Snapshot.require(rule != null && !rule.isBlank(), "rule is required");
    Snapshot.require(state != null && STATES.contains(state), "state must be one of " + STATES);
    Snapshot.require(severity != null && SEVERITIES.contains(severity), "severity must be one of " + SEVERITIES);
    Snapshot.require(since != null && at != null, "since and at are required");
  }
}
