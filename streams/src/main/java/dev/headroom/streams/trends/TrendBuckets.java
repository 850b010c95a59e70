package dev.headroom.streams.trends;

import java.time.Duration;
import java.util.Set;

/** The trend buckets: UTC hours, UTC days and ISO weeks (from Monday 00:00 UTC). */
public final class TrendBuckets {
  public static final String HOUR = "PT1H";
  public static final String DAY = "P1D";
  public static final String WEEK = "P7D";
  public static final Set<String> ALL = Set.of(HOUR, DAY, WEEK);
  static final long HOUR_MS = Duration.ofHours(1).toMillis();
  static final long DAY_MS = Duration.ofDays(1).toMillis();
  static final long WEEK_MS = Duration.ofDays(7).toMillis();
  /** 1970-01-01 was a Thursday: the first Monday, 1970-01-05, is 4 days later. */
  private static final long MONDAY_OFFSET_MS = 4 * DAY_MS;

  private TrendBuckets() {}

  public static long start(String bucket, long atMs) {
    return switch (bucket) {
      case HOUR -> Math.floorDiv(atMs, HOUR_MS) * HOUR_MS;
      case DAY -> Math.floorDiv(atMs, DAY_MS) * DAY_MS;
      case WEEK -> Math.floorDiv(atMs - MONDAY_OFFSET_MS, WEEK_MS) * WEEK_MS + MONDAY_OFFSET_MS;
      default -> throw new IllegalArgumentException("no bucket " + bucket);
    };
  }

  public static long length(String bucket) {
    return switch (bucket) {
      case HOUR -> HOUR_MS;
      case DAY -> DAY_MS;
      case WEEK -> WEEK_MS;
      default -> throw new IllegalArgumentException("no bucket " + bucket);
    };
  }
}
