package dev.headroom.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The broker subcommand's engine: a real KRaft broker process from the Kafka server jars. */
class KafkaBrokerIT {
  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void startsServesAndStopsOnSigterm() throws Exception {
    Path dir = Files.createTempDirectory("broker-it");
    int port = freePort();
    KafkaBroker.Settings settings = new KafkaBroker.Settings(dir, port, freePort(), "256m", dir.resolve("broker.log"),
        false);
    try (KafkaBroker broker = KafkaBroker.start(settings, Duration.ofSeconds(90))) {
      assertThat(broker.bootstrapServers()).isEqualTo("127.0.0.1:" + port);
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic("broker-it", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
      }
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
          broker.bootstrapServers(), "enable.idempotence", true, "acks", "all"), new StringSerializer(),
          new StringSerializer())) {
        assertThat(producer.send(new ProducerRecord<>("broker-it", "k", "v")).get(30, TimeUnit.SECONDS).offset())
            .isZero();
      }
      assertThatThrownBy(() -> KafkaBroker.start(settings, Duration.ofSeconds(10)))
          .hasMessageContaining("already in use");
      broker.close();
      assertThat(broker.process().isAlive()).isFalse();
      assertThat(broker.process().exitValue()).as("a clean stop on SIGTERM").isIn(0, 143);
    }
  }
}
