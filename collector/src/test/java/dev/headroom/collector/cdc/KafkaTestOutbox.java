package dev.headroom.collector.cdc;

import dev.headroom.collector.transport.OutboundRecord;
import dev.headroom.collector.transport.Outbox;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Test-only {@link Outbox}: sends synchronously with a real producer and returns once Kafka acked.
 * {@link #crashAfterNextPublish()} makes the next publish throw after its records were acked, as
 * an agent that dies between publishing and committing its position would.
 */
final class KafkaTestOutbox implements Outbox {
  private final KafkaProducer<String, byte[]> producer;
  private final AtomicBoolean crash = new AtomicBoolean();

  KafkaTestOutbox(Map<String, Object> clientConfig) {
    Properties props = new Properties();
    props.putAll(clientConfig);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }

  void crashAfterNextPublish() {
    crash.set(true);
  }

  @Override
  public void publish(List<OutboundRecord> records) {
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    for (OutboundRecord r : records) {
      sent.add(producer.send(new ProducerRecord<>(r.topic(), null, r.timestampMs(), r.key(), r.value())));
    }
    for (Future<RecordMetadata> f : sent) {
      try {
        f.get(30, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException("not acked: " + e, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
    if (crash.getAndSet(false)) {
      throw new IllegalStateException("simulated crash after " + records.size() + " records were acked");
    }
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
