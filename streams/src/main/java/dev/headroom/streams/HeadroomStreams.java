package dev.headroom.streams;

import dev.headroom.schemas.TopicAdmin;
import dev.headroom.schemas.Topics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Lifecycle of the streams app: creates the topics it reads and writes when missing, runs the topology. */
public final class HeadroomStreams implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HeadroomStreams.class);

  private final HeadroomStreamsConfig config;
  private final KafkaStreams streams;
  private final CountDownLatch terminated = new CountDownLatch(1);

  public HeadroomStreams(HeadroomStreamsConfig config) {
    this.config = config;
    // Inputs too: Kafka Streams will not start on a missing source topic, and collectors may come later.
    TopicAdmin.ensure(config.kafkaClientConfig(),
        List.of(Topics.SNAPSHOTS, Topics.LATENCY, Topics.DELTAS, Topics.LATENCY_WINDOWS, Topics.ALERTS, Topics.FINDINGS,
            Topics.USAGE, Topics.PROJECTIONS, Topics.TRENDS, Topics.DEPLOY_CHECKS, Topics.EVENTS, Topics.DEADLETTER),
        config.getInt(HeadroomStreamsConfig.TOPICS_PARTITIONS),
        config.getShort(HeadroomStreamsConfig.TOPICS_REPLICATION_FACTOR));
    this.streams = new KafkaStreams(HeadroomTopology.build(config.topologySettings()), config.streamsProperties());
    streams.setUncaughtExceptionHandler(e -> {
      LOG.error("stream thread failed; replacing it", e);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    streams.setStateListener((next, previous) -> {
      LOG.info("streams state {} -> {}", previous, next);
      if (next == KafkaStreams.State.NOT_RUNNING || next == KafkaStreams.State.ERROR) {
        terminated.countDown();
      }
    });
  }

  public void start() {
    LOG.info("starting streams app {} ({})", config.getString(HeadroomStreamsConfig.APPLICATION_ID),
        config.getString(HeadroomStreamsConfig.PROCESSING_GUARANTEE));
    streams.start();
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  /** Blocks until the app stops. */
  public void awaitTermination() throws InterruptedException {
    terminated.await();
  }

  public boolean awaitRunning(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (streams.state() == KafkaStreams.State.RUNNING) {
        return true;
      }
      if (terminated.await(100, TimeUnit.MILLISECONDS)) {
        return false;
      }
    }
    return false;
  }

  @Override
  public void close() {
    streams.close(Duration.ofSeconds(30));
    terminated.countDown();
  }
}
