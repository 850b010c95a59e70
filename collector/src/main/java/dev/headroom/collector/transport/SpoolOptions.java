package dev.headroom.collector.transport;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link SpoolingOutbox} spools and sends.
 *
 * @param directory where the spool file lives; one outbox at a time may use it (the file is locked)
 * @param maxBytes the most record bytes the spool holds (encoded size: value, key, topic, timestamp
 *     and a few bytes of framing); past it the oldest records are dropped and counted. The file on
 *     disk is larger by the store's free space and the chunks it keeps for crash recovery: a few
 *     times this while records churn through a full spool
 * @param drainTimeout how long {@link SpoolingOutbox#close()} keeps sending before it stops; what
 *     is left stays on disk
 * @param minBackoff the wait after the first failed send; it doubles with each further failure
 * @param maxBackoff the cap of that wait
 * @param maxBatchRecords the most records sent before waiting for all of their acknowledgements
 */
public record SpoolOptions(
    Path directory,
    long maxBytes,
    Duration drainTimeout,
    Duration minBackoff,
    Duration maxBackoff,
    int maxBatchRecords) {

  public static final long DEFAULT_MAX_BYTES = 256L * 1024 * 1024;
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_MIN_BACKOFF = Duration.ofSeconds(1);
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_BATCH_RECORDS = 500;

  /** Smallest spool: room for a few records of a typical size. */
  static final long MIN_MAX_BYTES = 64 * 1024;

  public SpoolOptions {
    Objects.requireNonNull(directory, "spool option directory is missing");
    require(maxBytes >= MIN_MAX_BYTES, "spool option maxBytes must be at least " + MIN_MAX_BYTES + ", was " + maxBytes);
    require(drainTimeout != null && !drainTimeout.isNegative(),
        "spool option drainTimeout must be zero or positive, was " + drainTimeout);
    require(minBackoff != null && !minBackoff.isNegative() && !minBackoff.isZero(),
        "spool option minBackoff must be positive, was " + minBackoff);
    require(maxBackoff != null && maxBackoff.compareTo(minBackoff) >= 0,
        "spool option maxBackoff must be at least minBackoff (" + minBackoff + "), was " + maxBackoff);
    require(maxBatchRecords >= 1, "spool option maxBatchRecords must be at least 1, was " + maxBatchRecords);
  }

  /** The defaults: 256 MiB, 10 s to drain on close, back off 1 s .. 30 s, batches of 500 records. */
  public static SpoolOptions defaults(Path directory) {
    return new SpoolOptions(directory, DEFAULT_MAX_BYTES, DEFAULT_DRAIN_TIMEOUT, DEFAULT_MIN_BACKOFF,
        DEFAULT_MAX_BACKOFF, DEFAULT_MAX_BATCH_RECORDS);
  }

  public SpoolOptions withMaxBytes(long bytes) {
    return new SpoolOptions(directory, bytes, drainTimeout, minBackoff, maxBackoff, maxBatchRecords);
  }

  public SpoolOptions withDrainTimeout(Duration timeout) {
    return new SpoolOptions(directory, maxBytes, timeout, minBackoff, maxBackoff, maxBatchRecords);
  }

  public SpoolOptions withBackoff(Duration min, Duration max) {
    return new SpoolOptions(directory, maxBytes, drainTimeout, min, max, maxBatchRecords);
  }

  public SpoolOptions withMaxBatchRecords(int records) {
    return new SpoolOptions(directory, maxBytes, drainTimeout, minBackoff, maxBackoff, records);
  }

  private static void require(boolean condition, String problem) {
    if (!condition) {
      throw new IllegalArgumentException(problem);
    }
  }
}
