package dev.headroom.schemas;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One section (or one part of a large section) of one catalog snapshot of one instance,
 * as published on {@code headroom.snapshots.v1}. Rows keep the catalog's own field names
 * (CONTRACTS.md); their shape depends on {@link #section()}. {@code truncated} says the
 * collector published only part of what the view held (e.g. the top N statements).
 */
public record Snapshot(
    String schema,
    String snapshotId,
    InstanceInfo instance,
    AgentInfo agent,
    Instant capturedAt,
    long intervalMs,
    Instant postmasterStart,
    Instant statsReset,
    String section,
    int part,
    int parts,
    List<Map<String, Object>> rows,
    boolean truncated)
    implements Message {

  public static final String SCHEMA = "headroom.snapshot/1";

  public Snapshot {
    Objects.requireNonNull(schema, "schema");
    require(snapshotId != null && !snapshotId.isBlank(), "snapshot_id is required");
    require(instance != null, "instance is required");
    require(capturedAt != null, "captured_at is required");
    require(intervalMs > 0, "interval_ms must be positive");
    require(section != null && !section.isBlank(), "section is required");
    require(parts >= 1 && part >= 0 && part < parts, "part must be in [0, parts) and parts >= 1");
    require(rows != null, "rows is required (an empty list when the section has none)");
    rows = List.copyOf(rows);
  }

  public String instanceId() {
    return instance.id();
  }

  static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }

  /** Who the instance is; {@code id} is the record key of every message about it. */
  public record InstanceInfo(
      String id, String cluster, String role, String systemIdentifier, int serverVersionNum, Map<String, String> labels) {
    public InstanceInfo {
      require(id != null && !id.isBlank(), "instance.id is required");
      labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
  }

  /** The agent that took the snapshot. */
  public record AgentInfo(String id, String version) {}
}
