package dev.headroom.collector;

import dev.headroom.collector.internals.CatalogReader;
import dev.headroom.collector.internals.CatalogSnapshot;
import dev.headroom.collector.internals.DatabaseUrls;
import dev.headroom.collector.internals.SnapshotPublisher;
import dev.headroom.schemas.JdbcUrls;
import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.TopicAdmin;
import dev.headroom.schemas.Topics;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The collector agent for one monitored instance: every interval, one consistent catalog
 * snapshot, published to {@code headroom.snapshots.v1}. Snapshots never overlap: one that is
 * due while the previous still runs is skipped and counted.
 */
public final class Collector implements Runnable, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Collector.class);
  public static final String VERSION = "0.1.0";

  private final CollectorConfig config;
  private final Clock clock;
  private final CatalogReader reader;
  private final Producer<String, byte[]> producer;
  private final SnapshotPublisher publisher;
  private final CountDownLatch closed = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicLong snapshots = new AtomicLong();
  private final AtomicLong messages = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();
  private Connection connection;
  private String systemIdentifier;
  private volatile boolean running;

  public Collector(CollectorConfig config) {
    this(config, Clock.systemUTC());
  }

  public Collector(CollectorConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.reader = new CatalogReader(new CatalogReader.Options(config.getLong(CollectorConfig.STATEMENT_TIMEOUT_MS),
        config.getLong(CollectorConfig.LOCK_TIMEOUT_MS), config.getInt(CollectorConfig.STATEMENTS_MAX),
        config.getInt(CollectorConfig.QUERY_MAX_LENGTH), !"omit".equals(config.getString(CollectorConfig.QUERY_TEXT)),
        "redacted".equals(config.getString(CollectorConfig.QUERY_TEXT))));
    Map<String, Object> kafka = config.kafkaClientConfig();
    TopicAdmin.ensure(kafka, List.of(Topics.SNAPSHOTS, Topics.LATENCY), config.getInt(CollectorConfig.TOPICS_PARTITIONS),
        config.getShort(CollectorConfig.TOPICS_REPLICATION_FACTOR));
    Properties props = new Properties();
    props.putAll(kafka);
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Math.max(1_048_576, config.getInt(CollectorConfig.MESSAGE_MAX_BYTES) + 4096));
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "headroom-collector-" + config.getString(CollectorConfig.INSTANCE_ID));
    this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    this.publisher = new SnapshotPublisher(producer, config.getInt(CollectorConfig.MESSAGE_MAX_BYTES));
  }

  /** Takes one snapshot of every configured section and publishes it, waiting for the broker's acknowledgement. */
  public List<Snapshot> snapshotOnce() throws SQLException {
    return snapshot(config.sections());
  }

  /** The sections due on the {@code tick}-th snapshot: each section every (its interval / interval.ms) ticks. */
  Set<Section> due(long tick) {
    Set<Section> due = EnumSet.noneOf(Section.class);
    for (Section section : config.sections()) {
      if (tick % ticks(section) == 0) {
        due.add(section);
      }
    }
    return due;
  }

  private long ticks(Section section) {
    long base = config.getLong(CollectorConfig.INTERVAL_MS);
    return Math.max(1, Math.round((double) config.sectionInterval(section) / base));
  }

  private long intervalOf(String sectionKey) {
    Section section = Section.byKey(sectionKey).orElse(Section.STATEMENTS);
    return ticks(section) * config.getLong(CollectorConfig.INTERVAL_MS);
  }

  private List<Snapshot> snapshot(Set<Section> due) throws SQLException {
    Connection c = connection();
    CatalogSnapshot catalog;
    try {
      catalog = reader.read(c, due, this::openDatabase, config.databaseFilter(),
          config.getInt(CollectorConfig.DATABASES_CONCURRENCY));
    } catch (SQLException e) {
      closeConnection();
      throw e;
    }
    String cluster = config.getString(CollectorConfig.INSTANCE_CLUSTER);
    Snapshot.InstanceInfo instance = new Snapshot.InstanceInfo(config.getString(CollectorConfig.INSTANCE_ID),
        cluster.isEmpty() ? null : cluster, catalog.standby() ? "standby" : "primary", systemIdentifier,
        catalog.serverVersionNum(), config.labels());
    List<Snapshot> out = publisher.messages(catalog, instance, new Snapshot.AgentInfo(
        config.getString(CollectorConfig.AGENT_ID), VERSION), this::intervalOf);
    List<Future<RecordMetadata>> sent = publisher.send(out);
    producer.flush();
    for (Future<RecordMetadata> f : sent) {
      try {
        f.get(60, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException("Kafka did not acknowledge the snapshot: "
            + (e.getCause() == null ? e : e.getCause()).getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while publishing", e);
      }
    }
    snapshots.incrementAndGet();
    messages.addAndGet(out.size());
    return out;
  }

  /** Runs until {@link #close()}; each failure is logged and counted, and the next interval tries again. */
  @Override
  public void run() {
    running = true;
    long interval = config.getLong(CollectorConfig.INTERVAL_MS);
    long next = clock.millis();
    long tick = 0;
    LOG.info("collecting {} from {} every {} ms", config.getString(CollectorConfig.INSTANCE_ID),
        JdbcUrls.redact(config.getString(CollectorConfig.TARGET_URL)), interval);
    try {
      while (!await(next - clock.millis())) {
        try {
          snapshot(due(tick));
        } catch (SQLException | RuntimeException e) {
          failures.incrementAndGet();
          LOG.warn("snapshot of {} failed: {}", config.getString(CollectorConfig.INSTANCE_ID), e.getMessage());
        }
        next += interval;
        long now = clock.millis();
        if (now >= next) {
          long late = (now - next) / interval + 1;
          skipped.addAndGet(late);
          LOG.warn("snapshot took longer than the interval: {} snapshot(s) skipped", late);
          next += late * interval;
          tick += late;
        }
        tick++;
      }
    } finally {
      closeConnection();
      stopped.countDown();
    }
  }

  private boolean await(long millis) {
    try {
      return closed.await(Math.max(0, millis), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  private Properties connectionProperties(Properties props) {
    String user = config.getString(CollectorConfig.TARGET_USER);
    if (!user.isEmpty()) {
      props.setProperty("user", user);
    }
    String password = config.password();
    if (password != null) {
      props.setProperty("password", password);
    }
    props.setProperty("ApplicationName", "headroom-collector");
    props.setProperty("connectTimeout", "10");
    props.setProperty("socketTimeout", Long.toString(config.getLong(CollectorConfig.STATEMENT_TIMEOUT_MS) / 1000 + 30));
    props.setProperty("assumeMinServerVersion", "13");
    return props;
  }

  private Connection openDatabase(String database) throws SQLException {
    DatabaseUrls.Target target = DatabaseUrls.forDatabase(config.getString(CollectorConfig.TARGET_URL), database);
    return DriverManager.getConnection(target.url(), connectionProperties(target.parameters()));
  }

  private Connection connection() throws SQLException {
    if (connection == null || connection.isClosed()) {
      connection = DriverManager.getConnection(config.getString(CollectorConfig.TARGET_URL),
          connectionProperties(new Properties()));
      systemIdentifier = CatalogReader.systemIdentifier(connection);
      LOG.info("connected to {} ({})", JdbcUrls.redact(config.getString(CollectorConfig.TARGET_URL)),
          connection.getMetaData().getDatabaseProductVersion());
    }
    return connection;
  }

  private void closeConnection() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // already broken
      }
      connection = null;
    }
  }

  public long snapshots() {
    return snapshots.get();
  }

  public long messages() {
    return messages.get();
  }

  public long failures() {
    return failures.get();
  }

  public long skipped() {
    return skipped.get();
  }

  /** Stops the loop (waiting for a snapshot in flight) and flushes what was sent. */
  @Override
  public void close() {
    closed.countDown();
    try {
      // a snapshot in flight is bounded by statement_timeout and the producer's delivery timeout
      stopped.await(running ? 150_000 : 0, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(Duration.ofSeconds(10));
    closeConnection();
  }
}
