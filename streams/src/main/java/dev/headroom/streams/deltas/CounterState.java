package dev.headroom.streams.deltas;

import dev.headroom.streams.internals.JsonStateSerde;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/** The last seen cumulative counters of one object, and what tells a reset apart. */
public record CounterState(
    Instant capturedAt, Instant postmasterStart, Instant statsReset, String resetMarker, Map<String, Double> counters) {
  public CounterState {
    counters = Map.copyOf(counters);
  }

  /**
   * The store's serde: a compact binary form, written for every catalog object in every snapshot
   * (the delta store's changelog is its largest). Reads the JSON form earlier versions wrote too,
   * so a store restored from an old changelog still works.
   */
  public static final class Serde implements org.apache.kafka.common.serialization.Serde<CounterState> {
    static final byte VERSION = 1;
    private static final JsonStateSerde<CounterState> JSON = new JsonStateSerde<>(CounterState.class);

    @Override
    public Serializer<CounterState> serializer() {
      return (topic, state) -> state == null ? null : write(state);
    }

    @Override
    public Deserializer<CounterState> deserializer() {
      return (topic, bytes) -> {
        if (bytes == null) {
          return null;
        }
        if (bytes.length > 0 && bytes[0] == '{') {
          return JSON.deserializer().deserialize(topic, bytes);
        }
        return read(bytes);
      };
    }

    static byte[] write(CounterState s) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(32 + 24 * s.counters().size());
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeByte(VERSION);
        writeInstant(out, s.capturedAt());
        writeInstant(out, s.postmasterStart());
        writeInstant(out, s.statsReset());
        out.writeBoolean(s.resetMarker() != null);
        if (s.resetMarker() != null) {
          out.writeUTF(s.resetMarker());
        }
        out.writeShort(s.counters().size());
        for (Map.Entry<String, Double> e : s.counters().entrySet()) {
          out.writeUTF(e.getKey());
          out.writeDouble(e.getValue());
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
      }
      return bytes.toByteArray();
    }

    static CounterState read(byte[] bytes) {
      try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
        byte version = in.readByte();
        if (version != VERSION) {
          throw new SerializationException("unknown counter state version " + version);
        }
        Instant capturedAt = readInstant(in);
        Instant postmasterStart = readInstant(in);
        Instant statsReset = readInstant(in);
        String marker = in.readBoolean() ? in.readUTF() : null;
        int n = in.readUnsignedShort();
        Map<String, Double> counters = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
          counters.put(in.readUTF(), in.readDouble());
        }
        return new CounterState(capturedAt, postmasterStart, statsReset, marker, counters);
      } catch (IOException e) {
        throw new SerializationException("unreadable counter state: " + e, e);
      }
    }

    private static void writeInstant(DataOutputStream out, Instant t) throws IOException {
      out.writeBoolean(t != null);
      if (t != null) {
        out.writeLong(t.getEpochSecond());
        out.writeInt(t.getNano());
      }
    }

    private static Instant readInstant(DataInputStream in) throws IOException {
      return in.readBoolean() ? Instant.ofEpochSecond(in.readLong(), in.readInt()) : null;
    }
  }
}
