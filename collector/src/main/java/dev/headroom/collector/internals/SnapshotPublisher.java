package dev.headroom.collector.internals;

import dev.headroom.collector.transport.OutboundRecord;
import dev.headroom.schemas.Json;
import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Turns a catalog snapshot into contract messages, one per section, splitting large sections
 * into parts of bounded size, as records keyed by instance id with the capture time as the
 * record timestamp.
 */
public final class SnapshotPublisher {
  private final int maxMessageBytes;

  public SnapshotPublisher(int maxMessageBytes) {
    this.maxMessageBytes = maxMessageBytes;
  }

  /** One message per section part; {@code intervalMs} gives each section's own interval. */
  public List<Snapshot> messages(CatalogSnapshot catalog, Snapshot.InstanceInfo instance, Snapshot.AgentInfo agent,
      java.util.function.ToLongFunction<String> intervalMs) {
    String snapshotId = UUID.randomUUID().toString();
    List<Snapshot> out = new ArrayList<>();
    for (Map.Entry<String, List<Map<String, Object>>> section : catalog.sections().entrySet()) {
      List<List<Map<String, Object>>> parts = split(section.getValue());
      for (int i = 0; i < parts.size(); i++) {
        out.add(new Snapshot(Snapshot.SCHEMA, snapshotId, instance, agent, catalog.capturedAt(),
            intervalMs.applyAsLong(section.getKey()),
            catalog.postmasterStart(), "statements".equals(section.getKey()) ? catalog.statementsStatsReset() : null,
            section.getKey(), i, parts.size(), parts.get(i),
            catalog.truncated().getOrDefault(section.getKey(), false)));
      }
    }
    return out;
  }

  /** The messages as records: key = instance id, timestamp = captured_at. */
  public static List<OutboundRecord> records(List<Snapshot> messages) {
    List<OutboundRecord> out = new ArrayList<>(messages.size());
    for (Snapshot s : messages) {
      out.add(new OutboundRecord(Topics.SNAPSHOTS.name(), s.instanceId(), s.capturedAt().toEpochMilli(),
          Topics.SNAPSHOT_SERDE.write(s)));
    }
    return out;
  }

  /** Parts whose rows add up to at most the byte budget (a single larger row gets a part of its own). */
  List<List<Map<String, Object>>> split(List<Map<String, Object>> rows) {
    List<List<Map<String, Object>>> parts = new ArrayList<>();
    List<Map<String, Object>> current = new ArrayList<>();
    long bytes = 0;
    int budget = maxMessageBytes - 2_048; // the envelope around the rows
    for (Map<String, Object> row : rows) {
      int size = Json.encodedSize(row);
      if (!current.isEmpty() && bytes + size > budget) {
        parts.add(current);
        current = new ArrayList<>();
        bytes = 0;
      }
      current.add(row);
      bytes += size + 1;
    }
    parts.add(current);
    return parts;
  }
}
