package dev.headroom.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
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

  /**
   * Deletes the records now in every topic whose name starts with {@code prefix} and whose cleanup
   * policy deletes: a test that filled the shared broker's contract topics with a long history
   * leaves them empty for the tests after it that read a topic from its beginning (a sink on a
   * fresh database does). Compacted topics are left alone.
   *
   * @return how many records were deleted
   */
  public long truncate(String prefix) {
    try (Admin admin = Admin.create(clientConfig())) {
      Set<String> names = admin.listTopics().names().get(1, TimeUnit.MINUTES).stream()
          .filter(n -> n.startsWith(prefix)).collect(Collectors.toSet());
      List<ConfigResource> resources = names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n))
          .toList();
      Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(1, TimeUnit.MINUTES);
      List<String> deletable = configs.entrySet().stream()
          .filter(e -> e.getValue().get(TopicConfig.CLEANUP_POLICY_CONFIG).value()
              .contains(TopicConfig.CLEANUP_POLICY_DELETE))
          .map(e -> e.getKey().name()).toList();
      Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
      admin.describeTopics(deletable).allTopicNames().get(1, TimeUnit.MINUTES).forEach((name, d) ->
          d.partitions().forEach(p -> ends.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
      Map<TopicPartition, RecordsToDelete> before = new HashMap<>();
      long deleted = 0;
      Map<TopicPartition, OffsetSpec> starts = new HashMap<>();
      ends.keySet().forEach(tp -> starts.put(tp, OffsetSpec.earliest()));
      var first = admin.listOffsets(starts).all().get(1, TimeUnit.MINUTES);
      for (var e : admin.listOffsets(ends).all().get(1, TimeUnit.MINUTES).entrySet()) {
        before.put(e.getKey(), RecordsToDelete.beforeOffset(e.getValue().offset()));
        deleted += e.getValue().offset() - first.get(e.getKey()).offset();
      }
      admin.deleteRecords(before).all().get(1, TimeUnit.MINUTES);
      LOG.info("Kafka fixture: deleted {} records from {} topics starting with {}", deleted, deletable.size(), prefix);
      return deleted;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while truncating " + prefix + "*", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot truncate the topics " + prefix + "*: " + e, e);
    }
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
      // its logs go with it: a capacity IT leaves gigabytes there, and runs follow one another on one disk
      Fixtures.started("Kafka broker", () -> {
        broker.stop();
        Folders.deleteTree(dir);
      });
      LOG.info("Kafka fixture: broker process at {}", broker.bootstrapServers());
      return new KafkaFixture(broker.bootstrapServers());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the Kafka broker", e);
    }
  }
}
