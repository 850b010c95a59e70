package dev.headroom.streams.deltas;

import java.time.Instant;
import java.util.Map;

/** The last seen cumulative counters of one object, and what tells a reset apart. */
public record CounterState(
    Instant capturedAt, Instant postmasterStart, Instant statsReset, String resetMarker, Map<String, Double> counters) {
  public CounterState {
    counters = Map.copyOf(counters);
  }
}
