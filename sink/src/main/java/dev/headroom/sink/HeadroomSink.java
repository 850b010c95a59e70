package dev.headroom.sink;

import dev.headroom.sink.internals.SinkRunner;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Writes the result topics to TimescaleDB or plain PostgreSQL, exactly once: each to its table
 * ({@link ResultTable}), those of {@link SinkConfig#tables()}.
 *
 * <p>Each poll is written in one database transaction together with the consumer's next offsets
 * ({@code sink_offsets}), and on every assignment the consumer seeks to the offsets stored there:
 * a crash or restart never loses or doubles a row. Tables of rows that are sent once are COPYed
 * into; rows with a natural key are upserted on it, and each alert's, finding's and projection's
 * latest is kept in a table of its own. A record that cannot be read goes to
 * {@code headroom.deadletter.v1} with the reason. While the database is unavailable, the sink
 * keeps the one batch it holds, pauses its partitions, stays in its group, and retries with
 * exponential backoff.
 *
 * <p>{@link #run()} blocks; {@link #close()} from another thread stops it.
 */
public final class HeadroomSink implements Runnable, AutoCloseable {
  private final SinkRunner runner;

  public HeadroomSink(SinkConfig config) {
    this(config, config.tables().stream().collect(Collectors.toMap(t -> t, t -> t.topic().name(),
        (a, b) -> a, () -> new EnumMap<>(ResultTable.class))));
  }

  /** Reads another topic of latency windows only: for tests, which give each case a topic of its own. */
  HeadroomSink(SinkConfig config, String topic) {
    this(config, Map.of(ResultTable.LATENCY_WINDOWS, topic));
  }

  /** Writes these tables from these topics: for tests. */
  HeadroomSink(SinkConfig config, Map<ResultTable, String> topics) {
    this.runner = new SinkRunner(config, topics, Clock.systemUTC());
  }

  /**
   * Creates the dead-letter topic when missing, migrates the schema (waiting for the database if it
   * is not up yet), then consumes until {@link #close()}. A sink runs once.
   *
   * @throws IllegalStateException when Kafka cannot be reached at start, or the schema cannot be
   *     migrated for a reason other than the database being unavailable (bad credentials, say)
   */
  @Override
  public void run() {
    runner.run();
  }

  /** Stops the sink and waits until {@link #run()} has written or rolled back its batch and returned. */
  @Override
  public void close() {
    runner.close();
  }

  /** How the database stores the rows; empty until the schema has been migrated. */
  public Optional<StorageMode> storageMode() {
    return runner.storageMode();
  }

  /** Rows written in committed transactions, all tables (a window upserted twice counts twice). */
  public long rowsWritten() {
    return runner.rowsWritten();
  }

  /** Rows written to one table in committed transactions. */
  public long rowsWritten(ResultTable table) {
    return runner.rowsWritten(table);
  }

  /** The port of the Prometheus endpoint ({@code /metrics}), or -1 when it is off. */
  public int metricsPort() {
    return runner.metricsPort();
  }

  /** Records not written because they were already older than their table's retention. */
  public long rowsExpired() {
    return runner.rowsExpired();
  }

  /** Chunks (TimescaleDB) or partitions (plain PostgreSQL) dropped by retention. */
  public long chunksDropped() {
    return runner.chunksDropped();
  }

  /** Committed transactions, one per poll with records. */
  public long batchesWritten() {
    return runner.batchesWritten();
  }

  /** Records sent to the dead-letter topic whose offsets have been committed. */
  public long deadLetters() {
    return runner.deadLetters();
  }

  /** Failed attempts to migrate or write that were retried. */
  public long retries() {
    return runner.retries();
  }
}
