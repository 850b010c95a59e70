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
 * unconfirmed), and each copy carries the same {@code id}. Ids are remembered by event time for
 * {@code retention}; samples without an id pass. Dropped copies are counted.
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
    long at = sample.observedAt().toEpochMilli();
    // the same id always has the same event time; a small span tolerates clock rounding
    try (WindowStoreIterator<Long> copies = seen.fetch(sample.id(), at - 1, at + 1)) {
      if (copies.hasNext()) {
        duplicates.record();
        return;
      }
    }
    seen.put(sample.id(), 1L, at);
    context.forward(record);
  }

  public Duration retention() {
    return retention;
  }
}
