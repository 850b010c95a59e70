package dev.headroom.streams.capacity;

import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.Usage;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Usage from snapshot sections (input keyed by instance), remembering each instance's last host
 * reading: the slots' WAL is measured against the free disk, and an instance without a host
 * section has its storage from its database sizes.
 */
public final class UsageProcessor implements FixedKeyProcessor<String, Snapshot, List<Usage>> {
  public static final String HOSTS_STORE = "usage-hosts";

  private final UsageReadings readings;
  private FixedKeyProcessorContext<String, List<Usage>> context;
  private KeyValueStore<String, UsageReadings.HostState> hosts;

  public UsageProcessor(UsageReadings readings) {
    this.readings = readings;
  }

  @Override
  public void init(FixedKeyProcessorContext<String, List<Usage>> context) {
    this.context = context;
    this.hosts = context.getStateStore(HOSTS_STORE);
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
    List<Usage> usage = readings.of(s, host);
    if (!usage.isEmpty()) {
      context.forward(record.withValue(usage));
    }
  }
}
