package dev.headroom.sink;

import dev.headroom.schemas.Topics;
import dev.headroom.sink.internals.SinkRunner;
import java.time.Clock;
import java.util.Optional;

/**
 * Writes {@code headroom.latency-windows.v1} to TimescaleDB or plain PostgreSQL, exactly once.
 *
 * <p>Each poll is written in one database transaction together with the consumer's next offsets
 * ({@code sink_offsets}), and on every assignment the consumer seeks to the offsets stored there:
 * a crash or restart never loses or doubles a row, and rows are upserted on their natural key, so
 * a redelivered record changes nothing. A record that cannot be read goes to
 * {@code headroom.deadletter.v1} with the reason. While the database is unavailable, the sink
 * keeps the one batch it holds, pauses its partitions, stays in its group, and retries with
 * exponential backoff.
 *
 * <p>{@link #run()} blocks; {@link #close()} from another thread stops it.
 */
public final class HeadroomSink implements Runnable, AutoCloseable {
  private final SinkRunner runner;

  public HeadroomSink(SinkConfig config) {
    this(config, Topics.LATENCY_WINDOWS.name());
  }

  /** Reads another topic of latency windows: for tests, which give each case a topic of its own. */
  HeadroomSink(SinkConfig config, String topic) {
    this.runner = new SinkRunner(config, topic, Clock.systemUTC());
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

  /** Rows upserted in committed transactions (a window written twice counts twice). */
  public long rowsWritten() {
    return runner.rowsWritten();
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
