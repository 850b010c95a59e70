package dev.headroom.simulator;

import java.time.Instant;
import java.util.Objects;

/**
 * Something that happens to one simulated instance at one time: a deploy (published as a deploy
 * event; with a {@code latencyFactor} above 1 it also makes every statement that much slower from
 * then on, until the next deploy), a clean restart (postmaster_start changes, the statistics are
 * kept, as PostgreSQL keeps them across a clean shutdown), a crash (postmaster_start changes and
 * every cumulative counter restarts from zero) or a statistics reset (pg_stat_statements_reset()
 * and pg_stat_reset(): stats_reset changes, the statement, database, table and index counters restart).
 */
public record Incident(String instanceId, Instant at, Kind kind, String id, double latencyFactor) {
  public enum Kind { DEPLOY, CLEAN_RESTART, CRASH, STATS_RESET }

  public Incident {
    Objects.requireNonNull(instanceId, "instanceId");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(kind, "kind");
    if (!(latencyFactor > 0)) {
      throw new IllegalArgumentException("latencyFactor must be positive");
    }
    if (kind == Kind.DEPLOY && (id == null || id.isBlank())) {
      throw new IllegalArgumentException("a deploy needs an id");
    }
  }

  public static Incident deploy(String instanceId, Instant at, String id, double latencyFactor) {
    return new Incident(instanceId, at, Kind.DEPLOY, id, latencyFactor);
  }

  public static Incident of(String instanceId, Instant at, Kind kind) {
    return new Incident(instanceId, at, kind, null, 1.0);
  }

  /** Whether this deploy slows the statements down. */
  public boolean regression() {
    return kind == Kind.DEPLOY && latencyFactor > 1;
  }

  /** Whether the cumulative counters restart here. */
  public boolean resetsCounters() {
    return kind == Kind.CRASH || kind == Kind.STATS_RESET;
  }
}
