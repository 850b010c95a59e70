package dev.headroom.simulator;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What to simulate: how many instances, over which stretch of event time, how their resources
 * grow and how often things happen to them. Everything random is drawn from {@code seed}, so the
 * same spec gives the same messages and the same truth.
 *
 * @param origin the start of the history (day 0 of every pattern)
 * @param now the end of the history; patterns are planned to saturate a runway after it
 * @param until the end of what is planned (incidents), at least {@code now}: real time runs on to it
 * @param intervalMs the collection interval of the recent history and of real time
 * @param historyIntervalMs the coarser interval of the history older than {@code recentDays}
 * @param noise relative standard deviation of fluctuating readings (connections, CPU, pools, WAL
 *     rate, slot WAL); sizes and transaction-ID ages get a tenth of it, sequences none
 * @param runwayMinDays shortest time from {@code now} until a growing resource reaches
 *     {@code saturationFraction} of its capacity (drawn log-uniformly up to {@code runwayMaxDays})
 * @param statements statements per instance at the start (each deploy may add one)
 * @param drawsMax most calls drawn one by one per statement and interval; the others repeat them
 * @param scheduled incidents at given times, besides the random ones
 */
public record FleetSpec(long seed, int instances, String idPrefix, Instant origin, Instant now, Instant until,
    long intervalMs, long historyIntervalMs, double recentDays, PatternMix patterns, double noise,
    double saturationFraction, double runwayMinDays, double runwayMaxDays, int statements, int drawsMax,
    double deploysPerWeek, double regressionProbability, double regressionFactor, double restartsPerMonth,
    double crashFraction, double statsResetsPerMonth, int messageMaxBytes, List<Incident> scheduled) {

  public FleetSpec {
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(until, "until");
    Objects.requireNonNull(patterns, "patterns");
    scheduled = List.copyOf(scheduled);
    require(instances >= 1, "instances must be at least 1");
    require(!now.isBefore(origin), "now must not be before origin");
    require(!until.isBefore(now), "until must not be before now");
    require(intervalMs >= 1_000, "intervalMs must be at least 1000");
    require(historyIntervalMs >= intervalMs && historyIntervalMs % intervalMs == 0,
        "historyIntervalMs must be a multiple of intervalMs");
    require(recentDays >= 0, "recentDays must not be negative");
    require(noise >= 0 && noise < 0.5, "noise must be in [0, 0.5)");
    require(saturationFraction > 0 && saturationFraction <= 1, "saturationFraction must be in (0, 1]");
    require(runwayMinDays > 0 && runwayMaxDays >= runwayMinDays, "runway days must be positive, min <= max");
    require(statements >= 1, "statements must be at least 1");
    require(drawsMax >= 1, "drawsMax must be at least 1");
    require(deploysPerWeek >= 0 && restartsPerMonth >= 0 && statsResetsPerMonth >= 0, "rates must not be negative");
    require(regressionProbability >= 0 && regressionProbability <= 1, "regressionProbability must be in [0, 1]");
    require(regressionFactor >= 1, "regressionFactor must be at least 1");
    require(crashFraction >= 0 && crashFraction <= 1, "crashFraction must be in [0, 1]");
    require(messageMaxBytes >= 10_000, "messageMaxBytes must be at least 10000");
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }

  /** The id of instance {@code index} (0-based): the prefix and a 3-digit number from 1. */
  public String instanceId(int index) {
    return idPrefix + String.format("%03d", index + 1);
  }

  public double historyDays() {
    return Duration.between(origin, now).toMillis() / 86_400_000.0;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Defaults as the simulate command has them; {@code now} is required. */
  public static final class Builder {
    private long seed = 1;
    private int instances = 10;
    private String idPrefix = "sim/pg-";
    private Instant now;
    private double historyDays = 7;
    private Duration realtime = Duration.ZERO;
    private long intervalMs = 60_000;
    private long historyIntervalMs = 3_600_000;
    private double recentDays = 1;
    private PatternMix patterns = PatternMix.parse(PatternMix.DEFAULT);
    private double noise = 0.01;
    private double saturationFraction = 0.8;
    private double runwayMinDays = 14;
    private double runwayMaxDays = 365;
    private int statements = 25;
    private int drawsMax = 16;
    private double deploysPerWeek = 2;
    private double regressionProbability = 0.25;
    private double regressionFactor = 1.5;
    private double restartsPerMonth = 1;
    private double crashFraction = 0.3;
    private double statsResetsPerMonth = 0.5;
    private int messageMaxBytes = 900_000;
    private List<Incident> scheduled = List.of();

    public Builder seed(long v) { seed = v; return this; }
    public Builder instances(int v) { instances = v; return this; }
    public Builder idPrefix(String v) { idPrefix = v; return this; }
    public Builder now(Instant v) { now = v; return this; }
    public Builder historyDays(double v) { historyDays = v; return this; }
    /** How much event time is planned after {@code now}, for a real-time run. */
    public Builder realtime(Duration v) { realtime = v; return this; }
    public Builder intervalMs(long v) { intervalMs = v; return this; }
    public Builder historyIntervalMs(long v) { historyIntervalMs = v; return this; }
    public Builder recentDays(double v) { recentDays = v; return this; }
    public Builder patterns(PatternMix v) { patterns = v; return this; }
    public Builder noise(double v) { noise = v; return this; }
    public Builder saturationFraction(double v) { saturationFraction = v; return this; }
    public Builder runwayDays(double min, double max) { runwayMinDays = min; runwayMaxDays = max; return this; }
    public Builder statements(int v) { statements = v; return this; }
    public Builder drawsMax(int v) { drawsMax = v; return this; }
    public Builder deploysPerWeek(double v) { deploysPerWeek = v; return this; }
    public Builder regression(double probability, double factor) {
      regressionProbability = probability;
      regressionFactor = factor;
      return this;
    }
    public Builder restartsPerMonth(double v) { restartsPerMonth = v; return this; }
    public Builder crashFraction(double v) { crashFraction = v; return this; }
    public Builder statsResetsPerMonth(double v) { statsResetsPerMonth = v; return this; }
    public Builder messageMaxBytes(int v) { messageMaxBytes = v; return this; }
    public Builder scheduled(List<Incident> v) { scheduled = v; return this; }

    /** No random deploys, restarts, crashes or resets: only the scheduled ones. */
    public Builder quiet() {
      deploysPerWeek = 0;
      restartsPerMonth = 0;
      statsResetsPerMonth = 0;
      return this;
    }

    public FleetSpec build() {
      Objects.requireNonNull(now, "now");
      if (!(historyDays >= 0)) {
        throw new IllegalArgumentException("historyDays must not be negative");
      }
      Instant origin = now.minusMillis(Math.round(historyDays * 86_400_000.0));
      return new FleetSpec(seed, instances, idPrefix, origin, now, now.plus(realtime), intervalMs, historyIntervalMs,
          recentDays, patterns, noise, saturationFraction, runwayMinDays, runwayMaxDays, statements, drawsMax,
          deploysPerWeek, regressionProbability, regressionFactor, restartsPerMonth, crashFraction,
          statsResetsPerMonth, messageMaxBytes, scheduled);
    }
  }
}
