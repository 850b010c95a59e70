package dev.headroom.simulator.internals;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.headroom.schemas.Json;
import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.Topics;
import dev.headroom.simulator.SimulatedRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Encodes one section as the collector publishes it: one message, or parts of at most
 * {@code maxBytes} each when it is larger. The simulator's sections are small, so the whole
 * section is encoded once and split only when it does not fit.
 *
 * <p>Encoding is most of the simulator's cost, so messages are written with Jackson's streaming
 * generator rather than through data binding: the same fields in the same order as
 * {@code Topics.SNAPSHOT_SERDE} writes them, doubles with Jackson's fast (shortest round-trip)
 * writer and times formatted without {@code DateTimeFormatter}. What a reader gets is the same
 * message ({@code SnapshotEncoderTest} checks it against the serde).
 */
public final class SnapshotEncoder {
  private static final JsonFactory FACTORY = Json.mapper().getFactory();
  private final int maxBytes;

  public SnapshotEncoder(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** {@code whole} holds every row of the section, with part 0 of 1. */
  public List<SimulatedRecord> encode(Snapshot whole) {
    byte[] json = write(whole);
    if (json.length <= maxBytes || whole.rows().size() < 2) {
      return List.of(record(whole, json));
    }
    int rows = whole.rows().size();
    for (int parts = Math.max(2, (int) Math.ceil(json.length / (double) maxBytes)); ; parts++) {
      List<SimulatedRecord> out = new ArrayList<>(parts);
      int n = Math.min(parts, rows);
      boolean fits = true;
      for (int i = 0; i < n && fits; i++) {
        Snapshot part = new Snapshot(whole.schema(), whole.snapshotId(), whole.instance(), whole.agent(),
            whole.capturedAt(), whole.intervalMs(), whole.postmasterStart(), whole.statsReset(), whole.section(), i, n,
            whole.rows().subList(i * rows / n, (i + 1) * rows / n), whole.truncated());
        byte[] bytes = write(part);
        fits = bytes.length <= maxBytes || (i + 1) * rows / n - i * rows / n == 1;
        out.add(record(part, bytes));
      }
      if (fits || n == rows) {
        return out;
      }
    }
  }

  private static SimulatedRecord record(Snapshot s, byte[] json) {
    return new SimulatedRecord(Topics.SNAPSHOTS.name(), s.instanceId(), s.capturedAt().toEpochMilli(), s, json);
  }

  /** The message as JSON. */
  public static byte[] write(Snapshot s) {
    ByteArrayBuilder out = new ByteArrayBuilder(4_096);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.configure(StreamWriteFeature.USE_FAST_DOUBLE_WRITER.mappedFeature(), true);
      g.writeStartObject();
      g.writeStringField("schema", s.schema());
      g.writeStringField("snapshot_id", s.snapshotId());
      Snapshot.InstanceInfo i = s.instance();
      g.writeObjectFieldStart("instance");
      g.writeStringField("id", i.id());
      g.writeStringField("cluster", i.cluster());
      g.writeStringField("role", i.role());
      g.writeStringField("system_identifier", i.systemIdentifier());
      g.writeNumberField("server_version_num", i.serverVersionNum());
      g.writeFieldName("labels");
      value(g, i.labels());
      g.writeEndObject();
      if (s.agent() == null) {
        g.writeNullField("agent");
      } else {
        g.writeObjectFieldStart("agent");
        g.writeStringField("id", s.agent().id());
        g.writeStringField("version", s.agent().version());
        g.writeEndObject();
      }
      g.writeFieldName("captured_at");
      value(g, s.capturedAt());
      g.writeNumberField("interval_ms", s.intervalMs());
      g.writeFieldName("postmaster_start");
      value(g, s.postmasterStart());
      g.writeFieldName("stats_reset");
      value(g, s.statsReset());
      g.writeStringField("section", s.section());
      g.writeNumberField("part", s.part());
      g.writeNumberField("parts", s.parts());
      g.writeArrayFieldStart("rows");
      for (Map<String, Object> row : s.rows()) {
        value(g, row);
      }
      g.writeEndArray();
      g.writeBooleanField("truncated", s.truncated());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode a " + s.section() + " message", e);
    }
    return out.toByteArray();
  }

  private static void value(JsonGenerator g, Object v) throws IOException {
    if (v == null) {
      g.writeNull();
    } else if (v instanceof Long l) {
      g.writeNumber(l);
    } else if (v instanceof Double d) {
      g.writeNumber(d);
    } else if (v instanceof String str) {
      g.writeString(str);
    } else if (v instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (v instanceof Integer n) {
      g.writeNumber(n);
    } else if (v instanceof Instant t) {
      g.writeString(Times.format(t));
    } else if (v instanceof Map<?, ?> m) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        g.writeFieldName((String) e.getKey());
        value(g, e.getValue());
      }
      g.writeEndObject();
    } else {
      throw new IllegalArgumentException("no JSON for a " + v.getClass().getName());
    }
  }
}
