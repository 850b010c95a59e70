package dev.headroom.testkit;

import java.util.Map;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * One real KRaft broker per test JVM, started on first use and shared: a Testcontainers broker
 * where a Docker engine runs, Kafka's own in-JVM KRaft test kit (broker and controller, on
 * 127.0.0.1) otherwise. Same API either way.
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
      instance = Docker.available() ? container() : inJvm();
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

  private static KafkaFixture inJvm() {
    long start = System.nanoTime();
    try {
      KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
              .setCombined(true)
              .setNumBrokerNodes(1)
              .setNumControllerNodes(1)
              .build())
          .setConfigProp("offsets.topic.replication.factor", "1")
          .setConfigProp("transaction.state.log.replication.factor", "1")
          .setConfigProp("transaction.state.log.min.isr", "1")
          .setConfigProp("group.initial.rebalance.delay.ms", "0")
          .setConfigProp("auto.create.topics.enable", "false")
          .build();
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
      Fixtures.started("Kafka broker", cluster::close);
      LOG.info("Kafka fixture: in-JVM KRaft broker at {} in {} ms", cluster.bootstrapServers(),
          (System.nanoTime() - start) / 1_000_000);
      return new KafkaFixture(cluster.bootstrapServers());
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the in-JVM Kafka broker: " + e, e);
    }
  }
}
