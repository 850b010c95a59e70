package dev.headroom.simulator;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The known growth of one resource of one simulated instance, named as on
 * {@code headroom.usage.v1} ({@code storage}, {@code connections}, {@code cpu}, {@code xid},
 * {@code wal}, {@code slot_wal}, {@code sequence:<schema.name>}, {@code pool:<database>/<user>},
 * {@code table:<datname.schema.table>}).
 *
 * @param unit bytes, connections, ratio, xids, bytes_per_day, clients or values
 * @param pattern the value as a function of the days since {@code origin}
 * @param capacity what the resource saturates against; empty for wal and tables, which have none
 * @param reading how the published readings relate to the pattern
 * @param noise relative standard deviation of the published readings around it (0: exact)
 */
public record ResourceTruth(String instanceId, String resource, String unit, Pattern pattern, OptionalDouble capacity,
    Instant origin, Reading reading, double noise) {

  public static final String STORAGE = "storage";
  public static final String CONNECTIONS = "connections";
  public static final String CPU = "cpu";
  public static final String XID = "xid";
  public static final String WAL = "wal";
  public static final String SLOT_WAL = "slot_wal";
  public static final String SEQUENCE_PREFIX = "sequence:";
  public static final String POOL_PREFIX = "pool:";
  public static final String TABLE_PREFIX = "table:";

  /** How the published readings relate to the pattern. */
  public enum Reading {
    /** Each reading is the pattern's value at its time (plus noise). */
    VALUE,
    /**
     * The pattern is the daily peak: readings follow the instance's daily load shape below it and
     * meet it at the instance's peak hour (plus noise).
     */
    DAILY_PEAK,
    /** The pattern is an amount per day (WAL bytes); readings are a cumulative counter growing at that pace. */
    PER_DAY
  }

  public ResourceTruth {
    Objects.requireNonNull(instanceId, "instanceId");
    Objects.requireNonNull(resource, "resource");
    Objects.requireNonNull(pattern, "pattern");
    Objects.requireNonNull(capacity, "capacity");
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(reading, "reading");
  }

  /** Days from the origin to {@code at}. */
  public double days(Instant at) {
    return Duration.between(origin, at).toMillis() / 86_400_000.0;
  }

  /** The pattern's value at {@code at}, without noise. */
  public double valueAt(Instant at) {
    return pattern.value(days(at));
  }

  /**
   * When the pattern first reaches {@code fraction} of the capacity (at or after the origin);
   * empty without a capacity or when it does not within {@link Pattern#HORIZON_DAYS}.
   */
  public Optional<Instant> reaches(double fraction) {
    if (capacity.isEmpty()) {
      return Optional.empty();
    }
    OptionalDouble days = pattern.reach(fraction * capacity.getAsDouble());
    return days.isEmpty() ? Optional.empty()
        : Optional.of(origin.plusMillis(Math.round(days.getAsDouble() * 86_400_000.0)));
  }

  /** Days from {@code from} until {@link #reaches(double)}; negative when it was reached before {@code from}. */
  public OptionalDouble daysToFraction(double fraction, Instant from) {
    Optional<Instant> at = reaches(fraction);
    return at.isEmpty() ? OptionalDouble.empty()
        : OptionalDouble.of(Duration.between(from, at.get()).toMillis() / 86_400_000.0);
  }
}
