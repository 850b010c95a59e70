package dev.headroom.schemas;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A change that matters to capacity ({@code headroom.events.v1}): a deploy (a migration
 * applied), a configuration change, a restart. {@code id} is stable across redeliveries of
 * the same event, so consumers can drop the copies Debezium sends again after a restart.
 */
public record Event(String schema, String id, String instanceId, Instant at, String kind, String source,
    Map<String, Object> detail) implements Message {

  public static final String SCHEMA = "headroom.event/1";
  public static final String DEPLOY = "deploy";
  public static final String CONFIG_CHANGE = "config_change";
  public static final String RESTART = "restart";
  static final Set<String> KINDS = Set.of(DEPLOY, CONFIG_CHANGE, RESTART);

  public Event {
    Objects.requireNonNull(schema, "schema");
    Snapshot.require(id != null && !id.isBlank(), "id is required");
    Snapshot.require(instanceId != null && !instanceId.isBlank(), "instance_id is required");
    Snapshot.require(at != null, "at is required");
    Snapshot.require(kind != null && KINDS.contains(kind), "kind must be one of " + KINDS);
    detail = detail == null ? Map.of() : detail;
  }
}
