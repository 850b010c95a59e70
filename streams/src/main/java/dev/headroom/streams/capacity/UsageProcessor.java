package dev.headroom.streams.capacity;

import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.Usage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Usage from snapshot sections (input keyed by instance), remembering each instance's last host
 * reading (the slots' WAL is measured against the free disk, and an instance without a host
 * section has its storage from its database sizes) and each table's first size of each of its
 * last days (the fastest-growing tables get a {@code table:} series).
 */
public final class UsageProcessor implements FixedKeyProcessor<String, Snapshot, List<Usage>> {
  public static final String HOSTS_STORE = "usage-hosts";
  /** Each table's first size of each of its last days (key instance|datname.schema.table). */
  public static final String TABLES_STORE = "usage-table-sizes";
  static final Duration PURGE_EVERY = Duration.ofHours(1);

  private final UsageReadings readings;
  private FixedKeyProcessorContext<String, List<Usage>> context;
  private KeyValueStore<String, UsageReadings.HostState> hosts;
  private KeyValueStore<String, TableSizes> tableSizes;
  private long latestMs = Long.MIN_VALUE;

  public UsageProcessor(UsageReadings readings) {
    this.readings = readings;
  }

  @Override
  public void init(FixedKeyProcessorContext<String, List<Usage>> context) {
    this.context = context;
    this.hosts = context.getStateStore(HOSTS_STORE);
    this.tableSizes = context.getStateStore(TABLES_STORE);
    // wall-clock scheduled, event-time judged: a table dropped (or renamed) is forgotten once its
    // newest reading is older than the kept days
    context.schedule(PURGE_EVERY, PunctuationType.WALL_CLOCK_TIME, now -> forgetDropped());
  }

  void forgetDropped() {
    if (latestMs == Long.MIN_VALUE) {
      return;
    }
    long horizon = latestMs - TableSizes.KEPT.toMillis() - TableSizes.DAY_MS;
    List<String> gone = new ArrayList<>();
    try (KeyValueIterator<String, TableSizes> all = tableSizes.all()) {
      all.forEachRemaining(kv -> {
        if (kv.value.newestMs() < horizon) {
          gone.add(kv.key);
        }
      });
    }
    gone.forEach(tableSizes::delete);
  }

  /** Keeps each table's daily size and returns its growth per day (NaN while unknown), by table name. */
  private Map<String, Double> growth(Snapshot s) {
    long at = s.capturedAt().toEpochMilli();
    Map<String, Double> growth = new HashMap<>();
    for (Map<String, Object> r : s.rows()) {
      Double size = UsageReadings.bytes(r);
      if (size == null) {
        continue;
      }
      String table = UsageReadings.tableName(r);
      String key = s.instanceId() + "|" + table;
      TableSizes kept = tableSizes.get(key);
      if (kept == null) {
        kept = TableSizes.first(at, size);
        tableSizes.put(key, kept);
      } else {
        TableSizes next = kept.with(at, size);
        if (next != null) {
          tableSizes.put(key, next);
        }
      }
      growth.put(table, kept.growthPerDay(at, size));
    }
    return growth;
  }

  @Override
  public void process(FixedKeyRecord<String, Snapshot> record) {
    Snapshot s = record.value();
    UsageReadings.HostState host = hosts.get(s.instanceId());
    if ("host".equals(s.section())) {
      for (Map<String, Object> r : s.rows()) {
        if (r.get("disk_available_bytes") instanceof Number free
            && (host == null || host.atMs() < s.capturedAt().toEpochMilli())) {
          host = new UsageReadings.HostState(s.capturedAt().toEpochMilli(), free.doubleValue());
          hosts.put(s.instanceId(), host);
        }
      }
    }
    latestMs = Math.max(latestMs, s.capturedAt().toEpochMilli());
    List<Usage> usage;
    if ("tables".equals(s.section())) {
      Map<String, Double> growth = growth(s);
      usage = readings.of(s, host, table -> growth.getOrDefault(table, Double.NaN));
    } else {
      usage = readings.of(s, host);
    }
    if (!usage.isEmpty()) {
      context.forward(record.withValue(usage));
    }
  }
}
