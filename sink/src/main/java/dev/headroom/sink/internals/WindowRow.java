package dev.headroom.sink.internals;

import dev.headroom.schemas.LatencySketches;
import dev.headroom.schemas.LatencyWindow;
import java.time.Instant;
import java.util.Base64;

/** One row of {@code latency_windows}, checked to be writable before it joins a batch. */
record WindowRow(
    String instanceId,
    String scope,
    String windowSize,
    Instant windowStart,
    Instant windowEnd,
    long count,
    double p50Ms,
    double p95Ms,
    double p99Ms,
    double maxMs,
    String method,
    byte[] sketch) {

  /** timestamptz covers 4713 BC to 294276 AD; a time outside it could never be written. */
  private static final Instant EARLIEST = Instant.parse("-4712-01-01T00:00:00Z");
  private static final Instant LATEST = Instant.parse("+294275-12-31T23:59:59Z");

  /** The primary key of {@code latency_windows}. */
  record Key(String instanceId, String scope, String windowSize, Instant windowEnd) {}

  /**
   * @throws UnwritableException with the reason, for a message that is valid JSON but can never be
   *     stored; such a record becomes a dead letter instead of blocking its partition forever
   */
  static WindowRow of(LatencyWindow w) {
    byte[] sketch;
    try {
      sketch = Base64.getDecoder().decode(w.sketch());
    } catch (IllegalArgumentException e) {
      throw new UnwritableException("sketch is not valid base64: " + e.getMessage());
    }
    try {
      // stored sketches must be mergeable by any consumer
      LatencySketches.decode(sketch);
    } catch (IllegalArgumentException e) {
      throw new UnwritableException("sketch is not an encoded DDSketch: " + e.getMessage());
    }
    text("instance_id", w.instanceId());
    text("scope", w.scope());
    text("window", w.window());
    text("method", w.method());
    time("window_start", w.windowStart());
    time("window_end", w.windowEnd());
    return new WindowRow(w.instanceId(), w.scope(), w.window(), w.windowStart(), w.windowEnd(), w.count(), w.p50Ms(),
        w.p95Ms(), w.p99Ms(), w.maxMs(), w.method(), sketch);
  }

  Key key() {
    return new Key(instanceId, scope, windowSize, windowEnd);
  }

  private static void text(String field, String value) {
    // PostgreSQL text cannot hold NUL, though JSON strings can (\u0000).
    if (value.indexOf('\0') >= 0) {
      throw new UnwritableException(field + " contains a NUL character, which PostgreSQL text cannot store");
    }
  }

  private static void time(String field, Instant value) {
    if (value.isBefore(EARLIEST) || value.isAfter(LATEST)) {
      throw new UnwritableException(field + " " + value + " is outside the range of timestamptz");
    }
  }

  /** A record that can be read but never written. */
  static final class UnwritableException extends RuntimeException {
    UnwritableException(String reason) {
      super(reason);
    }
  }
}
