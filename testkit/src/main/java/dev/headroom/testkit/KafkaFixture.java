package dev.headroom.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * One real KRaft broker per test JVM, started on first use and shared: a Testcontainers broker
 * where a Docker engine runs, otherwise a broker process (broker and controller in one, from the
 * Kafka server jars) bound to 127.0.0.1 only: Kafka's in-JVM test kit binds the wildcard address.
 * Same API either way.
 */
public final class KafkaFixture {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaFixture.class);
  private static KafkaFixture instance;

  private final String bootstrapServers;

  private KafkaFixture(String bootstrapServers) {
    this.bootstrapServers = bootstrapServers;
  }

  public static synchronized KafkaFixture get() {
    if (instance == null) {
      instance = Docker.available() ? container() : local();
    }
    return instance;
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** Client settings for this broker. */
  public Map<String, Object> clientConfig() {
    return Map.of("bootstrap.servers", bootstrapServers);
  }

  private static KafkaFixture container() {
    KafkaContainer kafka = new KafkaContainer("apache/kafka:4.1.1");
    kafka.start();
    Fixtures.started("Kafka container", kafka::stop);
    LOG.info("Kafka fixture: container at {}", kafka.getBootstrapServers());
    return new KafkaFixture(kafka.getBootstrapServers());
  }

  /** A broker process from the Kafka server jars on the class path, bound to 127.0.0.1 only. */
  private static KafkaFixture local() {
    try {
      Path dir = Files.createTempDirectory("headroom-kafka-fixture");
      KafkaBrokerProcess broker = KafkaBrokerProcess.start(dir);
      Fixtures.started("Kafka broker", broker::stop);
      LOG.info("Kafka fixture: broker process at {}", broker.bootstrapServers());
      return new KafkaFixture(broker.bootstrapServers());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the Kafka broker", e);
    }
  }
}
