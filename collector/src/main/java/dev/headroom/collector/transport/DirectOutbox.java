package dev.headroom.collector.transport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * An outbox without a spool: {@link #publish} sends and waits for Kafka's acknowledgement, and
 * throws when Kafka does not acknowledge in time. For {@code --once} runs and tools, where a
 * failure should be seen at once rather than spooled.
 */
public final class DirectOutbox implements Outbox {
  private final Producer<String, byte[]> producer;
  private final Duration ackTimeout;

  public DirectOutbox(Producer<String, byte[]> producer, Duration ackTimeout) {
    this.producer = producer;
    this.ackTimeout = ackTimeout;
  }

  @Override
  public void publish(List<OutboundRecord> records) {
    List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
    for (OutboundRecord r : records) {
      sent.add(producer.send(new ProducerRecord<>(r.topic(), null, r.timestampMs(), r.key(), r.value())));
    }
    producer.flush();
    for (Future<RecordMetadata> f : sent) {
      try {
        f.get(ackTimeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException("Kafka did not acknowledge: "
            + (e.getCause() == null ? e : e.getCause()).getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while publishing", e);
      }
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(10));
  }
}
