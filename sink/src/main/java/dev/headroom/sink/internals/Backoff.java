package dev.headroom.sink.internals;

import java.time.Duration;

/** Exponential backoff: initial, doubling with each failure in a row, never above max. Not thread-safe. */
final class Backoff {
  private final Duration initial;
  private final Duration max;
  private Duration next;

  Backoff(Duration initial, Duration max) {
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("need 0 < initial <= max, got " + initial + " and " + max);
    }
    this.initial = initial;
    this.max = max;
    this.next = initial;
  }

  /** The wait before the next attempt; each call doubles the one after it. */
  Duration next() {
    Duration current = next;
    next = current.compareTo(max.dividedBy(2)) > 0 ? max : current.multipliedBy(2);
    return current;
  }

  /** After a success: the next failure waits the initial time again. */
  void reset() {
    next = initial;
  }
}
