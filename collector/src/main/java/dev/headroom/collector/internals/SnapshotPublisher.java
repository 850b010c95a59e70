package dev.headroom.collector.internals;

import dev.headroom.schemas.Json;
import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Turns a catalog snapshot into contract messages, one per section, splitting large sections
 * into parts of bounded size, and sends them keyed by instance id with the capture time as
 * the record timestamp.
 */
public final class SnapshotPublisher {
  private final Producer<String, byte[]> producer;
  private final int maxMessageBytes;

  public SnapshotPublisher(Producer<String, byte[]> producer, int maxMessageBytes) {
    this.producer = producer;
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

  public List<Future<RecordMetadata>> send(List<Snapshot> messages) {
    List<Future<RecordMetadata>> sent = new ArrayList<>(messages.size());
    for (Snapshot s : messages) {
      sent.add(producer.send(new ProducerRecord<>(Topics.SNAPSHOTS.name(), null, s.capturedAt().toEpochMilli(),
          s.instanceId(), Topics.SNAPSHOT_SERDE.write(s))));
    }
    return sent;
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
