package dev.headroom.streams.deltas;

import dev.headroom.streams.internals.BinaryStateSerde;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** The last seen cumulative counters of one object, and what tells a reset apart. */
public record CounterState(
    Instant capturedAt, Instant postmasterStart, Instant statsReset, String resetMarker, Map<String, Double> counters) {
  public CounterState {
    counters = Map.copyOf(counters);
  }

  /**
   * The store's serde: a compact binary form, written for every catalog object in every snapshot
   * (the delta store's changelog is its largest).
   */
  public static final class Serde extends BinaryStateSerde<CounterState> {
    public Serde() {
      super(CounterState.class, 1);
    }

    @Override
    protected int sizeHint(CounterState s) {
      return 48 + 24 * s.counters().size();
    }

    @Override
    protected void write(CounterState s, DataOutputStream out) throws IOException {
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
    }

    @Override
    protected CounterState read(DataInputStream in) throws IOException {
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
    }
  }
}
