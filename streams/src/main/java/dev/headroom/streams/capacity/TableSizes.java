package dev.headroom.streams.capacity;

import java.time.Duration;
import java.util.Arrays;

/**
 * One table's first size reading of each of its last days (UTC), from which its growth per day
 * is known: what ranks the tables that get a {@code table:} usage series.
 *
 * @param atMs when each kept reading was taken, oldest first
 * @param bytes the size then
 */
public record TableSizes(long[] atMs, double[] bytes) {
  /** Readings older than this before the newest are dropped; growth is measured over what is left. */
  static final Duration KEPT = Duration.ofDays(7);
  static final long DAY_MS = Duration.ofDays(1).toMillis();

  public static TableSizes first(long atMs, double bytes) {
    return new TableSizes(new long[] {atMs}, new double[] {bytes});
  }

  /** With this reading kept if it is the first of its UTC day; null when nothing changes. */
  public TableSizes with(long at, double size) {
    long newest = atMs[atMs.length - 1];
    if (Math.floorDiv(at, DAY_MS) <= Math.floorDiv(newest, DAY_MS)) {
      return null; // not the first reading of a later day (or an older one, replayed)
    }
    int from = 0;
    while (from < atMs.length && atMs[from] < at - KEPT.toMillis()) {
      from++;
    }
    long[] times = Arrays.copyOf(Arrays.copyOfRange(atMs, from, atMs.length), atMs.length - from + 1);
    double[] sizes = Arrays.copyOf(Arrays.copyOfRange(bytes, from, bytes.length), bytes.length - from + 1);
    times[times.length - 1] = at;
    sizes[sizes.length - 1] = size;
    return new TableSizes(times, sizes);
  }

  /** Bytes per day from the oldest kept reading to this one; NaN until they are a day apart. */
  public double growthPerDay(long at, double size) {
    long span = at - atMs[0];
    return span < DAY_MS ? Double.NaN : (size - bytes[0]) / ((double) span / DAY_MS);
  }

  /** The newest reading kept. */
  public long newestMs() {
    return atMs[atMs.length - 1];
  }
}
