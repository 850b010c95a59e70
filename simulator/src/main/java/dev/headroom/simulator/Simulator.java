package dev.headroom.simulator;

import dev.headroom.schemas.Topic;
import dev.headroom.schemas.TopicAdmin;
import dev.headroom.schemas.Topics;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a simulated fleet to Kafka: the history (from {@code history.days} ago up to now, in
 * event time, as fast as the broker takes it), then, in real time, one snapshot per interval of
 * wall-clock time. Within a tick every instance's messages are sent in instance order, and the
 * ticks in time order, so every partition's records advance in event time as a collector fleet's
 * would. Generation runs on {@code threads} threads while this thread sends the previous tick.
 */
public final class Simulator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Simulator.class);
  private static final List<Topic<?, ?>> TOPICS = List.of(Topics.SNAPSHOTS, Topics.EVENTS);

  private final SimulatorConfig config;
  private final Clock clock;
  private final Fleet fleet;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final CountDownLatch finished = new CountDownLatch(1);
  private final AtomicReference<Exception> sendFailure = new AtomicReference<>();
  private final AtomicLong snapshots = new AtomicLong();
  private final AtomicLong events = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();

  /** What a run published. */
  public record Report(int instances, long snapshots, long events, long bytes, Instant from, Instant to,
      Duration took) {
    public long messages() {
      return snapshots + events;
    }

    public double messagesPerSecond() {
      return messages() / Math.max(1e-3, took.toMillis() / 1000.0);
    }

    public double megabytesPerSecond() {
      return bytes / 1e6 / Math.max(1e-3, took.toMillis() / 1000.0);
    }
  }

  public Simulator(SimulatorConfig config) {
    this(config, Clock.systemUTC());
  }

  public Simulator(SimulatorConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
    long interval = config.getLong(SimulatorConfig.INTERVAL_MS);
    Instant now = Instant.ofEpochMilli(Math.floorDiv(clock.millis(), interval) * interval);
    this.fleet = Fleet.plan(config.fleetSpec(now));
  }

  public Fleet fleet() {
    return fleet;
  }

  public Truth truth() {
    return fleet.truth();
  }

  /** Publishes the history, then real time when configured; returns once done or stopped. */
  public Report run() throws InterruptedException {
    try {
      return publish();
    } finally {
      finished.countDown();
    }
  }

  private Report publish() throws InterruptedException {
    String truthOut = config.getString(SimulatorConfig.TRUTH_OUT);
    if (!truthOut.isBlank()) {
      fleet.truth().write(Path.of(truthOut));
      LOG.info("truth of {} instances written to {}", fleet.spec().instances(), truthOut);
    }
    ensureTopics();
    long started = System.nanoTime();
    List<Fleet.Tick> history = fleet.history();
    Instant last = history.isEmpty() ? fleet.spec().now() : history.get(history.size() - 1).at();
    ExecutorService workers = Executors.newFixedThreadPool(config.getInt(SimulatorConfig.THREADS), r -> {
      Thread t = new Thread(r, "headroom-simulator");
      t.setDaemon(true);
      return t;
    });
    Fleet.Generator generator = fleet.generator();
    try (Producer<String, byte[]> producer = producer()) {
      LOG.info("simulating {} instances: {} ticks of history from {} to {}", generator.instances(), history.size(),
          fleet.spec().origin(), fleet.spec().now());
      long progressAt = System.nanoTime();
      List<Future<List<List<SimulatedRecord>>>> pending = history.isEmpty() ? null
          : submit(workers, generator, history.get(0));
      for (int i = 0; i < history.size() && !isStopped(); i++) {
        List<List<SimulatedRecord>> records = collect(pending);
        pending = i + 1 < history.size() ? submit(workers, generator, history.get(i + 1)) : null;
        send(producer, records);
        if (System.nanoTime() - progressAt > 10_000_000_000L) {
          progressAt = System.nanoTime();
          LOG.info("history at {}: {} messages so far", history.get(i).at(), snapshots.get() + events.get());
        }
      }
      if (pending != null) {
        collect(pending); // stopped early: let the workers finish before the models are dropped
      }
      producer.flush();
      checkSends();
      LOG.info("history done: {} snapshot messages and {} events", snapshots.get(), events.get());
      if (config.getBoolean(SimulatorConfig.REALTIME)) {
        last = realtime(producer, workers, generator, last);
      }
      producer.flush();
      checkSends();
    } finally {
      workers.shutdownNow();
    }
    return new Report(generator.instances(), snapshots.get(), events.get(), bytes.get(), fleet.spec().origin(), last,
        Duration.ofNanos(System.nanoTime() - started));
  }

  /** One tick per interval of wall-clock time, at the interval's multiples, until the duration is over or stopped. */
  private Instant realtime(Producer<String, byte[]> producer, ExecutorService workers, Fleet.Generator generator,
      Instant last) throws InterruptedException {
    long interval = config.getLong(SimulatorConfig.INTERVAL_MS);
    long duration = config.getLong(SimulatorConfig.DURATION_MS);
    long end = duration == 0 ? Long.MAX_VALUE : clock.millis() + duration;
    long next = last.toEpochMilli() + interval;
    LOG.info("real time: a snapshot every {} ms{}", interval, duration == 0 ? " until stopped" : " for " + duration
        + " ms");
    while (!isStopped()) {
      long wait = next - clock.millis();
      if (next > end) {
        break;
      }
      if (wait > 0 && stopped.await(wait, TimeUnit.MILLISECONDS)) {
        break;
      }
      long now = clock.millis();
      if (now - next >= interval) {
        next = Math.floorDiv(now, interval) * interval; // behind by a whole interval: skip, as the collector does
      }
      Fleet.Tick tick = new Fleet.Tick(Instant.ofEpochMilli(next), interval);
      send(producer, collect(submit(workers, generator, tick)));
      producer.flush();
      checkSends();
      last = tick.at();
      next += interval;
    }
    LOG.info("real time done at {}: {} snapshot messages and {} events in all", last, snapshots.get(), events.get());
    return last;
  }

  private List<Future<List<List<SimulatedRecord>>>> submit(ExecutorService workers, Fleet.Generator generator,
      Fleet.Tick tick) {
    int n = generator.instances();
    int chunks = Math.min(n, config.getInt(SimulatorConfig.THREADS) * 4);
    List<Future<List<List<SimulatedRecord>>>> futures = new ArrayList<>(chunks);
    for (int c = 0; c < chunks; c++) {
      int from = c * n / chunks;
      int to = (c + 1) * n / chunks;
      futures.add(workers.submit(() -> {
        List<List<SimulatedRecord>> out = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
          out.add(generator.tick(i, tick));
        }
        return out;
      }));
    }
    return futures;
  }

  private static List<List<SimulatedRecord>> collect(List<Future<List<List<SimulatedRecord>>>> futures)
      throws InterruptedException {
    List<List<SimulatedRecord>> out = new ArrayList<>();
    for (Future<List<List<SimulatedRecord>>> f : futures) {
      try {
        out.addAll(f.get());
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
      }
    }
    return out;
  }

  private void send(Producer<String, byte[]> producer, List<List<SimulatedRecord>> perInstance) {
    checkSends();
    for (List<SimulatedRecord> records : perInstance) {
      for (SimulatedRecord r : records) {
        boolean snapshot = r.topic().equals(Topics.SNAPSHOTS.name());
        producer.send(new ProducerRecord<>(r.topic(), null, r.timestamp(), r.key(), r.json()), (metadata, e) -> {
          if (e != null) {
            sendFailure.compareAndSet(null, e);
          }
        });
        (snapshot ? snapshots : events).incrementAndGet();
        bytes.addAndGet(r.json().length);
      }
    }
  }

  private void checkSends() {
    Exception e = sendFailure.get();
    if (e != null) {
      throw new IllegalStateException("Kafka did not take a record: " + e.getMessage(), e);
    }
  }

  private Producer<String, byte[]> producer() {
    Properties props = new Properties();
    props.putAll(config.clientConfig());
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
    props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 20);
    props.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
    props.putIfAbsent(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024);
    props.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
        Math.max(1_048_576, config.getInt(SimulatorConfig.MESSAGE_MAX_BYTES) + 65_536));
    props.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
    props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
    props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "headroom-simulator");
    return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }

  /**
   * Creates the topics when missing, keeping records for the history plus a week: a broker's
   * default retention (7 days, by record time) would delete most of a longer history as soon as
   * its segments roll. An existing topic keeps its settings; a too short retention is warned about.
   */
  private void ensureTopics() {
    long keepMs = Duration.ofDays(7).toMillis() + Math.round(fleet.spec().historyDays() * 86_400_000.0);
    Map<String, Object> client = config.clientConfig();
    List<String> created = TopicAdmin.ensure(client, TOPICS, config.getInt(SimulatorConfig.TOPICS_PARTITIONS),
        config.getShort(SimulatorConfig.TOPICS_REPLICATION_FACTOR),
        Map.of(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(keepMs)));
    Properties props = new Properties();
    props.putAll(client);
    try (Admin admin = Admin.create(props)) {
      for (Topic<?, ?> topic : TOPICS) {
        if (created.contains(topic.name())) {
          continue;
        }
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic.name());
        Config described = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
        ConfigEntry retention = described == null ? null : described.get(TopicConfig.RETENTION_MS_CONFIG);
        long ms = retention == null || retention.value() == null ? -1 : Long.parseLong(retention.value());
        if (ms >= 0 && ms < keepMs) {
          LOG.warn("topic {} keeps records {} h by their time, less than the {} days of history: the broker will"
              + " delete the older part once its segments roll (kafka-configs --alter --entity-type topics"
              + " --entity-name {} --add-config retention.ms={})", topic.name(), ms / 3_600_000,
              Math.round(fleet.spec().historyDays()), topic.name(), keepMs);
        }
      }
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      LOG.warn("cannot read the retention of the topics: {}", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private boolean isStopped() {
    return stopped.getCount() == 0;
  }

  /** Stops a run at the next tick; what was sent is flushed. */
  public void stop() {
    stopped.countDown();
  }

  /**
   * Stops a run and waits until it has flushed what it sent and closed its producer (for a
   * shutdown hook, which the JVM does not wait for otherwise); false when it took longer.
   */
  public boolean stopAndWait(Duration timeout) throws InterruptedException {
    stop();
    return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    stop();
  }
}
