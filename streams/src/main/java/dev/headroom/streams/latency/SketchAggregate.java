package dev.headroom.streams.latency;

import com.datadoghq.sketch.ddsketch.DDSketch;
import dev.headroom.schemas.LatencySketches;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** The state of one (scope, window): the sketch, the largest value seen and which methods fed it. */
public final class SketchAggregate {
  private final DDSketch sketch;
  private double maxMs;
  private final EnumSet<Observation.Method> methods;

  public SketchAggregate() {
    this(LatencySketches.create(), 0.0, EnumSet.noneOf(Observation.Method.class));
  }

  private SketchAggregate(DDSketch sketch, double maxMs, EnumSet<Observation.Method> methods) {
    this.sketch = sketch;
    this.maxMs = maxMs;
    this.methods = methods;
  }

  public SketchAggregate add(Observation o) {
    double added = o.method() == Observation.Method.MOMENT
        ? MomentDistribution.addTo(sketch, o.count(), o.meanMs(), o.varianceMs2())
        : addExact(o);
    maxMs = Math.max(maxMs, Math.max(added, o.maxMs()));
    methods.add(o.method());
    return this;
  }

  /** Folds a closed window in: its sketch is merged (never its percentiles averaged). */
  public SketchAggregate merge(dev.headroom.schemas.LatencyWindow window) {
    DDSketch other = LatencySketches.fromBase64(window.sketch());
    if (!other.isEmpty()) {
      sketch.mergeWith(other);
    }
    maxMs = Math.max(maxMs, window.maxMs());
    boolean known = false;
    for (Observation.Method m : Observation.Method.values()) {
      if (m.wire().equals(window.method())) {
        methods.add(m);
        known = true;
      }
    }
    if (!known) { // mixed
      methods.add(Observation.Method.EXACT);
      methods.add(Observation.Method.MOMENT);
    }
    return this;
  }

  private double addExact(Observation o) {
    sketch.accept(o.meanMs(), o.count());
    return o.meanMs();
  }

  public DDSketch sketch() {
    return sketch;
  }

  public double maxMs() {
    return maxMs;
  }

  /** The contract's method: the single one that fed the window, or {@code mixed}. */
  public String method() {
    return methods.size() == 1 ? methods.iterator().next().wire() : "mixed";
  }

  public static final class AggregateSerde implements Serde<SketchAggregate> {
    @Override
    public Serializer<SketchAggregate> serializer() {
      return (topic, agg) -> {
        if (agg == null) {
          return null;
        }
        byte[] sketch = LatencySketches.encode(agg.sketch);
        int mask = 0;
        for (Observation.Method m : agg.methods) {
          mask |= 1 << m.ordinal();
        }
        return ByteBuffer.allocate(1 + 8 + sketch.length).put((byte) mask).putDouble(agg.maxMs).put(sketch).array();
      };
    }

    @Override
    public Deserializer<SketchAggregate> deserializer() {
      return (topic, bytes) -> {
        if (bytes == null) {
          return null;
        }
        if (bytes.length < 9) {
          throw new SerializationException("sketch aggregate of " + bytes.length + " bytes is truncated");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        int mask = buf.get();
        double max = buf.getDouble();
        byte[] sketch = new byte[buf.remaining()];
        buf.get(sketch);
        EnumSet<Observation.Method> methods = EnumSet.noneOf(Observation.Method.class);
        for (Observation.Method m : Observation.Method.values()) {
          if ((mask & (1 << m.ordinal())) != 0) {
            methods.add(m);
          }
        }
        return new SketchAggregate(LatencySketches.decode(sketch), max, methods);
      };
    }
  }
}
