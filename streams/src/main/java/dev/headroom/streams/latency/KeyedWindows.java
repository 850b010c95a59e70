package dev.headroom.streams.latency;

import dev.headroom.schemas.LatencySketches;
import dev.headroom.schemas.LatencyWindow;
import dev.headroom.streams.internals.BinaryStateSerde;
import dev.headroom.streams.internals.StoreCache;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Tumbling latency windows per key ({@code instance|scope}), each emitted once when it closes,
 * closed by the key's own event time: a window closes when a record of the same key is at least
 * its grace past its end. Kafka's windowed aggregation closes windows by the task's stream time,
 * shared by every instance on the partition, which drops a whole replay of a collector's spool
 * as late, and which, when stream time jumps past a window's retention (a quiet partition), drops
 * the window's segment before emitting it; here neither happens. A key that has had no record
 * for {@code idle} of wall-clock time (a sparse scope, or its collector stopped) has the windows
 * the task's stream time has passed (end + grace) emitted anyway; a record for one of them later
 * is late. A key alone on its partition keeps its newest window open until it sends again. Late
 * records are counted and left out.
 */
public final class KeyedWindows<V> implements Processor<String, V, String, LatencyWindow> {
  /** Where one key stands: its event time, the start before which every window was emitted, its last record's arrival. */
  public record Clock(long eventMs, long closedBeforeMs, long arrivalWallMs) {
    /** Three longs (the clocks store is read and written for every record). */
    public static final class Serde extends BinaryStateSerde<Clock> {
      public Serde() {
        super(Clock.class, 1);
      }

      @Override
      protected void write(Clock c, DataOutputStream out) throws IOException {
        out.writeLong(c.eventMs());
        out.writeLong(c.closedBeforeMs());
        out.writeLong(c.arrivalWallMs());
      }

      @Override
      protected Clock read(DataInputStream in) throws IOException {
        return new Clock(in.readLong(), in.readLong(), in.readLong());
      }
    }
  }

  static final Duration FLUSH_EVERY = Duration.ofSeconds(30);
  private static final char SEPARATOR = '\u0000';

  private final String windowStore;
  private final String clockStore;
  private final long sizeMs;
  private final long graceMs;
  private final long idleMs;
  private final String label;
  private final BiFunction<SketchAggregate, V, SketchAggregate> fold;
  private ProcessorContext<String, LatencyWindow> context;
  private KeyValueStore<String, SketchAggregate> windows;
  private KeyValueStore<String, Clock> clocks;
  /** The open windows' aggregates and the keys' clocks, decoded: each is read for every record of its key. */
  static final int CACHED = 4_096; // a sketch is up to ~16 kB: tens of MB at most per processor
  /** Spans of fewer windows than this are closed by looking each window up; wider ones by a range scan. */
  static final int PROBED_WINDOWS = 16;
  private StoreCache<SketchAggregate> openWindows;
  private StoreCache<Clock> keyClocks;
  private Sensor late;

  /**
   * @param label the contract's name of the window size (PT1M, PT1H, P1D)
   * @param fold adds one input to a window's aggregate; the record timestamp says which window
   */
  public KeyedWindows(String windowStore, String clockStore, Duration size, Duration grace, Duration idle, String label,
      BiFunction<SketchAggregate, V, SketchAggregate> fold) {
    this.windowStore = windowStore;
    this.clockStore = clockStore;
    this.sizeMs = size.toMillis();
    this.graceMs = grace.toMillis();
    this.idleMs = idle.toMillis();
    this.label = label;
    this.fold = fold;
  }

  @Override
  public void init(ProcessorContext<String, LatencyWindow> context) {
    this.context = context;
    this.windows = context.getStateStore(windowStore);
    this.clocks = context.getStateStore(clockStore);
    this.openWindows = new StoreCache<>(windows, CACHED);
    this.keyClocks = new StoreCache<>(clocks, CACHED);
    this.late = context.metrics().addRateTotalSensor("headroom", "latency", "late-" + label.toLowerCase(),
        Sensor.RecordingLevel.INFO, "thread-id", Thread.currentThread().getName(), "task-id",
        context.taskId().toString());
    context.schedule(FLUSH_EVERY, PunctuationType.WALL_CLOCK_TIME, this::flushIdle);
  }

  @Override
  public void process(Record<String, V> record) {
    String key = record.key();
    long ts = record.timestamp();
    long start = Math.floorDiv(ts, sizeMs) * sizeMs;
    Clock clock = keyClocks.get(key);
    if (clock == null) {
      clock = new Clock(Long.MIN_VALUE, Long.MIN_VALUE, 0);
    }
    if (start < clock.closedBeforeMs()) {
      late.record();
      return;
    }
    String windowKey = windowKey(key, start);
    SketchAggregate agg = openWindows.get(windowKey);
    try {
      openWindows.put(windowKey, fold.apply(agg == null ? new SketchAggregate() : agg, record.value()));
    } catch (RuntimeException e) {
      openWindows.forget(windowKey); // the fold changes the aggregate in place: the store keeps the last good one
      throw e;
    }
    long eventMs = Math.max(clock.eventMs(), ts);
    long closedBefore = Math.max(clock.closedBeforeMs(), Math.floorDiv(eventMs - graceMs, sizeMs) * sizeMs);
    emit(key, clock.closedBeforeMs(), closedBefore);
    keyClocks.put(key, new Clock(eventMs, closedBefore, context.currentSystemTimeMs()));
  }

  @Override
  public void close() {
    if (openWindows != null) {
      openWindows.clear();
      keyClocks.clear();
    }
  }

  /** Emits (and forgets) the key's windows starting in [from, to), in order. */
  private void emit(String key, long from, long to) {
    if (to <= from) {
      return;
    }
    List<KeyValue<String, SketchAggregate>> closed = new ArrayList<>();
    long first = Math.max(from, 0);
    if ((to - first) / sizeMs < PROBED_WINDOWS) {
      // the usual case, a window or two: looked up one by one, the open ones are in memory and
      // decoded (a range scan decodes every sketch it passes from the store's bytes)
      for (long start = Math.floorDiv(first + sizeMs - 1, sizeMs) * sizeMs; start < to; start += sizeMs) {
        String windowKey = windowKey(key, start);
        SketchAggregate agg = openWindows.get(windowKey);
        if (agg != null) {
          closed.add(KeyValue.pair(windowKey, agg));
        }
      }
    } else {
      try (KeyValueIterator<String, SketchAggregate> range = windows.range(windowKey(key, first),
          windowKey(key, to - 1))) {
        range.forEachRemaining(closed::add);
      }
    }
    int bar = key.indexOf('|');
    for (KeyValue<String, SketchAggregate> w : closed) {
      long start = Long.parseLong(w.key.substring(w.key.lastIndexOf(SEPARATOR) + 1));
      openWindows.delete(w.key);
      context.forward(new Record<>(key, window(key.substring(0, bar), key.substring(bar + 1), start, w.value),
          start + sizeMs));
    }
  }

  /** Emits the windows the task's stream time has closed of keys quiet for the idle time. */
  void flushIdle(long wallNow) {
    long streamNow = context.currentStreamTimeMs();
    long boundary = Math.floorDiv(streamNow - graceMs, sizeMs) * sizeMs;
    List<KeyValue<String, Clock>> quiet = new ArrayList<>();
    try (KeyValueIterator<String, Clock> all = clocks.all()) {
      all.forEachRemaining(e -> {
        if (wallNow - e.value.arrivalWallMs() >= idleMs) {
          quiet.add(e);
        }
      });
    }
    for (KeyValue<String, Clock> e : quiet) {
      Clock c = e.value;
      if (boundary > c.closedBeforeMs()) {
        emit(e.key, c.closedBeforeMs(), boundary);
        keyClocks.put(e.key, new Clock(c.eventMs(), boundary, c.arrivalWallMs()));
      } else if (wallNow - c.arrivalWallMs() >= Duration.ofDays(1).toMillis() && c.eventMs() < c.closedBeforeMs()) {
        keyClocks.delete(e.key); // quiet for a day with nothing open: nothing to remember
      }
    }
  }

  private LatencyWindow window(String instanceId, String scope, long start, SketchAggregate agg) {
    var sketch = agg.sketch();
    double[] q = sketch.isEmpty() ? new double[3] : sketch.getValuesAtQuantiles(new double[] {0.5, 0.95, 0.99});
    return new LatencyWindow(LatencyWindow.SCHEMA, instanceId, scope, label, Instant.ofEpochMilli(start),
        Instant.ofEpochMilli(start + sizeMs), Math.round(sketch.getCount()), q[0], q[1], q[2], agg.maxMs(),
        agg.method(), LatencySketches.toBase64(sketch));
  }

  /** Keys sort by key, then by window start: fixed-width starts after a separator no key contains. */
  static String windowKey(String key, long start) {
    if (start < 0) {
      return key + SEPARATOR + String.format("%019d", start);
    }
    String digits = Long.toString(start); // what %019d writes, without String.format's parsing per call
    StringBuilder sb = new StringBuilder(key.length() + 20).append(key).append(SEPARATOR);
    for (int i = digits.length(); i < 19; i++) {
      sb.append('0');
    }
    return sb.append(digits).toString();
  }
}
