package dev.headroom.collector;

import dev.headroom.collector.cdc.CdcCapture;
import dev.headroom.collector.cdc.CdcOptions;
import dev.headroom.collector.internals.CatalogReader;
import dev.headroom.collector.internals.CatalogSnapshot;
import dev.headroom.collector.internals.DatabaseConnections;
import dev.headroom.collector.internals.DatabaseUrls;
import dev.headroom.collector.internals.HostReader;
import dev.headroom.collector.internals.PgBouncerConsole;
import dev.headroom.collector.internals.PgBouncerReader;
import dev.headroom.collector.internals.SnapshotPublisher;
import dev.headroom.collector.logs.DurationLogFollower;
import dev.headroom.collector.transport.DirectOutbox;
import dev.headroom.collector.transport.OutboundRecord;
import dev.headroom.collector.transport.Outbox;
import dev.headroom.schemas.JdbcUrls;
import dev.headroom.schemas.LatencySample;
import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.TopicAdmin;
import dev.headroom.schemas.Topics;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The collector for one monitored instance: every interval, one consistent catalog snapshot
 * (plus the host and PgBouncer sections when configured), published to
 * {@code headroom.snapshots.v1}; between snapshots, a timed probe query published as exact
 * latency samples. Snapshots never overlap: one that is due while the previous still runs is
 * skipped and counted. Everything goes out through an {@link Outbox}.
 */
public final class Collector implements Runnable, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Collector.class);
  public static final String VERSION = "0.1.0";

  private final CollectorConfig config;
  private final Clock clock;
  private final CatalogReader reader;
  private final MeterRegistry registry;
  private final Tags tags;
  private final AtomicLong publishedBytes = new AtomicLong();
  private final DatabaseConnections databases;
  private final HostReader hostReader = HostReader.system();
  private final boolean hostReadable = Files.isReadable(Path.of("/proc/stat"));
  private final boolean targetLocal;
  private boolean sizesPending;
  private final Outbox outbox;
  private final boolean ownsOutbox;
  private final SnapshotPublisher publisher;
  private final CountDownLatch closed = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicLong snapshots = new AtomicLong();
  private final AtomicLong messages = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();
  private final AtomicLong probes = new AtomicLong();
  private final AtomicLong probeFailures = new AtomicLong();
  private final AtomicLong logSamples = new AtomicLong();
  private final AtomicLong logFailures = new AtomicLong();
  private Connection connection;
  private Connection probeConnection;
  private String systemIdentifier;
  private Path dataDirectory;
  private boolean warnedHost;
  private String lastPgBouncerError;
  private ScheduledExecutorService prober;
  private DurationLogFollower logs;
  private long probeBackoffMs;
  private long probeRetryAt = System.nanoTime();
  private CdcCapture capture;
  private volatile long retainedWal = -1;
  private long captureBackoffMs;
  private long captureRetryAt;
  private final AtomicLong captureRestarts = new AtomicLong();
  static final long CAPTURE_CHECK_MS = 30_000;
  private volatile boolean running;

  public Collector(CollectorConfig config) {
    this(config, Clock.systemUTC(), null, null);
  }

  /**
   * A collector publishing through {@code outbox} (shared by an agent's targets; null gives it
   * its own, unspooled) with its meters in {@code registry} (null: none kept).
   */
  public Collector(CollectorConfig config, Clock clock, Outbox outbox, MeterRegistry registry) {
    this.config = config;
    this.clock = clock;
    this.registry = registry == null ? new SimpleMeterRegistry() : registry;
    Tags tags = Tags.of("instance", config.getString(CollectorConfig.INSTANCE_ID));
    FunctionCounter.builder("headroom.collector.snapshots", snapshots, AtomicLong::get).tags(tags).tag("result", "ok")
        .description("Snapshots taken and handed to the outbox").register(this.registry);
    FunctionCounter.builder("headroom.collector.snapshots", failures, AtomicLong::get).tags(tags).tag("result", "failed")
        .description("Snapshots that failed (the target could not be read)").register(this.registry);
    FunctionCounter.builder("headroom.collector.snapshots", skipped, AtomicLong::get).tags(tags).tag("result", "skipped")
        .description("Snapshots skipped because the previous one was still running").register(this.registry);
    FunctionCounter.builder("headroom.collector.probes", probes, AtomicLong::get).tags(tags).tag("result", "ok")
        .register(this.registry);
    FunctionCounter.builder("headroom.collector.probes", probeFailures, AtomicLong::get).tags(tags)
        .tag("result", "failed").register(this.registry);
    FunctionCounter.builder("headroom.collector.log.samples", logSamples, AtomicLong::get).tags(tags)
        .description("Duration-log entries published as latency samples").register(this.registry);
    Gauge.builder("headroom.collector.cdc.retained.wal", this, c -> c.retainedWal).tags(tags).baseUnit("bytes")
        .description("WAL the capture's replication slot holds back (-1: no slot)").register(this.registry);
    FunctionCounter.builder("headroom.collector.cdc.records", this, c -> c.capture == null ? 0 : c.capture.samplesPublished())
        .tags(tags).tag("kind", "sample").register(this.registry);
    FunctionCounter.builder("headroom.collector.cdc.records", this, c -> c.capture == null ? 0 : c.capture.eventsPublished())
        .tags(tags).tag("kind", "event").register(this.registry);
    FunctionCounter.builder("headroom.collector.cdc.restarts", captureRestarts, AtomicLong::get).tags(tags)
        .register(this.registry);
    FunctionCounter.builder("headroom.collector.published.bytes", publishedBytes, AtomicLong::get).tags(tags)
        .description("Bytes of records handed to the outbox").baseUnit("bytes").register(this.registry);
    this.tags = tags;
    this.reader = new CatalogReader(new CatalogReader.Options(config.getLong(CollectorConfig.STATEMENT_TIMEOUT_MS),
        config.getLong(CollectorConfig.LOCK_TIMEOUT_MS), config.getInt(CollectorConfig.STATEMENTS_MAX),
        config.getInt(CollectorConfig.QUERY_MAX_LENGTH), !"omit".equals(config.getString(CollectorConfig.QUERY_TEXT)),
        "redacted".equals(config.getString(CollectorConfig.QUERY_TEXT))));
    if (outbox == null) {
      ensureTopics(config);
      this.outbox = new DirectOutbox(producer(config), Duration.ofSeconds(60));
      this.ownsOutbox = true;
    } else {
      this.outbox = outbox;
      this.ownsOutbox = false;
    }
    this.publisher = new SnapshotPublisher(config.getInt(CollectorConfig.MESSAGE_MAX_BYTES));
    this.targetLocal = isLocal(config.getString(CollectorConfig.TARGET_URL));
    this.databases = new DatabaseConnections(this::openDatabase, config.getInt(CollectorConfig.DATABASES_KEPT),
        config.getInt(CollectorConfig.DATABASES_CONCURRENCY));
  }

  /** Creates the topics the collector writes when they are missing. */
  public static void ensureTopics(CollectorConfig config) {
    TopicAdmin.ensure(config.kafkaClientConfig(), List.of(Topics.SNAPSHOTS, Topics.LATENCY, Topics.EVENTS),
        config.getInt(CollectorConfig.TOPICS_PARTITIONS), config.getShort(CollectorConfig.TOPICS_REPLICATION_FACTOR));
  }

  /** The agent's producer: idempotent, acks=all, zstd, requests large enough for the biggest part. */
  public static Producer<String, byte[]> producer(CollectorConfig config) {
    Properties props = new Properties();
    props.putAll(config.kafkaClientConfig());
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
        Math.max(1_048_576, config.getInt(CollectorConfig.MESSAGE_MAX_BYTES) + 4096));
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "headroom-collector-" + config.getString(CollectorConfig.AGENT_ID));
    return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }

  /** Takes one snapshot of every configured section and publishes it. */
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
    // exact relation sizes ride with the next tables or indexes read
    if (due.remove(Section.RELATION_SIZES) || sizesPending) {
      sizesPending = !(due.contains(Section.TABLES) || due.contains(Section.INDEXES));
      if (!sizesPending) {
        due.add(Section.RELATION_SIZES);
      }
    }
    return due;
  }

  /** The sections due on any tick from {@code from} to {@code to}, both included. */
  Set<Section> dueBetween(long from, long to) {
    Set<Section> due = EnumSet.noneOf(Section.class);
    for (Section section : config.sections()) {
      long n = ticks(section);
      if (Math.floorDiv(to, n) > Math.floorDiv(from - 1, n)) {
        due.add(section);
      }
    }
    if (due.remove(Section.RELATION_SIZES)) {
      sizesPending = true; // they ride with the next tables or indexes read
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

  List<Snapshot> snapshot(Set<Section> due) throws SQLException {
    Connection c = connection();
    CatalogSnapshot catalog;
    try {
      catalog = reader.read(c, due, databases, config.databaseFilter(),
          config.getInt(CollectorConfig.DATABASES_CONCURRENCY));
    } catch (SQLException e) {
      closeConnection();
      throw e;
    }
    Map<String, List<Map<String, Object>>> extra = new LinkedHashMap<>();
    Map<String, Object> host = host();
    if (host != null) {
      extra.put("host", List.of(host));
    }
    extra.putAll(pgbouncer());
    if (!extra.isEmpty()) {
      Map<String, List<Map<String, Object>>> sections = new LinkedHashMap<>(catalog.sections());
      sections.putAll(extra);
      catalog = new CatalogSnapshot(catalog.capturedAt(), catalog.postmasterStart(), catalog.serverVersionNum(),
          catalog.systemIdentifier(), catalog.standby(), catalog.statementsStatsReset(), sections, catalog.truncated(),
          catalog.readNanos());
    }
    String cluster = config.getString(CollectorConfig.INSTANCE_CLUSTER);
    Snapshot.InstanceInfo instance = new Snapshot.InstanceInfo(config.getString(CollectorConfig.INSTANCE_ID),
        cluster.isEmpty() ? null : cluster, catalog.standby() ? "standby" : "primary", systemIdentifier,
        catalog.serverVersionNum(), config.labels());
    List<SnapshotPublisher.Part> parts = publisher.parts(catalog, instance, new Snapshot.AgentInfo(
        config.getString(CollectorConfig.AGENT_ID), VERSION), this::intervalOf);
    List<Snapshot> out = parts.stream().map(SnapshotPublisher.Part::snapshot).toList();
    publish(SnapshotPublisher.records(parts));
    catalog.readNanos().forEach((section, nanos) -> Timer.builder("headroom.collector.section.duration").tags(tags)
        .tag("section", section).description("Time to read a catalog section (per-database ones: all databases)")
        .register(registry).record(nanos, TimeUnit.NANOSECONDS));
    catalog.sections().forEach((section, rows) -> DistributionSummary.builder("headroom.collector.section.rows")
        .tags(tags).tag("section", section).description("Rows read per section").register(registry).record(rows.size()));
    snapshots.incrementAndGet();
    messages.addAndGet(out.size());
    return out;
  }

  private void publish(List<OutboundRecord> records) {
    outbox.publish(records);
    publishedBytes.addAndGet(records.stream().mapToLong(r -> r.value().length).sum());
  }

  /** The host section when the agent runs beside the server (or is told where the data directory is). */
  private Map<String, Object> host() {
    String mode = config.getString(CollectorConfig.HOST_METRICS);
    if ("off".equals(mode) || !hostReadable) {
      return null;
    }
    Path dir = dataDirectory;
    if ("auto".equals(mode) && (!targetLocal || dir == null || !Files.isDirectory(dir))) {
      return null;
    }
    try {
      return hostReader.read(dir != null && Files.isDirectory(dir) ? dir : null);
    } catch (IOException | RuntimeException e) {
      if (!warnedHost) {
        warnedHost = true;
        LOG.warn("host section of {} not read: {}", config.getString(CollectorConfig.INSTANCE_ID), e.getMessage());
      }
      return null;
    }
  }

  static boolean isLocal(String url) {
    Properties parsed = org.postgresql.Driver.parseURL(url, null);
    String hosts = parsed == null ? "" : parsed.getProperty("PGHOST", "localhost");
    for (String h : hosts.split(",")) {
      if (!(h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("[::1]") || h.startsWith("/"))) {
        return false;
      }
    }
    return true;
  }

  /** PgBouncer's pools and stats; a pooler that cannot be read is logged (once per error) and left out. */
  private Map<String, List<Map<String, Object>>> pgbouncer() {
    String url = config.getString(CollectorConfig.PGBOUNCER_URL);
    if (url.isEmpty()) {
      return Map.of();
    }
    java.net.URI uri = CollectorConfig.pgbouncerUri(url);
    try (PgBouncerConsole c = PgBouncerConsole.connect(uri.getHost(), uri.getPort() < 0 ? 6432 : uri.getPort(),
        uri.getPath() == null || uri.getPath().length() <= 1 ? "pgbouncer" : uri.getPath().substring(1),
        config.getString(CollectorConfig.PGBOUNCER_USER), config.pgbouncerPassword(), 10_000)) {
      Map<String, List<Map<String, Object>>> out = PgBouncerReader.read(c);
      lastPgBouncerError = null;
      return out;
    } catch (SQLException | RuntimeException e) {
      if (!String.valueOf(e.getMessage()).equals(lastPgBouncerError)) {
        lastPgBouncerError = String.valueOf(e.getMessage());
        LOG.warn("PgBouncer at {} not read (the other sections still are): {}", JdbcUrls.redact(url), e.getMessage());
      }
      return Map.of();
    }
  }

  /** One timed round trip; published as an exact sample of the instance's latency. */
  void probe() {
    String instanceId = config.getString(CollectorConfig.INSTANCE_ID);
    if (System.nanoTime() < probeRetryAt) {
      return; // backing off after failures: a wrong password must not become a login storm
    }
    try {
      if (probeConnection == null || probeConnection.isClosed()) {
        probeConnection = DriverManager.getConnection(config.getString(CollectorConfig.TARGET_URL),
            connectionProperties(new Properties()));
        try (Statement s = probeConnection.createStatement()) {
          s.execute("SET statement_timeout = '" + config.getLong(CollectorConfig.STATEMENT_TIMEOUT_MS) + "ms'");
          s.execute("SET default_transaction_read_only = on");
        }
      }
      Instant at = clock.instant();
      long t0 = System.nanoTime();
      try (PreparedStatement ps = probeConnection.prepareStatement(config.getString(CollectorConfig.PROBE_QUERY));
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          // drain: the round trip includes the result
        }
      }
      double ms = (System.nanoTime() - t0) / 1e6;
      LatencySample sample = new LatencySample(LatencySample.SCHEMA,
          "probe:" + instanceId + ":" + at.toEpochMilli(), instanceId, at, "instance",
          "probe", ms, 1);
      publish(List.of(new OutboundRecord(Topics.LATENCY.name(), instanceId, at.toEpochMilli(),
          Topics.LATENCY_SAMPLE_SERDE.write(sample))));
      probes.incrementAndGet();
      probeBackoffMs = 0;
    } catch (SQLException | RuntimeException e) {
      if (probeFailures.getAndIncrement() == 0 || LOG.isDebugEnabled()) {
        LOG.warn("probe of {} failed: {}", instanceId, e.getMessage());
      }
      closeQuietly(probeConnection);
      probeConnection = null;
      probeBackoffMs = Math.min(Math.max(config.getLong(CollectorConfig.PROBE_INTERVAL_MS), probeBackoffMs * 2), 300_000);
      probeRetryAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(probeBackoffMs);
    }
  }

  /**
   * Restarts a capture that stopped on an error, with backoff (a database restart or failover
   * stops Debezium's engine), and refreshes the WAL its slot holds back for the metrics.
   */
  void superviseCapture() {
    try {
      if (!capture.isRunning() && clock.millis() >= captureRetryAt) {
        captureRestarts.incrementAndGet();
        LOG.warn("capture of {} stopped ({}); starting it again", config.getString(CollectorConfig.INSTANCE_ID),
            capture.lastFailure().map(CdcCapture.Failure::message).orElse("no error recorded"));
        captureBackoffMs = Math.min(Math.max(CAPTURE_CHECK_MS, captureBackoffMs * 2), 600_000);
        captureRetryAt = clock.millis() + captureBackoffMs;
        capture.start();
      } else if (capture.isStreaming()) {
        captureBackoffMs = 0;
      }
      retainedWal = capture.retainedWalBytes().orElse(-1);
    } catch (SQLException | RuntimeException e) {
      LOG.debug("capture check of {} failed: {}", config.getString(CollectorConfig.INSTANCE_ID), e.getMessage());
    }
  }

  /** Reads what the server logged since the last poll and publishes it; the position is saved only after. */
  void followLogs() {
    try {
      long read;
      do {
        long before = logs.counters().entriesRead();
        List<LatencySample> samples = logs.poll();
        read = logs.counters().entriesRead() - before;
        List<OutboundRecord> records = new java.util.ArrayList<>(samples.size());
        for (LatencySample sample : samples) {
          records.add(new OutboundRecord(Topics.LATENCY.name(), sample.instanceId(), sample.observedAt().toEpochMilli(),
              Topics.LATENCY_SAMPLE_SERDE.write(sample)));
        }
        try {
          if (!records.isEmpty()) {
            publish(records);
          }
        } catch (RuntimeException e) {
          logs.rewind();
          throw e;
        }
        logs.commit();
        logSamples.addAndGet(samples.size());
        // a full poll means a backlog: read on, in bounded steps
      } while (read >= logs.options().maxEntriesPerPoll() && !Thread.currentThread().isInterrupted());
    } catch (IOException | RuntimeException e) {
      if (logFailures.getAndIncrement() == 0 || LOG.isDebugEnabled()) {
        LOG.warn("duration log of {} not read: {}", config.getString(CollectorConfig.INSTANCE_ID), e.getMessage());
      }
    }
  }

  /** Runs until {@link #close()}; each failure is logged and counted, and the next interval tries again. */
  @Override
  public void run() {
    running = true;
    long interval = config.getLong(CollectorConfig.INTERVAL_MS);
    try {
      // the probe, the log follower and the capture's supervision share one side thread per target
      prober = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "headroom-side-" + config.getString(CollectorConfig.INSTANCE_ID));
        t.setDaemon(true);
        return t;
      });
      long probeInterval = config.getLong(CollectorConfig.PROBE_INTERVAL_MS);
      if (probeInterval > 0) {
        prober.scheduleWithFixedDelay(this::probe, 0, probeInterval, TimeUnit.MILLISECONDS);
      }
      DurationLogFollower.Options logOptions = config.logOptions();
      if (logOptions != null) {
        try {
          logs = new DurationLogFollower(logOptions);
          prober.scheduleWithFixedDelay(this::followLogs, 0, logOptions.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
          LOG.warn("duration log of {} not followed: {}", config.getString(CollectorConfig.INSTANCE_ID), e.getMessage());
        }
      }
      CdcOptions cdcOptions = config.cdcOptions();
      if (cdcOptions != null) {
        capture = new CdcCapture(cdcOptions, new Outbox() {
          @Override
          public void publish(List<OutboundRecord> records) {
            Collector.this.publish(records);
          }

          @Override
          public void close() {
            // the collector's outbox outlives the capture
          }
        }, clock);
        try {
          capture.start();
        } catch (RuntimeException e) {
          // the supervision below starts it again, with backoff; snapshots go on meanwhile
          LOG.warn("capture of {} did not start: {}", config.getString(CollectorConfig.INSTANCE_ID), e.getMessage());
        }
        prober.scheduleWithFixedDelay(this::superviseCapture, CAPTURE_CHECK_MS, CAPTURE_CHECK_MS, TimeUnit.MILLISECONDS);
      }
      long next = System.nanoTime();
      long tick = 0;
      LOG.info("collecting {} from {} every {} ms", config.getString(CollectorConfig.INSTANCE_ID),
          JdbcUrls.redact(config.getString(CollectorConfig.TARGET_URL)), interval);
      int unreachable = 0;
      Set<Section> carried = EnumSet.noneOf(Section.class);
      // scheduled on the monotonic clock: a wall-clock step (NTP) neither stalls nor bunches snapshots
      while (!await(TimeUnit.NANOSECONDS.toMillis(next - System.nanoTime()))) {
        Set<Section> due = due(tick);
        due.addAll(carried);
        carried.clear();
        try {
          snapshot(due);
          unreachable = 0;
        } catch (SQLException | RuntimeException e) {
          failures.incrementAndGet();
          boolean connection = e instanceof SQLException sql && sql.getSQLState() != null
              && sql.getSQLState().startsWith("08");
          unreachable = connection ? unreachable + 1 : 0;
          LOG.warn("snapshot of {} failed: {}", config.getString(CollectorConfig.INSTANCE_ID), e.getMessage());
        }
        if (unreachable > 1) {
          // reconnect with backoff: an unreachable target is retried less and less often, up to every 5 minutes
          long backoff = Math.min(interval << Math.min(unreachable - 1, 16), Math.max(interval, 300_000));
          next = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff);
          tick = 0; // start again with every section
          continue;
        }
        next += TimeUnit.MILLISECONDS.toNanos(interval);
        long now = System.nanoTime();
        if (now - next >= 0) {
          long late = (now - next) / TimeUnit.MILLISECONDS.toNanos(interval) + 1;
          skipped.addAndGet(late);
          LOG.warn("snapshot took longer than the interval: {} snapshot(s) skipped", late);
          // what those snapshots would have read comes with the next one, so no section waits a whole period
          carried.addAll(dueBetween(tick + 1, tick + late));
          next += late * TimeUnit.MILLISECONDS.toNanos(interval);
          tick += late;
        }
        tick++;
      }
    } finally {
      if (prober != null) {
        prober.shutdownNow();
        try {
          prober.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      closeQuietly(probeConnection);
      if (logs != null) {
        logs.close();
      }
      if (capture != null) {
        capture.close();
      }
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
      dataDirectory = configuredOrServerDataDirectory(connection);
      LOG.info("connected to {} ({})", JdbcUrls.redact(config.getString(CollectorConfig.TARGET_URL)),
          connection.getMetaData().getDatabaseProductVersion());
    }
    return connection;
  }

  private Path configuredOrServerDataDirectory(Connection c) {
    String configured = config.getString(CollectorConfig.HOST_DATA_DIRECTORY);
    if (!configured.isEmpty()) {
      return Path.of(configured);
    }
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_setting('data_directory')")) {
      return rs.next() ? Path.of(rs.getString(1)) : null;
    } catch (SQLException e) {
      LOG.debug("data_directory not readable: {}", e.getMessage());
      return null;
    }
  }

  private void closeConnection() {
    closeQuietly(connection);
    connection = null;
    databases.close();
  }

  private static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // already broken
      }
    }
  }

  public String instanceId() {
    return config.getString(CollectorConfig.INSTANCE_ID);
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

  public long probes() {
    return probes.get();
  }

  /** The capture of this target's tables, or null when none is configured or it has not started. */
  public CdcCapture capture() {
    return capture;
  }

  public long logSamples() {
    return logSamples.get();
  }

  public long probeFailures() {
    return probeFailures.get();
  }

  /** Stops the loop (waiting for a snapshot in flight) and, when it owns it, closes the outbox. */
  @Override
  public void close() {
    closed.countDown();
    try {
      // a snapshot in flight is bounded by statement_timeout and the outbox's own bounds
      stopped.await(running ? 150_000 : 0, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (ownsOutbox) {
      outbox.close();
    }
    closeConnection();
  }
}
