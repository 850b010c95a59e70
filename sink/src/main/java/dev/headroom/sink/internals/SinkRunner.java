package dev.headroom.sink.internals;

import dev.headroom.metrics.MetricsEndpoint;
import dev.headroom.schemas.TopicAdmin;
import dev.headroom.schemas.Topics;
import dev.headroom.sink.ResultTable;
import dev.headroom.sink.SinkConfig;
import dev.headroom.sink.StorageMode;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink's engine: one consumer thread that turns each poll into one database transaction
 * holding the rows and the next offsets, so the database alone says what has been written.
 * The next poll happens while the server ingests a batch's COPY, and its records are read and
 * encoded on a second thread, so the database's work and the sink's overlap; at most these two
 * batches are held.
 *
 * <p>Failures of the database (or of the dead-letter topic) never lose or skip a record: the
 * batch is kept, the partitions are paused, and the consumer keeps polling (so it stays in its
 * group) until the same batch is written. See {@code HeadroomSink} for the public face.
 */
public final class SinkRunner implements Runnable, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SinkRunner.class);
  private static final Duration DEAD_LETTER_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration CLIENT_CLOSE_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
  private static final int MAX_REASON_CHARS = 500;
  private static final int DEFAULT_PARTITION_FETCH_BYTES = 8 << 20;

  private enum State { NEW, RUNNING, CLOSED }

  private final SinkConfig config;
  /** The topics read, each with the table it feeds. */
  private final Map<String, TableSpec<?>> tables;
  private final Clock clock;
  /** The writing role's database; rows and offsets are written here. */
  private final Database database;
  /** The owning role's, when it is another role: schema, grants, partitions and retention. */
  private final Optional<Database> owner;
  private final Consumer<byte[], byte[]> consumer;
  private final Producer<String, byte[]> producer;
  private final Backoff backoff;
  private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
  private final CountDownLatch closeRequested = new CountDownLatch(1);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicLong rowsWritten = new AtomicLong();
  private final Map<ResultTable, AtomicLong> rowsByTable = new EnumMap<>(ResultTable.class);
  private final AtomicLong batchesWritten = new AtomicLong();
  private final AtomicLong deadLetters = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private final AtomicLong chunksDropped = new AtomicLong();
  private final AtomicLong rowsExpired = new AtomicLong();
  private volatile StorageMode storageMode;
  private volatile Thread runner;
  private final Partitions partitions;
  private Instant nextRetention = Instant.MIN;
  private final MetricsEndpoint metrics;
  private final Timer batchTimer;
  /** Records behind the end of the assigned partitions, after the last poll; -1 before the first. */
  private final AtomicLong lag = new AtomicLong(-1);
  private final AtomicLong pendingRecords = new AtomicLong();

  // Owned by the thread in run().
  private Connection connection;
  private Connection ownerConnection;
  private PendingBatch pending;
  /** Whether a transaction of rows is open: a rebalance then leaves the connection alone. */
  private boolean writing;
  /** A rebalance took partitions while rows were being written: the transaction must not commit. */
  private boolean revokedWhileWriting;
  /** The records of the next batch, being read on the decoding thread while {@link #pending} is written. */
  private Future<PendingBatch> decoding;
  private int decodingRecords;
  private final ExecutorService decoder = Executors.newSingleThreadExecutor(task -> {
    Thread t = new Thread(task, "headroom-sink-decode");
    t.setDaemon(true);
    return t;
  });
  /** Assigned partitions whose position has not been read from the database yet; they stay paused. */
  private final Set<TopicPartition> unpositioned = new HashSet<>();

  /**
   * @param topics the tables to write, each with the topic to read it from: its result topic but in
   *     tests, which give each case topics of their own
   */
  public SinkRunner(SinkConfig config, Map<ResultTable, String> topics, Clock clock) {
    this.config = config;
    Map<String, TableSpec<?>> byTopic = new LinkedHashMap<>();
    topics.forEach((table, topic) -> {
      if (byTopic.put(topic, TableSpec.of(table)) != null) {
        throw new IllegalArgumentException("topic " + topic + " is given for two tables");
      }
      rowsByTable.put(table, new AtomicLong());
    });
    this.tables = Map.copyOf(byTopic);
    this.clock = clock;
    Map<ResultTable, Duration> intervals = new EnumMap<>(ResultTable.class);
    for (ResultTable table : ResultTable.values()) {
      intervals.put(table, config.chunkDuration(table));
    }
    this.partitions = new Partitions(intervals);
    this.metrics = new MetricsEndpoint(config.getString(SinkConfig.METRICS_BIND), config.getInt(SinkConfig.METRICS_PORT),
        SinkConfig.METRICS_PORT + ", " + SinkConfig.METRICS_BIND);
    this.batchTimer = registerMeters(metrics.registry());
    this.database = new Database(config.url(), config.user(), config.password());
    this.owner = config.ownerUser().map(user -> new Database(config.url(), user, config.ownerPassword()));
    this.backoff = new Backoff(config.retryBackoffInitial(), config.retryBackoffMax());

    Map<String, Object> consumerProps = new HashMap<>(config.consumerConfig());
    consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // Only committed results of transactional producers (Kafka Streams with exactly_once_v2).
    consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.batchMaxRecords());
    // A fetch of Kafka's 1 MiB per partition is under a batch of deltas; the poll after a commit then
    // waited for the next fetch, with the database idle (BENCHMARKS.md, "Sink throughput").
    consumerProps.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, DEFAULT_PARTITION_FETCH_BYTES);
    // KIP-848's protocol: its consumer fetches on a thread of its own, so the next fetch of a partition
    // goes out as soon as the last one is read, not at the next poll (BENCHMARKS.md, "Sink throughput").
    // Brokers before Kafka 4.0 need kafka.group.protocol=classic.
    consumerProps.putIfAbsent(ConsumerConfig.GROUP_PROTOCOL_CONFIG,
        GroupProtocol.CONSUMER.name().toLowerCase(Locale.ROOT));
    consumerProps.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "headroom-sink-" + config.groupId());
    // Bytes in, so a value that cannot be read is ours to dead-letter instead of an exception inside poll().
    this.consumer = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());

    Map<String, Object> producerProps = new HashMap<>(config.producerConfig());
    producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
    producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    producerProps.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "headroom-sink-deadletters-" + config.groupId());
    try {
      this.producer = new KafkaProducer<>(producerProps, new StringSerializer(), new ByteArraySerializer());
    } catch (RuntimeException e) {
      consumer.close();
      metrics.close();
      throw e;
    }
  }

  /** The sink's meters; returns the batch timer, which the writing thread records into. */
  private Timer registerMeters(MeterRegistry registry) {
    rowsByTable.forEach((table, rows) -> FunctionCounter.builder("headroom.sink.rows.written", rows, AtomicLong::get)
        .description("Rows written in committed transactions").tag("table", table.tableName()).register(registry));
    FunctionCounter.builder("headroom.sink.batches", batchesWritten, AtomicLong::get)
        .description("Committed transactions, one per poll with records").register(registry);
    FunctionCounter.builder("headroom.sink.retries", retries, AtomicLong::get)
        .description("Failed attempts to migrate or write that were retried").register(registry);
    FunctionCounter.builder("headroom.sink.dead.letters", deadLetters, AtomicLong::get)
        .description("Records sent to the dead-letter topic").register(registry);
    FunctionCounter.builder("headroom.sink.retention.dropped", chunksDropped, AtomicLong::get)
        .description("Chunks or partitions dropped by retention").register(registry);
    FunctionCounter.builder("headroom.sink.rows.expired", rowsExpired, AtomicLong::get)
        .description("Records not written because their table's retention had already passed").register(registry);
    Gauge.builder("headroom.sink.lag.records", lag, AtomicLong::get)
        .description("Records on the assigned partitions not yet read, after the last poll (-1 before it)")
        .register(registry);
    Gauge.builder("headroom.sink.pending.records", pendingRecords, AtomicLong::get)
        .description("Records of the batch being written or waiting for the database").register(registry);
    return Timer.builder("headroom.sink.batch.duration")
        .description("Writing one batch: dead letters, rows and offsets, through the commit")
        .publishPercentiles(0.5, 0.95, 0.99).register(registry);
  }

  /** Blocks until {@link #close()}: prepares the dead-letter topic and the schema, then consumes. */
  @Override
  public void run() {
    if (!state.compareAndSet(State.NEW, State.RUNNING)) {
      throw new IllegalStateException("the sink runs once; it is " + state.get());
    }
    runner = Thread.currentThread();
    try {
      LOG.info("sink starting: topics {}, group {}, database {}", new TreeSet<>(tables.keySet()), config.groupId(),
          database.redactedUrl());
      TopicAdmin.ensure(config.adminConfig(), List.of(Topics.DEADLETTER), config.getInt(SinkConfig.TOPICS_PARTITIONS),
          config.getShort(SinkConfig.TOPICS_REPLICATION_FACTOR));
      if (!migrate()) {
        return;
      }
      consumer.subscribe(List.copyOf(tables.keySet()), new Rebalance());
      consume();
    } catch (WakeupException e) {
      if (!closing()) {
        throw e;
      }
    } finally {
      shutDown();
      stopped.countDown();
    }
  }

  /** Migrates the schema, retrying while the database cannot be reached; false when closed meanwhile. */
  private boolean migrate() {
    while (!closing()) {
      try {
        Map<ResultTable, String> chunkIntervals = new EnumMap<>(ResultTable.class);
        for (ResultTable table : ResultTable.values()) {
          chunkIntervals.put(table, config.chunkInterval(table));
        }
        Map<ResultTable, Optional<String>> compressAfter = new EnumMap<>(ResultTable.class);
        for (ResultTable table : ResultTable.values()) {
          compressAfter.put(table, config.compressAfter(table));
        }
        storageMode = SchemaMigrator.migrate(owner.orElse(database), chunkIntervals, compressAfter);
        if (owner.isPresent()) {
          Connection c = ownerConnection();
          Grants.toWriter(c, config.user());
          c.commit();
          LOG.info("schema owned by {}; rows written by {}", config.getString(SinkConfig.OWNER_USER), config.user());
        }
        backoff.reset();
        LOG.info("storage mode {} in {}", storageMode, database.redactedUrl());
        return true;
      } catch (SQLException | FlywayException e) {
        discardConnection();
        if (!isUnavailable(e)) {
          throw new IllegalStateException("cannot prepare the schema in " + database.redactedUrl() + ": "
              + e.getMessage(), e);
        }
        retries.incrementAndGet();
        Duration delay = backoff.next();
        LOG.warn("database {} unavailable ({}); trying again in {} ms", database.redactedUrl(), describe(e),
            delay.toMillis());
        try {
          if (closeRequested.await(delay.toMillis(), TimeUnit.MILLISECONDS)) {
            return false;
          }
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return false;
  }

  private void consume() {
    while (!closing()) {
      try {
        positionAssigned();
        if (pending == null && decoding == null) {
          // With a batch to write, the next poll happens during its COPY (pollAhead).
          ConsumerRecords<byte[], byte[]> records = consumer.poll(config.pollTimeout());
          updateLag();
          if (!records.isEmpty()) {
            decoding = decoder.submit(() -> PendingBatch.read(records, tables::get, clock));
            decodingRecords = records.count();
            updatePendingRecords();
          }
        }
        if (pending != null) {
          long started = System.nanoTime();
          if (write(pending)) {
            batchTimer.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            pending = null;
          }
        }
        if (pending == null && decoding != null) {
          pending = decoded();
        }
        updatePendingRecords();
        resumeReady();
        backoff.reset();
        applyRetentionWhenDue();
      } catch (SQLException | PendingBatch.DeadLetterFailure e) {
        retries.incrementAndGet();
        discardConnection();
        Duration delay = backoff.next();
        LOG.warn("writing to {} failed ({}); partitions paused, the same batch is tried again in {} ms",
            database.redactedUrl(), describe(e), delay.toMillis());
        consumer.pause(consumer.assignment());
        pollWhilePaused(delay);
      }
    }
  }

  /**
   * Polls for the next batch while the server ingests the current one, and has it read on the
   * decoding thread, so the database does not wait for the poll. Only what has been fetched
   * already; nothing when the next batch is there. Called again and again during a COPY until it
   * gets one: the classic consumer reads its fetch responses only inside poll, and a response of
   * several MiB takes several reads.
   */
  private void pollAhead() {
    if (decoding != null || closing()) {
      return;
    }
    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ZERO);
    updateLag();
    if (!records.isEmpty()) {
      decoding = decoder.submit(() -> PendingBatch.read(records, tables::get, clock));
      decodingRecords = records.count();
    }
  }

  /** Waits for the batch being read on the decoding thread; null if a rebalance took all of its partitions. */
  private PendingBatch decoded() {
    Future<PendingBatch> batch = decoding;
    decoding = null;
    decodingRecords = 0;
    boolean interrupted = false;
    try {
      while (true) {
        try {
          PendingBatch read = batch.get();
          return read == null || read.isEmpty() ? null : read;
        } catch (InterruptedException e) {
          interrupted = true; // it is CPU work that ends by itself; the interrupt is kept for the caller
        }
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("reading a batch failed: " + e.getCause(), e.getCause());
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void updatePendingRecords() {
    pendingRecords.set((pending == null ? 0 : pending.records()) + decodingRecords);
  }

  /**
   * One transaction: the rows and the next offsets, after the batch's dead letters are safe in
   * Kafka. False when a rebalance during the write made it roll back: the batch, less the
   * partitions taken, is to be written again.
   */
  private boolean write(PendingBatch batch) throws SQLException, PendingBatch.DeadLetterFailure {
    batch.publishDeadLetters(producer::send, DEAD_LETTER_TIMEOUT);
    Map<TableSpec<?>, List<TableSpec.Row>> all = batch.rowsByTable();
    Map<TableSpec<?>, List<TableSpec.Row>> rows = unexpired(all);
    Map<TopicPartition, Long> offsets = batch.nextOffsets();
    if (storageMode == StorageMode.PLAIN) {
      // The owner's DDL, committed before the rows: a partition that outlives a failed batch is harmless.
      Connection ddl = ownerConnection();
      for (Map.Entry<TableSpec<?>, List<TableSpec.Row>> e : rows.entrySet()) {
        partitions.ensure(ddl, e.getKey().table(),
            e.getValue().stream().mapToLong(TableSpec.Row::timeMs).distinct().toArray());
      }
      ddl.commit();
    }
    Connection c = connection();
    Map<ResultTable, Long> written = new EnumMap<>(ResultTable.class);
    // The largest table's COPY is where the next poll happens, while the server ingests the rows.
    TableSpec<?> largest = rows.entrySet().stream().max(Map.Entry.comparingByValue(
        Comparator.comparingInt(List::size))).map(Map.Entry::getKey).orElse(null);
    writing = true;
    revokedWhileWriting = false;
    try {
      for (Map.Entry<TableSpec<?>, List<TableSpec.Row>> e : rows.entrySet()) {
        written.put(e.getKey().table(),
            TableWriter.write(c, e.getKey(), e.getValue(), e.getKey() == largest ? this::pollAhead : null));
      }
    } catch (SQLException e) {
      if (!isRefusal(e)) {
        throw e;
      }
      c.rollback();
      LOG.warn("the database refused a row of a batch ({}); writing the batch row by row to find it", describe(e));
      written = writeRowByRow(c, rows, batch);
      batch.publishDeadLetters(producer::send, DEAD_LETTER_TIMEOUT);
    } finally {
      writing = false;
    }
    if (revokedWhileWriting) {
      // Another consumer may already own some of these partitions and read their stored offsets:
      // nothing of this transaction may count. The batch, less what was taken, is written again.
      c.rollback();
      LOG.info("partitions were revoked while a batch was written; it is written again without them");
      return false;
    }
    StoredOffsets.write(c, config.groupId(), offsets);
    c.commit();
    long total = 0;
    for (Map.Entry<ResultTable, Long> e : written.entrySet()) {
      rowsByTable.get(e.getKey()).addAndGet(e.getValue());
      total += e.getValue();
    }
    rowsWritten.addAndGet(total);
    rowsExpired.addAndGet(count(all) - count(rows));
    batchesWritten.incrementAndGet();
    deadLetters.addAndGet(batch.deadLetterCount());
    LOG.debug("wrote {} rows from {} records ({} dead letters), next offsets {}", written, batch.records(),
        batch.deadLetterCount(), offsets);
    commitToKafka(offsets);
    return true;
  }

  /**
   * The rows not yet past their table's retention. Older ones (a replayed history, a consumer far
   * behind) would only be dropped at the next retention run, after creating chunks or partitions
   * for them: they are counted and left out.
   */
  private Map<TableSpec<?>, List<TableSpec.Row>> unexpired(Map<TableSpec<?>, List<TableSpec.Row>> rows) {
    Map<TableSpec<?>, List<TableSpec.Row>> kept = new LinkedHashMap<>();
    Instant now = clock.instant();
    rows.forEach((spec, tableRows) -> {
      Optional<Duration> retention = config.retention(spec.table());
      if (retention.isEmpty()) {
        kept.put(spec, tableRows);
        return;
      }
      long cutoff = now.minus(retention.get()).toEpochMilli();
      List<TableSpec.Row> live = tableRows.stream().filter(row -> row.timeMs() >= cutoff).toList();
      if (!live.isEmpty()) {
        kept.put(spec, live);
      }
    });
    return kept;
  }

  private static long count(Map<TableSpec<?>, List<TableSpec.Row>> rows) {
    return rows.values().stream().mapToLong(List::size).sum();
  }

  /**
   * Writes the batch's rows one at a time, each behind a savepoint, in the connection's open
   * transaction; a row the database refuses becomes a dead letter with the database's reason.
   * Slow, and only for a batch whose bulk write was refused.
   */
  private Map<ResultTable, Long> writeRowByRow(Connection c, Map<TableSpec<?>, List<TableSpec.Row>> rows,
      PendingBatch batch) throws SQLException {
    Map<ResultTable, Long> written = new EnumMap<>(ResultTable.class);
    for (Map.Entry<TableSpec<?>, List<TableSpec.Row>> e : rows.entrySet()) {
      for (TableSpec.Row row : e.getValue()) {
        Savepoint savepoint = c.setSavepoint();
        try {
          written.merge(e.getKey().table(), TableWriter.write(c, e.getKey(), List.of(row)), Long::sum);
          TableWriter.clearStage(c, e.getKey());
          c.releaseSavepoint(savepoint);
        } catch (SQLException refused) {
          if (!isRefusal(refused)) {
            throw refused;
          }
          c.rollback(savepoint);
          batch.refuse(row, "refused by the database: " + describe(refused), clock.instant());
          LOG.warn("{} offset {} of {} refused by the database, sent to {}: {}", row.source().topic(),
              row.source().offset(), row.spec().table().tableName(), Topics.DEADLETTER.name(), describe(refused));
        }
      }
    }
    return written;
  }

  /**
   * Whether the database refused the data itself, which no retry can change: a data exception
   * (22), an integrity constraint such as a CHECK a DBA added (23), a program limit such as a row
   * too large (54), or an exception raised by a trigger (P0).
   */
  private static boolean isRefusal(SQLException e) {
    SQLException reason = e instanceof BatchUpdateException && e.getNextException() != null ? e.getNextException() : e;
    String state = reason.getSQLState();
    return state != null && (state.startsWith("22") || state.startsWith("23") || state.startsWith("54")
        || state.startsWith("P0"));
  }

  /** For lag monitoring only: the database's offsets are the ones the sink resumes from. */
  private void commitToKafka(Map<TopicPartition, Long> offsets) {
    Map<TopicPartition, OffsetAndMetadata> owned = new HashMap<>();
    Set<TopicPartition> assignment = consumer.assignment();
    offsets.forEach((tp, next) -> {
      if (assignment.contains(tp)) {
        owned.put(tp, new OffsetAndMetadata(next));
      }
    });
    if (!owned.isEmpty()) {
      consumer.commitAsync(owned, (committed, e) -> {
        if (e != null) {
          LOG.debug("committing offsets to Kafka for monitoring failed: {}", e.toString());
        }
      });
    }
  }

  /** Seeks the partitions assigned since the last look to the positions stored in the database. */
  private void positionAssigned() throws SQLException {
    unpositioned.retainAll(consumer.assignment());
    if (unpositioned.isEmpty()) {
      return;
    }
    Connection c = connection();
    Map<TopicPartition, Long> stored = StoredOffsets.read(c, config.groupId());
    c.rollback();
    Map<String, String> positions = new TreeMap<>();
    for (TopicPartition tp : unpositioned) {
      Long next = stored.get(tp);
      if (next == null) {
        // Not the group's Kafka offset: that one is for monitoring and may be ahead of the database.
        consumer.seekToBeginning(List.of(tp));
        positions.put(tp.toString(), "beginning");
      } else {
        consumer.seek(tp, next);
        positions.put(tp.toString(), String.valueOf(next));
      }
    }
    LOG.info("assigned partitions positioned from the database (partition=next offset): {}", positions);
    unpositioned.clear();
  }

  /** The records behind on the assigned partitions, as the consumer knows them after a poll. */
  private void updateLag() {
    long behind = 0;
    for (TopicPartition tp : consumer.assignment()) {
      OptionalLong partitionLag = consumer.currentLag(tp);
      if (partitionLag.isPresent()) {
        behind += partitionLag.getAsLong();
      }
    }
    lag.set(behind);
  }

  /** Resumes what was paused, except partitions without a position yet; only when no batch waits. */
  private void resumeReady() {
    if (pending != null) {
      return;
    }
    Set<TopicPartition> ready = new HashSet<>(consumer.paused());
    ready.removeAll(unpositioned);
    if (!ready.isEmpty()) {
      consumer.resume(ready);
    }
  }

  /**
   * Waits out a backoff while polling, so the consumer keeps its group membership; the partitions
   * are paused, and anything fetched anyway is rewound so it is read again later.
   */
  private void pollWhilePaused(Duration delay) {
    long deadline = System.nanoTime() + delay.toNanos();
    long remaining;
    while (!closing() && (remaining = deadline - System.nanoTime()) > 0) {
      ConsumerRecords<byte[], byte[]> stray =
          consumer.poll(Duration.ofNanos(Math.min(remaining, config.pollTimeout().toNanos())));
      for (TopicPartition tp : stray.partitions()) {
        consumer.seek(tp, stray.records(tp).get(0).offset());
      }
      consumer.pause(consumer.assignment());
    }
  }

  private Connection connection() throws SQLException {
    if (connection == null) {
      connection = database.connect();
    }
    return connection;
  }

  /** The owning role's connection: the writer's when they are one role. */
  private Connection ownerConnection() throws SQLException {
    if (owner.isEmpty()) {
      return connection();
    }
    if (ownerConnection == null) {
      ownerConnection = owner.get().connect();
    }
    return ownerConnection;
  }

  /** After a failure the sessions are not trusted: roll back what may be open and connect afresh next time. */
  private void discardConnection() {
    discard(connection);
    connection = null;
    discard(ownerConnection);
    ownerConnection = null;
    partitions.forget();
  }

  private static void discard(Connection c) {
    if (c == null) {
      return;
    }
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // The connection is likely broken; closing it below is all that is left to do.
    }
    Database.closeQuietly(c);
  }

  /** Drops expired chunks or partitions when the retention check is due: at start, then every interval. */
  private void applyRetentionWhenDue() throws SQLException {
    Instant now = clock.instant();
    if (now.isBefore(nextRetention)) {
      return;
    }
    nextRetention = now.plus(config.retentionCheckInterval());
    Map<ResultTable, Duration> retentions = new EnumMap<>(ResultTable.class);
    for (ResultTable table : ResultTable.values()) {
      config.retention(table).ifPresent(r -> retentions.put(table, r));
    }
    chunksDropped.addAndGet(Retention.apply(ownerConnection(), storageMode, partitions, retentions, now));
  }

  private void shutDown() {
    decoder.shutdownNow();
    int unwritten = (pending == null ? 0 : pending.records()) + decodingRecords;
    if (unwritten > 0) {
      LOG.info("closing with {} records not written; they are read again on the next start", unwritten);
    }
    pending = null;
    decoding = null;
    decodingRecords = 0;
    discardConnection();
    closeClients();
    metrics.close();
    LOG.info("sink stopped: {} rows in {} batches, {} dead letters, {} retries", rowsWritten.get(),
        batchesWritten.get(), deadLetters.get(), retries.get());
  }

  private void closeClients() {
    try {
      consumer.close(CloseOptions.timeout(CLIENT_CLOSE_TIMEOUT));
    } catch (RuntimeException e) {
      LOG.warn("closing the consumer: {}", e.toString());
    }
    try {
      producer.close(CLIENT_CLOSE_TIMEOUT);
    } catch (RuntimeException e) {
      LOG.warn("closing the dead-letter producer: {}", e.toString());
    }
  }

  /**
   * Stops the sink from any thread: the batch being written is committed or rolled back, the
   * clients and the connection are closed, and {@link #run()} returns. Waits for that to happen.
   */
  @Override
  public void close() {
    closeRequested.countDown();
    if (state.compareAndSet(State.NEW, State.CLOSED)) {
      decoder.shutdownNow();
      closeClients();
      metrics.close();
      stopped.countDown();
      return;
    }
    consumer.wakeup();
    if (Thread.currentThread() == runner) {
      return;
    }
    try {
      if (!stopped.await(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("the sink did not stop within {} s", STOP_TIMEOUT.toSeconds());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private boolean closing() {
    return closeRequested.getCount() == 0;
  }

  public Optional<StorageMode> storageMode() {
    return Optional.ofNullable(storageMode);
  }

  public long rowsWritten() {
    return rowsWritten.get();
  }

  public long rowsWritten(ResultTable table) {
    AtomicLong rows = rowsByTable.get(table);
    return rows == null ? 0 : rows.get();
  }

  public long chunksDropped() {
    return chunksDropped.get();
  }

  public long rowsExpired() {
    return rowsExpired.get();
  }

  /** The port of the metrics endpoint, or -1 when it is off. */
  public int metricsPort() {
    return metrics.port();
  }

  public long batchesWritten() {
    return batchesWritten.get();
  }

  public long deadLetters() {
    return deadLetters.get();
  }

  public long retries() {
    return retries.get();
  }

  /**
   * Whether a failure at start is worth waiting out: connection refused or lost (08), out of
   * resources (53), server starting or shutting down (57P), database not accepting connections or
   * a lock not available (55), serialization failure or deadlock (40). Bad credentials, a missing
   * database or missing privileges fail the start instead.
   */
  private static boolean isUnavailable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && sql.getSQLState() != null) {
        String state = sql.getSQLState();
        if (state.startsWith("08") || state.startsWith("53") || state.startsWith("57P") || state.startsWith("55")
            || state.startsWith("40")) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The failure in one line, with the SQLSTATE where there is one. Never the URL (it may hold a
   * password), and for a failed batch the server's reason rather than the driver's summary, which
   * quotes the whole statement with its values.
   */
  private static String describe(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        SQLException reason = sql instanceof BatchUpdateException && sql.getNextException() != null
            ? sql.getNextException() : sql;
        String message = String.valueOf(reason.getMessage());
        if (message.length() > MAX_REASON_CHARS) {
          message = message.substring(0, MAX_REASON_CHARS) + "…";
        }
        return "SQLSTATE " + reason.getSQLState() + ": " + message;
      }
    }
    return e.getMessage();
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      forget(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      forget(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      // Paused until positioned from the database, so nothing is fetched from a wrong position.
      unpositioned.addAll(partitions);
      consumer.pause(partitions);
      if (writing) {
        return; // the connection is in the middle of a COPY: the main loop positions them after it
      }
      try {
        positionAssigned();
      } catch (SQLException e) {
        // The main loop positions them once the database answers again.
        LOG.warn("cannot read the stored offsets of {} yet ({})", partitions, describe(e));
        discardConnection();
      }
    }

    private void forget(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      if (writing) {
        revokedWhileWriting = true;
      }
      unpositioned.removeAll(partitions);
      if (decoding != null) {
        PendingBatch next = decoded();
        if (next != null) {
          next.drop(partitions);
        }
        if (next != null && !next.isEmpty()) {
          decoding = CompletableFuture.completedFuture(next);
          decodingRecords = next.records();
        }
      }
      if (pending != null) {
        pending.drop(partitions);
        if (pending.isEmpty()) {
          pending = null;
        }
      }
    }
  }
}
