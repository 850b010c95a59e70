package dev.headroom.bench;

import dev.headroom.collector.transport.OutboundRecord;
import dev.headroom.collector.transport.Outbox;
import java.util.List;

/**
 * An outbox that only counts: the records arrive already serialized (JSON), so counting their
 * value bytes measures everything the collector does short of handing them to Kafka.
 */
final class CountingOutbox implements Outbox {
  private long records;
  private long bytes;

  @Override
  public synchronized void publish(List<OutboundRecord> batch) {
    for (OutboundRecord r : batch) {
      records++;
      bytes += r.value().length;
    }
  }

  synchronized long records() {
    return records;
  }

  synchronized long bytes() {
    return bytes;
  }

  @Override
  public void close() {
    // nothing held
  }
}
