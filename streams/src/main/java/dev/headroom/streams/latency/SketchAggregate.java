package dev.headroom.streams.latency;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import com.datadoghq.sketch.ddsketch.store.Store;
import com.datadoghq.sketch.ddsketch.store.UnboundedSizeDenseStore;
import dev.headroom.schemas.LatencySketches;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
        ? Fits.addTo(sketch, o.count(), o.meanMs(), o.varianceMs2())
        : addExact(o);
    maxMs = Math.max(maxMs, Math.max(added, o.maxMs()));
    methods.add(o.method());
    return this;
  }

  /**
   * Adds many observations at once: the moment fits' bin counts are summed in a dense array first
   * and reach the sketch's store once per bin, not once per statement and bin (a statements
   * message puts hundreds of fits of a few hundred bins each into the instance's sketch). The
   * counts are the same sums, added in another order.
   */
  public SketchAggregate addAll(List<Observation> observations) {
    Bins bins = Bins.PER_THREAD.get();
    try {
      for (Observation o : observations) {
        double added = o.method() == Observation.Method.MOMENT
            ? Fits.addTo(sketch, bins, o.count(), o.meanMs(), o.varianceMs2())
            : addExact(o);
        maxMs = Math.max(maxMs, Math.max(added, o.maxMs()));
        methods.add(o.method());
      }
      bins.drainInto(sketch.getPositiveValueStore());
    } finally {
      bins.clear();
    }
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

  /**
   * {@link MomentDistribution#addTo}, remembered. One statement's interval reaches the sketches
   * of the instance, its database and often its own query scope with the same count, mean and
   * variance, and fitting the curve (an erfc per sketch bin) is most of the stream thread's time
   * (BENCHMARKS.md, "Streams throughput"). The last fits are kept per thread as the sketch calls
   * they made and replayed into the next sketch with the same mapping: the sketch ends up
   * exactly as if the curve had been fitted again. A fit is a few hundred bins (16 bytes each),
   * so the memory is a few MB per stream thread.
   */
  static final class Fits {
    static final int SIZE = 1024;
    private static final ThreadLocal<Fits> PER_THREAD = ThreadLocal.withInitial(Fits::new);

    /**
     * A fit's inputs. Hashed without the mapping's own hashCode, which computes a power (it was a
     * tenth of the stream thread); equal only for an equal mapping.
     */
    private static final class Key {
      private final IndexMapping mapping;
      private final double count;
      private final double meanMs;
      private final double varianceMs2;
      private final int hash;

      Key(IndexMapping mapping, double count, double meanMs, double varianceMs2) {
        this.mapping = mapping;
        this.count = count;
        this.meanMs = meanMs;
        this.varianceMs2 = varianceMs2;
        this.hash = ((mapping.getClass().hashCode() * 31 + Double.hashCode(count)) * 31 + Double.hashCode(meanMs)) * 31
            + Double.hashCode(varianceMs2);
      }

      @Override
      public boolean equals(Object o) {
        return o instanceof Key k && Double.compare(k.count, count) == 0 && Double.compare(k.meanMs, meanMs) == 0
            && Double.compare(k.varianceMs2, varianceMs2) == 0 && (k.mapping == mapping || k.mapping.equals(mapping));
      }

      @Override
      public int hashCode() {
        return hash;
      }
    }

    /** The calls of one fit, with each value's bin index in the mapping (or {@link #ACCEPT}: replayed as a call). */
    private record Fit(double[] values, double[] counts, int[] indexes, double max) {}

    private static final int ACCEPT = Integer.MIN_VALUE;

    private final Map<Key, Fit> recent = new LinkedHashMap<>(2 * SIZE, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Key, Fit> eldest) {
        return size() > SIZE;
      }
    };

    /** @return what {@link MomentDistribution#addTo} returns */
    static double addTo(DDSketch sketch, double count, double meanMs, double varianceMs2) {
      return addTo(sketch, null, count, meanMs, varianceMs2);
    }

    /** As {@link #addTo(DDSketch, double, double, double)}, the positive bins' counts into {@code bins} when given. */
    static double addTo(DDSketch sketch, Bins bins, double count, double meanMs, double varianceMs2) {
      Fits fits = PER_THREAD.get();
      IndexMapping mapping = sketch.getIndexMapping();
      Key key = new Key(mapping, count, meanMs, varianceMs2);
      Fit fit = fits.recent.get(key);
      if (fit == null) {
        Recorder recorder = new Recorder(mapping);
        double max = MomentDistribution.addTo(recorder, count, meanMs, varianceMs2);
        int[] indexes = new int[recorder.n];
        double minIndexable = mapping.minIndexableValue(); // each a power: once per fit, not per bin
        double maxIndexable = mapping.maxIndexableValue();
        for (int i = 0; i < recorder.n; i++) {
          double v = recorder.values[i];
          // what DDSketch.accept does with a positive, trackable value and a count: one bin of the positive store
          indexes[i] = v > minIndexable && v <= maxIndexable && recorder.counts[i] >= 0 ? mapping.index(v) : ACCEPT;
        }
        fit = new Fit(Arrays.copyOf(recorder.values, recorder.n), Arrays.copyOf(recorder.counts, recorder.n), indexes,
            max);
        fits.recent.put(key, fit);
      }
      Store positive = sketch.getPositiveValueStore();
      for (int i = 0; i < fit.values.length; i++) {
        if (fit.indexes[i] == ACCEPT) {
          sketch.accept(fit.values[i], fit.counts[i]);
        } else if (bins != null) {
          bins.add(fit.indexes[i], fit.counts[i]);
        } else {
          positive.add(fit.indexes[i], fit.counts[i]);
        }
      }
      return fit.max;
    }
  }

  /** Bin counts by index in a dense array, per stream thread, drained into a sketch's store. */
  static final class Bins {
    private static final ThreadLocal<Bins> PER_THREAD = ThreadLocal.withInitial(Bins::new);
    private double[] counts = new double[4096];
    private int offset;
    private int min = Integer.MAX_VALUE;
    private int max = Integer.MIN_VALUE;

    void add(int index, double count) {
      if (min > max) {
        offset = index - counts.length / 2;
      } else if (index - offset < 0 || index - offset >= counts.length) {
        grow(index);
      }
      counts[index - offset] += count;
      min = Math.min(min, index);
      max = Math.max(max, index);
    }

    private void grow(int index) {
      int lo = Math.min(min, index);
      int hi = Math.max(max, index);
      double[] bigger = new double[Math.max(2 * counts.length, 2 * (hi - lo + 1))];
      int newOffset = lo - (bigger.length - (hi - lo + 1)) / 2;
      System.arraycopy(counts, min - offset, bigger, min - newOffset, max - min + 1);
      counts = bigger;
      offset = newOffset;
    }

    void drainInto(Store store) {
      for (int index = min; index <= max; index++) {
        double c = counts[index - offset];
        if (c != 0) {
          store.add(index, c);
        }
      }
    }

    void clear() {
      if (min <= max) {
        java.util.Arrays.fill(counts, min - offset, max - offset + 1, 0.0);
      }
      min = Integer.MAX_VALUE;
      max = Integer.MIN_VALUE;
    }
  }

  /** A sketch that only notes what it is given, in order. */
  private static final class Recorder extends DDSketch {
    double[] values = new double[256];
    double[] counts = new double[256];
    int n;

    Recorder(IndexMapping mapping) {
      super(mapping, UnboundedSizeDenseStore::new);
    }

    @Override
    public void accept(double value, double count) {
      if (n == values.length) {
        values = Arrays.copyOf(values, 2 * n);
        counts = Arrays.copyOf(counts, 2 * n);
      }
      values[n] = value;
      counts[n] = count;
      n++;
    }
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
