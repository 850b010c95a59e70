package dev.headroom.streams.latency;

import dev.headroom.schemas.LatencySample;
import java.time.Duration;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Drops exact samples seen before: the collector's sources are at least once (Debezium sends the
 * last events again after a restart, the log follower and the spool re-send what a crash left
 * unconfirmed), and each copy carries the same {@code id}. Ids (per instance) are remembered for
 * {@code retention} of wall-clock time, since copies follow their original within minutes: by
 * event time, one sample dated in the future would move the store's time forward and turn the
 * dedupe off for everything older. Samples without an id pass. Dropped copies are counted.
 */
public final class SampleDedupe implements FixedKeyProcessor<String, LatencySample, LatencySample> {
  public static final String STORE = "latency-sample-ids";

  private final Duration retention;
  private FixedKeyProcessorContext<String, LatencySample> context;
  private WindowStore<String, Long> seen;
  private Sensor duplicates;

  public SampleDedupe(Duration retention) {
    this.retention = retention;
  }

  @Override
  public void init(FixedKeyProcessorContext<String, LatencySample> context) {
    this.context = context;
    this.seen = context.getStateStore(STORE);
    this.duplicates = context.metrics().addRateTotalSensor("headroom", "latency", "duplicate-samples",
        Sensor.RecordingLevel.INFO, "thread-id", Thread.currentThread().getName(), "task-id",
        context.taskId().toString());
  }

  @Override
  public void process(FixedKeyRecord<String, LatencySample> record) {
    LatencySample sample = record.value();
    if (sample.id() == null) {
      context.forward(record);
      return;
    }
    long now = context.currentSystemTimeMs();
    String key = record.key() + "\u0000" + sample.id();
    try (WindowStoreIterator<Long> copies = seen.fetch(key, now - retention.toMillis(), now)) {
      if (copies.hasNext()) {
        duplicates.record();
        return;
      }
    }
    seen.put(key, 1L, now);
    context.forward(record);
  }

  public Duration retention() {
    return retention;
  }
}
