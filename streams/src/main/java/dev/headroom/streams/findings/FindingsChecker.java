package dev.headroom.streams.findings;

import dev.headroom.schemas.Snapshot;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Runs the snapshot checks for one instance's snapshots (input keyed by instance), with what
 * they need to remember: the server's autovacuum settings (from the settings section) for the
 * dead-tuple advice, since when each index has gone unscanned, and the statement leaders of the
 * parts of a split statements section seen so far and of the last complete one.
 */
public final class FindingsChecker implements FixedKeyProcessor<String, Snapshot, FindingsProcessor.Verdicts> {
  public static final String SETTINGS_STORE = "finding-settings";
  public static final String INDEX_STORE = "finding-index-scans";
  public static final String TOP_STORE = "finding-top-statements";
  /** An index's last-seen time is refreshed this often at most, to keep changelog writes to changes. */
  static final long SEEN_REFRESH_MS = Duration.ofHours(1).toMillis();
  static final Duration PURGE_EVERY = Duration.ofMinutes(10);

  /** The autovacuum settings of one instance. */
  public record Settings(Map<String, String> values) {}

  /** An index's scan count, since when it has had it, and when it was last seen (epoch ms). */
  public record IndexWatch(double scans, long sinceMs, long seenMs) {}

  /** The leaders of the statements parts seen so far of {@code snapshotId}, and of the last complete section. */
  public record TopState(String snapshotId, List<Integer> parts, TopStatements.Leaders partial,
      TopStatements.Leaders last) {}

  private final Checks checks;
  private final Duration forgetAfter;
  private FixedKeyProcessorContext<String, FindingsProcessor.Verdicts> context;
  private KeyValueStore<String, Settings> settings;
  private KeyValueStore<String, IndexWatch> indexes;
  private KeyValueStore<String, TopState> tops;
  private long latestCapture = Long.MIN_VALUE;

  public FindingsChecker(FindingThresholds thresholds, Duration forgetAfter) {
    this.checks = new Checks(thresholds);
    this.forgetAfter = forgetAfter;
  }

  @Override
  public void init(FixedKeyProcessorContext<String, FindingsProcessor.Verdicts> context) {
    this.context = context;
    this.settings = context.getStateStore(SETTINGS_STORE);
    this.indexes = context.getStateStore(INDEX_STORE);
    this.tops = context.getStateStore(TOP_STORE);
    context.schedule(PURGE_EVERY, PunctuationType.WALL_CLOCK_TIME, now -> forgetDroppedIndexes());
  }

  @Override
  public void process(FixedKeyRecord<String, Snapshot> record) {
    Snapshot s = record.value();
    latestCapture = Math.max(latestCapture, s.capturedAt().toEpochMilli());
    List<Checks.Verdict> verdicts = switch (s.section()) {
      case "settings" -> {
        remember(s);
        yield List.of();
      }
      case "tables" -> checks.tables(s.rows(), autovacuum(s.instanceId()));
      case "indexes" -> checks.indexes(s.rows(), (object, row) -> unusedFor(s, object, row));
      case "statements" -> topStatements(s);
      default -> checks.of(s);
    };
    if (!verdicts.isEmpty()) {
      context.forward(record.withValue(new FindingsProcessor.Verdicts(s.instanceId(), s.capturedAt(), verdicts)));
    }
  }

  private void remember(Snapshot s) {
    Map<String, String> values = new HashMap<>();
    for (Map<String, Object> r : s.rows()) {
      String name = Checks.str(r.get("name"));
      if (Checks.AUTOVACUUM_SETTINGS.contains(name) && r.get("setting") != null) {
        values.put(name, r.get("setting").toString());
      }
    }
    Settings before = settings.get(s.instanceId());
    if (!values.isEmpty() && (before == null || !before.values().equals(values))) {
      settings.put(s.instanceId(), new Settings(values));
    }
  }

  private Map<String, String> autovacuum(String instanceId) {
    Settings known = settings.get(instanceId);
    return known == null ? Map.of() : known.values();
  }

  /**
   * How long the index has gone without a scan: from PostgreSQL 16's last_idx_scan when it has
   * one, otherwise since the streams app saw its scan count last change (a new index, a scan,
   * a statistics reset all restart the watch).
   */
  private Duration unusedFor(Snapshot s, String object, Map<String, Object> row) {
    if (!(row.get("idx_scan") instanceof Number n)) {
      return null;
    }
    double scans = n.doubleValue();
    long now = s.capturedAt().toEpochMilli();
    String key = s.instanceId() + "|" + object;
    IndexWatch watch = indexes.get(key);
    if (watch == null || watch.scans() != scans) {
      indexes.put(key, new IndexWatch(scans, now, now));
      watch = null;
    } else if (now - watch.seenMs() >= SEEN_REFRESH_MS) {
      indexes.put(key, new IndexWatch(scans, watch.sinceMs(), now));
    }
    Long lastScan = time(row.get("last_idx_scan"));
    if (lastScan != null) {
      return Duration.ofMillis(Math.max(0, now - lastScan));
    }
    return watch == null ? Duration.ZERO : Duration.ofMillis(now - watch.sinceMs());
  }

  private List<Checks.Verdict> topStatements(Snapshot s) {
    int n = checks.thresholds().topStatements();
    if (n == 0) {
      return List.of();
    }
    TopStatements.Leaders part = TopStatements.of(s.rows(), n);
    TopState state = tops.get(s.instanceId());
    TopStatements.Leaders last = state == null ? TopStatements.Leaders.NONE : state.last();
    TopStatements.Leaders leaders = part;
    if (s.parts() > 1) {
      TreeSet<Integer> seen = new TreeSet<>();
      if (state != null && s.snapshotId().equals(state.snapshotId())) {
        if (state.parts().contains(s.part())) {
          return List.of(); // a copy of a part already counted
        }
        seen.addAll(state.parts());
        leaders = TopStatements.merge(state.partial(), part, n);
      }
      seen.add(s.part());
      if (seen.size() < s.parts()) {
        tops.put(s.instanceId(), new TopState(s.snapshotId(), new ArrayList<>(seen), leaders, last));
        return List.of();
      }
    }
    tops.put(s.instanceId(), new TopState(s.snapshotId(), List.of(), TopStatements.Leaders.NONE, leaders));
    return TopStatements.verdicts(leaders, last);
  }

  /** Forgets the watch of indexes not seen for the forget-after time (dropped, or their database excluded). */
  void forgetDroppedIndexes() {
    if (latestCapture == Long.MIN_VALUE) {
      return;
    }
    long horizon = latestCapture - forgetAfter.toMillis();
    List<String> old = new ArrayList<>();
    try (KeyValueIterator<String, IndexWatch> all = indexes.all()) {
      while (all.hasNext()) {
        KeyValue<String, IndexWatch> entry = all.next();
        if (entry.value.seenMs() < horizon) {
          old.add(entry.key);
        }
      }
    }
    old.forEach(indexes::delete);
  }

  private static Long time(Object value) {
    if (value == null) {
      return null;
    }
    try {
      return Instant.parse(value.toString()).toEpochMilli();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
