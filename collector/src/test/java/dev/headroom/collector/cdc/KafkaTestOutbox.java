package dev.headroom.collector.cdc;

import dev.headroom.collector.transport.DirectOutbox;
import dev.headroom.collector.transport.OutboundRecord;
import dev.headroom.collector.transport.Outbox;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Test {@link Outbox}: the agent's {@link DirectOutbox} (returns once Kafka acked) with a real
 * producer, plus {@link #crashAfterNextPublish()}: the next publish throws after its records were
 * acked, as an agent that dies between publishing and committing its position would.
 */
final class KafkaTestOutbox implements Outbox {
  private final DirectOutbox direct;
  private final AtomicBoolean crash = new AtomicBoolean();

  KafkaTestOutbox(Map<String, Object> clientConfig) {
    Properties props = new Properties();
    props.putAll(clientConfig);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    direct = new DirectOutbox(new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer()),
        Duration.ofSeconds(30));
  }

  void crashAfterNextPublish() {
    crash.set(true);
  }

  @Override
  public void publish(List<OutboundRecord> records) {
    direct.publish(records);
    if (crash.getAndSet(false)) {
      throw new IllegalStateException("simulated crash after " + records.size() + " records were acked");
    }
  }

  @Override
  public void close() {
    direct.close();
  }
}
