package dev.headroom.streams.deltas;

import dev.headroom.schemas.Delta;
import dev.headroom.schemas.Snapshot;
import dev.headroom.streams.internals.StoreCache;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Turns snapshot sections into interval deltas per (instance, section, object). The store
 * holds the last reading of each object; the input is keyed by instance, so one instance's
 * objects live in one task. Objects not seen for {@code forgetAfter} of event time (a dropped
 * table, a statement evicted from pg_stat_statements) are forgotten by a punctuation, so the
 * store does not grow with every object that ever existed.
 */
public final class DeltaProcessor implements FixedKeyProcessor<String, Snapshot, DeltaBatch> {
  public static final String STORE = "delta-counters";
  public static final Duration DEFAULT_FORGET_AFTER = Duration.ofDays(1);
  static final Duration PURGE_EVERY = Duration.ofMinutes(10);

  private final Duration forgetAfter;
  private long latestCapture = Long.MIN_VALUE;
  private Sensor forgotten;

  public DeltaProcessor() {
    this(DEFAULT_FORGET_AFTER);
  }

  public DeltaProcessor(Duration forgetAfter) {
    this.forgetAfter = forgetAfter;
  }

  private FixedKeyProcessorContext<String, DeltaBatch> context;
  private KeyValueStore<String, CounterState> store;
  /** Most of a task's objects (about a thousand per instance): their readings are read every interval. */
  static final int CACHED_READINGS = 50_000;
  private StoreCache<CounterState> cache;
  private Sensor stale;
  private Sensor first;
  private Readings readings;

  @Override
  public void init(FixedKeyProcessorContext<String, DeltaBatch> context) {
    this.context = context;
    this.store = context.getStateStore(STORE);
    this.cache = new StoreCache<>(store, CACHED_READINGS);
    String thread = Thread.currentThread().getName();
    this.stale = context.metrics().addRateTotalSensor("headroom", "deltas", "stale-readings",
        Sensor.RecordingLevel.INFO, "thread-id", thread, "task-id", context.taskId().toString());
    this.first = context.metrics().addRateTotalSensor("headroom", "deltas", "first-readings",
        Sensor.RecordingLevel.INFO, "thread-id", thread, "task-id", context.taskId().toString());
    this.forgotten = context.metrics().addRateTotalSensor("headroom", "deltas", "forgotten-objects",
        Sensor.RecordingLevel.INFO, "thread-id", thread, "task-id", context.taskId().toString());
    // wall-clock scheduled, event-time judged: a replay of old history forgets as living through it would
    context.schedule(PURGE_EVERY, PunctuationType.WALL_CLOCK_TIME, now -> forgetVanished());
    this.readings = new Readings() {
      @Override
      public CounterState get(String key) {
        return cache.get(key);
      }

      @Override
      public void put(String key, CounterState reading) {
        cache.put(key, reading);
      }

      @Override
      public void stale() {
        stale.record();
      }

      @Override
      public void first() {
        first.record();
      }
    };
  }

  @Override
  public void close() {
    if (cache != null) {
      cache.clear();
    }
  }

  /** Deletes the readings of objects whose last capture is older than the newest capture minus forgetAfter. */
  void forgetVanished() {
    if (latestCapture == Long.MIN_VALUE) {
      return;
    }
    Instant horizon = Instant.ofEpochMilli(latestCapture).minus(forgetAfter);
    List<String> old = new ArrayList<>();
    try (KeyValueIterator<String, CounterState> all = store.all()) {
      while (all.hasNext()) {
        KeyValue<String, CounterState> entry = all.next();
        if (entry.value.capturedAt().isBefore(horizon)) {
          old.add(entry.key);
        }
      }
    }
    old.forEach(cache::delete);
    forgotten.record(old.size());
  }

  @Override
  public void process(FixedKeyRecord<String, Snapshot> record) {
    Snapshot snapshot = record.value();
    latestCapture = Math.max(latestCapture, snapshot.capturedAt().toEpochMilli());
    List<Delta> out = difference(snapshot, readings);
    if (!out.isEmpty()) {
      context.forward(record.withValue(new DeltaBatch(snapshot.instanceId(), snapshot.section(), out)));
    }
  }

  /** Where {@link #difference} finds each object's last reading and keeps its new one. */
  public interface Readings {
    CounterState get(String key);

    void put(String key, CounterState reading);

    /** A reading no newer than the one kept (a duplicate or a replay): dropped. */
    default void stale() {}

    /** An object seen for the first time: no delta yet. */
    default void first() {}
  }

  /**
   * The deltas of one snapshot section's rows against the last readings, which it updates: the
   * whole of this processor's work but for the store, so a benchmark can measure the contract's
   * own cost. Sections without counters yield nothing.
   */
  public static List<Delta> difference(Snapshot snapshot, Readings readings) {
    Sections.Section section = Sections.BY_NAME.get(snapshot.section());
    if (section == null) {
      return List.of();
    }
    List<Delta> out = new ArrayList<>(snapshot.rows().size());
    String prefix = snapshot.instanceId() + "|" + section.name() + "|";
    for (Map<String, Object> row : snapshot.rows()) {
      String object = identity(section, row);
      String key = prefix + object;
      CounterState current = reading(snapshot, section, row);
      DeltaCalculator.Result result = DeltaCalculator.compute(snapshot.instanceId(), section.name(), object,
          labels(section, row), readings.get(key), current, snapshot.intervalMs());
      switch (result.verdict()) {
        case STALE -> readings.stale();
        case FIRST -> {
          readings.first();
          readings.put(key, current);
        }
        case DELTA -> {
          out.add(result.delta().orElseThrow());
          readings.put(key, current);
        }
      }
    }
    return out;
  }

  static String identity(Sections.Section section, Map<String, Object> row) {
    if (section.identity().isEmpty()) {
      return "instance"; // a section with one row per instance
    }
    StringBuilder sb = new StringBuilder();
    for (String field : section.identity()) {
      if (sb.length() > 0) {
        sb.append('|');
      }
      sb.append(row.get(field));
    }
    return sb.toString();
  }

  static Map<String, String> labels(Sections.Section section, Map<String, Object> row) {
    Map<String, String> labels = new LinkedHashMap<>();
    for (String field : section.identity()) {
      Object value = row.get(field);
      if (value != null) {
        labels.put(field, value.toString());
      }
    }
    return labels;
  }

  static CounterState reading(Snapshot snapshot, Sections.Section section, Map<String, Object> row) {
    Map<String, Double> counters = new LinkedHashMap<>();
    for (String counter : section.counters()) {
      Object value = row.get(counter);
      if (value instanceof Number n) {
        counters.put(counter, n.doubleValue());
      }
    }
    if (section == Sections.STATEMENTS) {
      Double calls = number(row.get("calls"));
      Double mean = number(row.get("mean_exec_time_ms"));
      Double stddev = number(row.get("stddev_exec_time_ms"));
      if (calls != null && mean != null && stddev != null) {
        // pg_stat_statements keeps the population variance: Σx² = n·(σ² + μ²).
        counters.put(Sections.EXEC_TIME_SQ_SUM, calls * (stddev * stddev + mean * mean));
      }
      if (row.get("stats_since") == null) {
        // Before 17 an entry has no creation time, but its max only grows and its min only falls
        // while it lives: either moving back means it was evicted and came back (or was reset).
        Double max = number(row.get("max_exec_time_ms"));
        Double min = number(row.get("min_exec_time_ms"));
        if (max != null && min != null) {
          counters.put(Sections.WATCH_MAX_EXEC_TIME, max);
          counters.put(Sections.WATCH_MIN_EXEC_TIME, -min);
        }
      }
    }
    String marker = null;
    for (String field : Sections.RESET_MARKERS) {
      Object value = row.get(field);
      if (value != null) {
        marker = (marker == null ? "" : marker + "|") + field + "=" + value;
      }
    }
    Instant postmasterStart = snapshot.postmasterStart();
    return new CounterState(snapshot.capturedAt(), postmasterStart, snapshot.statsReset(), marker, counters);
  }

  private static Double number(Object value) {
    return value instanceof Number n ? n.doubleValue() : null;
  }
}
