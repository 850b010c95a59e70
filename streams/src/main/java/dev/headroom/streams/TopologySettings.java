package dev.headroom.streams;

import java.time.Duration;

/** What shapes the topology, apart from how it connects. */
public record TopologySettings(Duration latencyWindow, Duration latencyGrace, int topStatements) {
  public static final Duration ONE_MINUTE = Duration.ofMinutes(1);

  public TopologySettings {
    if (latencyGrace.isNegative()) {
      throw new IllegalArgumentException("latency grace must not be negative");
    }
    if (topStatements < 0) {
      throw new IllegalArgumentException("top statements must not be negative");
    }
  }
}
