package dev.headroom.schemas;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the topics a component writes when they are missing; existing topics are left as they are. */
public final class TopicAdmin {
  private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);

  private TopicAdmin() {}

  /**
   * @param partitions partitions of a new topic
   * @param replicationFactor replication of a new topic; -1 takes the broker's default
   * @return the names that were created
   */
  public static List<String> ensure(Map<String, Object> clientConfig, Collection<Topic<?, ?>> topics, int partitions,
      short replicationFactor) {
    return ensure(clientConfig, topics, partitions, replicationFactor, Map.of());
  }

  /**
   * As {@link #ensure(Map, Collection, int, short)}, with topic settings (e.g. {@code retention.ms})
   * for the topics it creates.
   */
  public static List<String> ensure(Map<String, Object> clientConfig, Collection<Topic<?, ?>> topics, int partitions,
      short replicationFactor, Map<String, String> topicConfig) {
    Properties props = new Properties();
    props.putAll(clientConfig);
    props.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
    props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    try (Admin admin = Admin.create(props)) {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<NewTopic> missing = topics.stream()
          .map(Topic::name)
          .distinct()
          .filter(name -> !existing.contains(name))
          .map(name -> new NewTopic(name, java.util.Optional.of(partitions), java.util.Optional.of(replicationFactor))
              .configs(topicConfig))
          .toList();
      for (NewTopic topic : missing) {
        try {
          admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
          LOG.info("created topic {} ({} partitions)", topic.name(), partitions);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("cannot create topic " + topic.name() + ": " + e.getCause().getMessage(), e);
          }
        }
      }
      return missing.stream().map(NewTopic::name).toList();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot reach Kafka at " + clientConfig.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG)
          + " to create topics: " + (e.getCause() == null ? e : e.getCause()).getMessage(), e);
    }
  }
}
