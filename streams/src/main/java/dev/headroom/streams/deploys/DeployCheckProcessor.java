package dev.headroom.streams.deploys;

import com.datadoghq.sketch.ddsketch.DDSketch;
import dev.headroom.schemas.DeployCheck;
import dev.headroom.schemas.Event;
import dev.headroom.schemas.LatencySketches;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Compares each deploy's window after with the same window before, per instance (input keyed by
 * instance): p95 of the instance's merged minute sketches, statement calls per second, and the
 * rollback ratio. A deploy is judged once the instance's own time is the window and a settling
 * time past it (the last minute's window comes about a minute after the minute), so a deploy
 * marker may arrive before or after the minutes it needs; each deploy id is judged once.
 * Minutes older than two windows and an hour behind the instance's time are forgotten.
 */
public final class DeployCheckProcessor implements Processor<String, DeployInput, String, DeployCheck> {
  public static final String MINUTES_STORE = "deploy-minutes";
  public static final String DEPLOYS_STORE = "deploy-markers";
  public static final String CLOCK_STORE = "deploy-clocks";
  static final long MINUTE_MS = 60_000;
  static final long SETTLE_MS = Duration.ofMinutes(3).toMillis();
  private static final char SEPARATOR = '\u0000';

  /** One minute of an instance: its latency sketch (base64) and its counts. */
  public record Minute(String sketch, double calls, double seconds, double commits, double rollbacks) {}

  /** A deploy marker and whether it was judged. */
  public record Marker(Event event, boolean judged) {}

  private final DeploySettings settings;
  private final long windowMs;
  private final long keepMs;
  private ProcessorContext<String, DeployCheck> context;
  private KeyValueStore<String, Minute> minutes;
  private KeyValueStore<String, Marker> deploys;
  private KeyValueStore<String, Long> clocks;

  public DeployCheckProcessor(DeploySettings settings) {
    this.settings = settings;
    this.windowMs = settings.window().toMillis();
    this.keepMs = 2 * windowMs + SETTLE_MS + Duration.ofHours(1).toMillis();
  }

  @Override
  public void init(ProcessorContext<String, DeployCheck> context) {
    this.context = context;
    this.minutes = context.getStateStore(MINUTES_STORE);
    this.deploys = context.getStateStore(DEPLOYS_STORE);
    this.clocks = context.getStateStore(CLOCK_STORE);
  }

  @Override
  public void process(Record<String, DeployInput> record) {
    DeployInput in = record.value();
    String instance = in.instanceId();
    boolean due; // judging and forgetting scan the instance's stores: once a minute of its time, not per record
    if (in.deploy() != null) {
      String key = instance + SEPARATOR + in.deploy().id();
      due = deploys.get(key) == null;
      if (due) {
        deploys.put(key, new Marker(in.deploy(), false));
      }
    } else {
      String key = minuteKey(instance, Math.floorDiv(in.atMs(), MINUTE_MS) * MINUTE_MS);
      Minute m = minutes.get(key);
      minutes.put(key, add(m == null ? new Minute(null, 0, 0, 0, 0) : m, in));
      Long before = clocks.get(instance);
      due = before == null || Math.floorDiv(in.atMs(), MINUTE_MS) > Math.floorDiv(before, MINUTE_MS);
      if (before == null || in.atMs() > before) {
        clocks.put(instance, in.atMs());
      }
    }
    Long clock = clocks.get(instance);
    if (due && clock != null) {
      judge(instance, clock);
      forget(instance, clock);
    }
  }

  private static Minute add(Minute m, DeployInput in) {
    String sketch = m.sketch();
    if (in.sketch() != null) {
      DDSketch merged = LatencySketches.fromBase64(in.sketch());
      if (sketch != null) {
        merged.mergeWith(LatencySketches.fromBase64(sketch));
      }
      sketch = LatencySketches.toBase64(merged);
    }
    return new Minute(sketch, m.calls() + in.calls(), m.seconds() + in.seconds(), m.commits() + in.commits(),
        m.rollbacks() + in.rollbacks());
  }

  private void judge(String instance, long clock) {
    List<KeyValue<String, Marker>> ready = new ArrayList<>();
    try (KeyValueIterator<String, Marker> all = deploys.prefixScan(instance + SEPARATOR,
        new org.apache.kafka.common.serialization.StringSerializer())) {
      all.forEachRemaining(e -> {
        if (!e.value.judged() && e.value.event().at().toEpochMilli() + windowMs + SETTLE_MS <= clock) {
          ready.add(e);
        }
      });
    }
    for (KeyValue<String, Marker> e : ready) {
      Event deploy = e.value.event();
      long at = deploy.at().toEpochMilli();
      Side before = side(instance, at - windowMs, at);
      Side after = side(instance, at, at + windowMs);
      forward(deploy, "p95_ms", before.p95(), after.p95(), settings.p95Pct(), true);
      forward(deploy, "calls_per_s", before.callsPerSecond(), after.callsPerSecond(), settings.callsPct(), false);
      forward(deploy, "rollback_ratio", before.rollbackRatio(), after.rollbackRatio(), settings.rollbackPct(), true);
      deploys.put(e.key, new Marker(deploy, true));
    }
  }

  /** One side of a deploy: the merged sketch and the sums of its minutes. */
  private record Side(DDSketch sketch, double calls, double seconds, double commits, double rollbacks) {
    Double p95() {
      return sketch == null || sketch.isEmpty() ? null : sketch.getValueAtQuantile(0.95);
    }

    Double callsPerSecond() {
      return seconds > 0 ? calls / seconds : null;
    }

    Double rollbackRatio() {
      return commits + rollbacks > 0 ? rollbacks / (commits + rollbacks) : null;
    }
  }

  private Side side(String instance, long from, long to) {
    DDSketch sketch = null;
    double calls = 0;
    double seconds = 0;
    double commits = 0;
    double rollbacks = 0;
    try (KeyValueIterator<String, Minute> range = minutes.range(minuteKey(instance, from), minuteKey(instance, to - 1))) {
      while (range.hasNext()) {
        Minute m = range.next().value;
        if (m.sketch() != null) {
          DDSketch s = LatencySketches.fromBase64(m.sketch());
          if (sketch == null) {
            sketch = s;
          } else {
            sketch.mergeWith(s);
          }
        }
        calls += m.calls();
        seconds += m.seconds();
        commits += m.commits();
        rollbacks += m.rollbacks();
      }
    }
    return new Side(sketch, calls, seconds, commits, rollbacks);
  }

  /**
   * Sends one metric's comparison: regressed when it moved the bad way by at least {@code pct}
   * percent (up when {@code upIsBad}), improved when the good way, ok otherwise, unknown when a
   * side has no data. From zero, any move counts and the change is null.
   */
  private void forward(Event deploy, String metric, Double before, Double after, double pct, boolean upIsBad) {
    Double change = null;
    String verdict;
    if (before == null || after == null) {
      verdict = "unknown";
    } else if (before == 0) {
      verdict = after == 0 ? "ok" : upIsBad ? "regressed" : "improved";
    } else {
      change = 100 * (after - before) / before;
      double bad = upIsBad ? change : -change;
      verdict = bad >= pct ? "regressed" : -bad >= pct ? "improved" : "ok";
    }
    long at = deploy.at().toEpochMilli();
    context.forward(new Record<>(deploy.instanceId(), new DeployCheck(DeployCheck.SCHEMA, deploy.instanceId(),
        deploy.id(), deploy.at(), windowMs, metric, "instance", before, after, change, verdict), at + windowMs));
  }

  /** Forgets minutes and judged deploys too old for any deploy to need. */
  private void forget(String instance, long clock) {
    long horizon = clock - keepMs;
    List<String> old = new ArrayList<>();
    try (KeyValueIterator<String, Minute> range = minutes.range(minuteKey(instance, 0), minuteKey(instance, horizon))) {
      range.forEachRemaining(e -> old.add(e.key));
    }
    old.forEach(minutes::delete);
    List<String> judged = new ArrayList<>();
    try (KeyValueIterator<String, Marker> all = deploys.prefixScan(instance + SEPARATOR,
        new org.apache.kafka.common.serialization.StringSerializer())) {
      all.forEachRemaining(e -> {
        if (e.value.judged() && e.value.event().at().toEpochMilli() < horizon) {
          judged.add(e.key);
        }
      });
    }
    judged.forEach(deploys::delete);
  }

  static String minuteKey(String instance, long minute) {
    return instance + SEPARATOR + String.format("%019d", Math.max(0, minute));
  }
}
