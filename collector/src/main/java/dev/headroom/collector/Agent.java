package dev.headroom.collector;

import dev.headroom.collector.transport.SpoolOptions;
import dev.headroom.collector.transport.SpoolingOutbox;
import dev.headroom.metrics.MetricsEndpoint;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The collector agent: one {@link Collector} per monitored target, each on its own thread so
 * that an unreachable or slow target never delays the others, all publishing through one
 * spooling outbox (nothing is lost while Kafka is down or the agent restarts), with the agent's
 * own metrics on a Prometheus endpoint.
 */
public final class Agent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

  private final AgentConfig config;
  private final MetricsEndpoint metrics;
  private final SpoolingOutbox outbox;
  private final List<Collector> collectors = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final CountDownLatch closed = new CountDownLatch(1);
  private Thread topicCreator;

  public Agent(AgentConfig config) {
    this.config = config;
    CollectorConfig agent = config.agent();
    this.metrics = new MetricsEndpoint(agent.getString(CollectorConfig.METRICS_BIND),
        agent.getInt(CollectorConfig.METRICS_PORT), CollectorConfig.METRICS_PORT + ", " + CollectorConfig.METRICS_BIND);
    try {
      SpoolOptions spool = SpoolOptions.defaults(Path.of(agent.getString(CollectorConfig.SPOOL_DIR)))
          .withMaxBytes(agent.getLong(CollectorConfig.SPOOL_MAX_BYTES));
      this.outbox = SpoolingOutbox.create(spool, agent.kafkaClientConfig(),
          "headroom-agent-" + agent.getString(CollectorConfig.AGENT_ID),
          Math.max(1_048_576, agent.getInt(CollectorConfig.MESSAGE_MAX_BYTES) + 4096));
    } catch (RuntimeException e) {
      metrics.close();
      throw e;
    }
    MeterRegistry registry = metrics.registry();
    Gauge.builder("headroom.collector.spool.records", outbox, SpoolingOutbox::spooledRecords)
        .description("Records in the spool, not yet acknowledged by Kafka").register(registry);
    Gauge.builder("headroom.collector.spool.bytes", outbox, SpoolingOutbox::spooledBytes).baseUnit("bytes")
        .register(registry);
    FunctionCounter.builder("headroom.collector.sent.records", outbox, SpoolingOutbox::sentRecords)
        .description("Records acknowledged by Kafka").register(registry);
    FunctionCounter.builder("headroom.collector.sent.bytes", outbox, SpoolingOutbox::sentBytes).baseUnit("bytes")
        .register(registry);
    FunctionCounter.builder("headroom.collector.spool.dropped", outbox, SpoolingOutbox::droppedRecords)
        .description("Oldest records dropped because the spool was full").register(registry);
    FunctionCounter.builder("headroom.collector.send.failures", outbox, SpoolingOutbox::sendFailures)
        .register(registry);
    for (CollectorConfig target : config.targets()) {
      collectors.add(new Collector(target, Clock.systemUTC(), outbox, registry));
    }
  }

  /** Starts every target's collector and, in the background until Kafka answers, creates missing topics. */
  public void start() {
    topicCreator = new Thread(this::ensureTopics, "headroom-topics");
    topicCreator.setDaemon(true);
    topicCreator.start();
    for (Collector collector : collectors) {
      Thread t = new Thread(collector, "headroom-collector-" + collector.instanceId());
      t.start();
      threads.add(t);
    }
    LOG.info("agent {} collecting {} target(s); metrics on port {}", config.agent().getString(CollectorConfig.AGENT_ID),
        collectors.size(), metrics.port());
  }

  private void ensureTopics() {
    long wait = 1_000;
    while (closed.getCount() > 0) {
      try {
        Collector.ensureTopics(config.agent());
        return;
      } catch (RuntimeException e) {
        LOG.warn("topics not checked yet ({}); the spool keeps everything meanwhile", e.getMessage());
      }
      try {
        if (closed.await(wait, TimeUnit.MILLISECONDS)) {
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      wait = Math.min(wait * 2, 60_000);
    }
  }

  public List<Collector> collectors() {
    return List.copyOf(collectors);
  }

  public SpoolingOutbox outbox() {
    return outbox;
  }

  /** The metrics endpoint's port, or -1 when it is off. */
  public int metricsPort() {
    return metrics.port();
  }

  /** Waits until every collector thread has ended. */
  public void join() throws InterruptedException {
    for (Thread t : threads) {
      t.join();
    }
  }

  /** Stops every collector (in parallel), then drains what it can to Kafka; the rest stays spooled. */
  @Override
  public void close() {
    closed.countDown();
    List<Thread> stoppers = new ArrayList<>();
    for (Collector collector : collectors) {
      Thread t = new Thread(collector::close, "headroom-stop-" + collector.instanceId());
      t.start();
      stoppers.add(t);
    }
    for (Thread t : stoppers) {
      try {
        t.join(160_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    outbox.close();
    metrics.close();
  }
}
