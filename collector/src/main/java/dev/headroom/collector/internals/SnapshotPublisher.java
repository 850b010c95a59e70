package dev.headroom.collector.internals;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.headroom.collector.transport.OutboundRecord;
import dev.headroom.schemas.Json;
import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.Topics;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.ToLongFunction;

/**
 * Turns a catalog snapshot into contract messages, one per section, splitting large sections
 * into parts of bounded size, as records keyed by instance id with the capture time as the
 * record timestamp. Each row is encoded once: its bytes both size the parts and go into the
 * message (the envelope is written around them), which halves the encoding of large sections.
 */
public final class SnapshotPublisher {
  private static final byte[] EMPTY_ROWS = "\"rows\":[]".getBytes(StandardCharsets.UTF_8);
  private final int maxMessageBytes;

  /** One message: the value callers look at, and its encoding. */
  public record Part(Snapshot snapshot, byte[] json) {}

  public SnapshotPublisher(int maxMessageBytes) {
    this.maxMessageBytes = maxMessageBytes;
  }

  /** One message per section part; {@code intervalMs} gives each section's own interval. */
  public List<Part> parts(CatalogSnapshot catalog, Snapshot.InstanceInfo instance, Snapshot.AgentInfo agent,
      ToLongFunction<String> intervalMs) {
    String snapshotId = UUID.randomUUID().toString();
    List<Part> out = new ArrayList<>();
    for (Map.Entry<String, List<Map<String, Object>>> section : catalog.sections().entrySet()) {
      List<Map<String, Object>> rows = section.getValue();
      List<byte[]> encoded = new ArrayList<>(rows.size());
      for (Map<String, Object> row : rows) {
        encoded.add(encode(row));
      }
      List<int[]> ranges = split(encoded);
      for (int i = 0; i < ranges.size(); i++) {
        int[] range = ranges.get(i);
        Snapshot snapshot = new Snapshot(Snapshot.SCHEMA, snapshotId, instance, agent, catalog.capturedAt(),
            intervalMs.applyAsLong(section.getKey()), catalog.postmasterStart(),
            "statements".equals(section.getKey()) ? catalog.statementsStatsReset() : null, section.getKey(), i,
            ranges.size(), rows.subList(range[0], range[1]), catalog.truncated().getOrDefault(section.getKey(), false));
        out.add(new Part(snapshot, write(snapshot, encoded.subList(range[0], range[1]))));
      }
    }
    return out;
  }

  /** The messages alone, for callers that do not publish. */
  public List<Snapshot> messages(CatalogSnapshot catalog, Snapshot.InstanceInfo instance, Snapshot.AgentInfo agent,
      ToLongFunction<String> intervalMs) {
    return parts(catalog, instance, agent, intervalMs).stream().map(Part::snapshot).toList();
  }

  /** The parts as records: key = instance id, timestamp = captured_at. */
  public static List<OutboundRecord> records(List<Part> parts) {
    List<OutboundRecord> out = new ArrayList<>(parts.size());
    for (Part p : parts) {
      out.add(new OutboundRecord(Topics.SNAPSHOTS.name(), p.snapshot().instanceId(),
          p.snapshot().capturedAt().toEpochMilli(), p.json()));
    }
    return out;
  }

  /** The message with its rows' bytes written into the envelope, as the serde would write it whole. */
  static byte[] write(Snapshot snapshot, List<byte[]> rows) {
    Snapshot empty = new Snapshot(snapshot.schema(), snapshot.snapshotId(), snapshot.instance(), snapshot.agent(),
        snapshot.capturedAt(), snapshot.intervalMs(), snapshot.postmasterStart(), snapshot.statsReset(),
        snapshot.section(), snapshot.part(), snapshot.parts(), List.of(), snapshot.truncated());
    byte[] envelope = Topics.SNAPSHOT_SERDE.write(empty);
    int at = indexOf(envelope, EMPTY_ROWS);
    if (at < 0 || indexOf(envelope, EMPTY_ROWS, at + 1) >= 0) {
      return Topics.SNAPSHOT_SERDE.write(snapshot); // not where expected: encode it whole
    }
    int split = at + EMPTY_ROWS.length - 1; // just before the closing ]
    int size = envelope.length + rows.stream().mapToInt(r -> r.length + 1).sum();
    ByteArrayOutputStream out = new ByteArrayOutputStream(size);
    out.write(envelope, 0, split);
    for (int i = 0; i < rows.size(); i++) {
      if (i > 0) {
        out.write(',');
      }
      out.writeBytes(rows.get(i));
    }
    out.write(envelope, split, envelope.length - split);
    return out.toByteArray();
  }

  private static byte[] encode(Map<String, Object> row) {
    try {
      return Json.mapper().writeValueAsBytes(row);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot encode a row: " + e.getOriginalMessage(), e);
    }
  }

  /** Ranges of rows whose bytes add up to at most the budget (a single larger row gets a part of its own). */
  List<int[]> split(List<byte[]> rows) {
    List<int[]> parts = new ArrayList<>();
    int start = 0;
    long bytes = 0;
    int budget = maxMessageBytes - 2_048; // the envelope around the rows
    for (int i = 0; i < rows.size(); i++) {
      int size = rows.get(i).length;
      if (i > start && bytes + size > budget) {
        parts.add(new int[] {start, i});
        start = i;
        bytes = 0;
      }
      bytes += size + 1;
    }
    parts.add(new int[] {start, rows.size()});
    return parts;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    return indexOf(haystack, needle, 0);
  }

  private static int indexOf(byte[] haystack, byte[] needle, int from) {
    outer:
    for (int i = from; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
