package dev.headroom.simulator;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/** Every setting of the simulator, with its default, documentation and validation. */
public final class SimulatorConfig extends AbstractConfig {
  public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
  public static final String INSTANCES = "instances";
  public static final String INSTANCE_PREFIX = "instance.prefix";
  public static final String SEED = "seed";
  public static final String HISTORY_DAYS = "history.days";
  public static final String RECENT_DAYS = "recent.days";
  public static final String INTERVAL_MS = "interval.ms";
  public static final String HISTORY_INTERVAL_MS = "history.interval.ms";
  public static final String REALTIME = "realtime";
  public static final String DURATION_MS = "duration.ms";
  public static final String PATTERNS = "patterns";
  public static final String NOISE = "noise";
  public static final String SATURATION_FRACTION = "saturation.fraction";
  public static final String RUNWAY_MIN_DAYS = "runway.min.days";
  public static final String RUNWAY_MAX_DAYS = "runway.max.days";
  public static final String STATEMENTS = "statements";
  public static final String STATEMENTS_DRAWS = "statements.draws";
  public static final String DEPLOYS_PER_WEEK = "deploys.per.week";
  public static final String REGRESSION_PROBABILITY = "regression.probability";
  public static final String REGRESSION_FACTOR = "regression.factor";
  public static final String RESTARTS_PER_MONTH = "restarts.per.month";
  public static final String CRASH_FRACTION = "crash.fraction";
  public static final String STATS_RESETS_PER_MONTH = "stats.resets.per.month";
  public static final String MESSAGE_MAX_BYTES = "message.max.bytes";
  public static final String TRUTH_OUT = "truth.out";
  public static final String THREADS = "threads";
  public static final String TOPICS_PARTITIONS = "topics.partitions";
  public static final String TOPICS_REPLICATION_FACTOR = "topics.replication.factor";
  /** Settings under this prefix go to the Kafka producer and admin client without it (TLS, SASL). */
  public static final String KAFKA_PREFIX = "kafka.";
  /** Producer settings the simulator's guarantees depend on. */
  public static final Set<String> RESERVED_KAFKA_SETTINGS = Set.of("bootstrap.servers", "acks", "enable.idempotence",
      "key.serializer", "value.serializer");

  public static final ConfigDef CONFIG_DEF = new ConfigDef()
      .define(BOOTSTRAP_SERVERS, Type.STRING, "127.0.0.1:9092", new ConfigDef.NonEmptyString(), Importance.HIGH,
          "Kafka bootstrap servers the simulated snapshots and deploy events are published to.")
      .define(INSTANCES, Type.INT, 10, Range.between(1, 100_000), Importance.HIGH,
          "How many PostgreSQL instances to simulate.")
      .define(INSTANCE_PREFIX, Type.STRING, "sim/pg-", new ConfigDef.NonEmptyString(), Importance.LOW,
          "Instance ids are this prefix and a number from 001.")
      .define(SEED, Type.LONG, 1L, Importance.MEDIUM,
          "Seed of every random draw: the same seed and settings give the same fleet, the same messages and the "
              + "same truth.")
      .define(HISTORY_DAYS, Type.DOUBLE, 7.0, Range.between(0, 3_650), Importance.HIGH,
          "Days of history published as fast as Kafka takes them, in event time, ending now.")
      .define(RECENT_DAYS, Type.DOUBLE, 1.0, Range.between(0, 3_650), Importance.MEDIUM,
          "The last days of the history are snapshotted every interval.ms; older history every "
              + "history.interval.ms.")
      .define(INTERVAL_MS, Type.LONG, 60_000L, Range.between(1_000, 86_400_000), Importance.HIGH,
          "Collection interval of the recent history and of real time. Tables, indexes, sequences, settings and "
              + "database sizes are read every 5 minutes (rounded to a multiple), as the collector does by default.")
      .define(HISTORY_INTERVAL_MS, Type.LONG, 3_600_000L, Range.between(1_000, 86_400_000), Importance.MEDIUM,
          "Collection interval of the history older than recent.days, rounded up to a multiple of interval.ms: "
              + "coarser, so that months of history take minutes to publish.")
      .define(REALTIME, Type.BOOLEAN, false, Importance.HIGH,
          "After the history, go on in real time: one snapshot per interval.ms of wall-clock time.")
      .define(DURATION_MS, Type.LONG, 0L, Range.atLeast(0), Importance.MEDIUM,
          "How long real time runs; 0 runs until stopped.")
      .define(PATTERNS, Type.STRING, PatternMix.DEFAULT, new Patterns(), Importance.HIGH,
          "Weights of the growth patterns each (instance, resource) is drawn from: flat, linear, exponential, "
              + "weekly (a linear trend with a weekly rhythm) and step (a linear trend with a one-off jump). "
              + "Sequences never draw weekly.")
      .define(NOISE, Type.DOUBLE, 0.01, Range.between(0, 0.49), Importance.MEDIUM,
          "Relative standard deviation of readings around their pattern (connections, CPU, pool clients, WAL "
              + "rate, slot WAL); sizes and transaction-ID ages get a tenth of it, sequences none.")
      .define(SATURATION_FRACTION, Type.DOUBLE, 0.8, Range.between(0.01, 1), Importance.MEDIUM,
          "Fraction of capacity a growing resource is planned to reach a runway after now; the truth gives the "
              + "time it does.")
      .define(RUNWAY_MIN_DAYS, Type.DOUBLE, 14.0, Range.between(0.1, 36_500), Importance.MEDIUM,
          "Shortest runway: days from now until a growing resource reaches saturation.fraction (drawn "
              + "log-uniformly up to runway.max.days).")
      .define(RUNWAY_MAX_DAYS, Type.DOUBLE, 365.0, Range.between(0.1, 36_500), Importance.MEDIUM,
          "Longest runway; must not be below runway.min.days.")
      .define(STATEMENTS, Type.INT, 25, Range.between(1, 5_000), Importance.MEDIUM,
          "pg_stat_statements entries per instance at the start (a deploy may add one).")
      .define(STATEMENTS_DRAWS, Type.INT, 16, Range.between(1, 100_000), Importance.LOW,
          "Most execution times drawn one by one per statement and interval; more calls repeat them, so the "
              + "moments stay exact while the cost stays bounded.")
      .define(DEPLOYS_PER_WEEK, Type.DOUBLE, 2.0, Range.between(0, 1_000), Importance.MEDIUM,
          "Mean deploys per instance and week, published on headroom.events.v1.")
      .define(REGRESSION_PROBABILITY, Type.DOUBLE, 0.25, Range.between(0, 1), Importance.MEDIUM,
          "Chance that a deploy slows every statement of its instance down by regression.factor (until the next "
              + "deploy).")
      .define(REGRESSION_FACTOR, Type.DOUBLE, 1.5, Range.between(1, 1_000), Importance.MEDIUM,
          "By how much a regressing deploy multiplies every execution time, so every percentile.")
      .define(RESTARTS_PER_MONTH, Type.DOUBLE, 1.0, Range.between(0, 10_000), Importance.MEDIUM,
          "Mean restarts per instance and 30 days; crash.fraction of them are crashes.")
      .define(CRASH_FRACTION, Type.DOUBLE, 0.3, Range.between(0, 1), Importance.MEDIUM,
          "Share of restarts that are crashes: the cumulative statistics restart from zero. A clean restart keeps "
              + "them.")
      .define(STATS_RESETS_PER_MONTH, Type.DOUBLE, 0.5, Range.between(0, 10_000), Importance.MEDIUM,
          "Mean statistics resets (pg_stat_statements_reset and pg_stat_reset) per instance and 30 days.")
      .define(MESSAGE_MAX_BYTES, Type.INT, 900_000, Range.between(10_000, 50_000_000), Importance.LOW,
          "Largest snapshot message; larger sections are split into parts, as the collector does.")
      .define(TRUTH_OUT, Type.STRING, "", Importance.MEDIUM,
          "File the truth is written to as JSON before publishing starts (patterns, parameters, capacities, "
              + "saturation times, incidents); empty writes none.")
      .define(THREADS, Type.INT, 2, Range.between(1, 64), Importance.LOW,
          "Threads that generate snapshots; one more sends them.")
      .define(TOPICS_PARTITIONS, Type.INT, 6, Range.atLeast(1), Importance.LOW,
          "Partitions of the snapshots and events topics when the simulator creates them.")
      .define(TOPICS_REPLICATION_FACTOR, Type.SHORT, (short) -1, Importance.LOW,
          "Replication factor of the topics the simulator creates; -1 takes the broker's default.");

  public SimulatorConfig(Map<?, ?> props) {
    super(CONFIG_DEF, props, false);
    if (getDouble(RUNWAY_MAX_DAYS) < getDouble(RUNWAY_MIN_DAYS)) {
      throw new ConfigException(RUNWAY_MAX_DAYS, getDouble(RUNWAY_MAX_DAYS),
          "must not be below " + RUNWAY_MIN_DAYS + " (" + getDouble(RUNWAY_MIN_DAYS) + ")");
    }
    short rf = getShort(TOPICS_REPLICATION_FACTOR);
    if (rf == 0 || rf < -1) {
      throw new ConfigException(TOPICS_REPLICATION_FACTOR, rf, "must be -1 (broker default) or at least 1");
    }
    if (getDouble(HISTORY_DAYS) == 0 && !getBoolean(REALTIME)) {
      throw new ConfigException(HISTORY_DAYS, 0, "nothing to simulate: give some history or run in real time");
    }
    for (String key : originalsWithPrefix(KAFKA_PREFIX).keySet()) {
      if (RESERVED_KAFKA_SETTINGS.contains(key)) {
        throw new ConfigException(KAFKA_PREFIX + key, "(hidden)", "set by the simulator itself; it cannot be overridden");
      }
      if (!ProducerConfig.configNames().contains(key) && !AdminClientConfig.configNames().contains(key)) {
        throw new ConfigException(KAFKA_PREFIX + key, "(hidden)", "not a Kafka producer or admin setting");
      }
    }
  }

  /** The history interval as used: at least the interval, rounded up to a multiple of it. */
  public long historyIntervalMs() {
    long interval = getLong(INTERVAL_MS);
    return Math.max(1, (getLong(HISTORY_INTERVAL_MS) + interval - 1) / interval) * interval;
  }

  /** How far ahead incidents are planned: the real-time duration, or a year when it runs until stopped. */
  public Duration realtimeSpan() {
    if (!getBoolean(REALTIME)) {
      return Duration.ZERO;
    }
    long ms = getLong(DURATION_MS);
    return ms == 0 ? Duration.ofDays(365) : Duration.ofMillis(ms);
  }

  /** The fleet to simulate, with the history ending at {@code now}. */
  public FleetSpec fleetSpec(Instant now) {
    return FleetSpec.builder()
        .seed(getLong(SEED))
        .instances(getInt(INSTANCES))
        .idPrefix(getString(INSTANCE_PREFIX))
        .now(now)
        .historyDays(getDouble(HISTORY_DAYS))
        .realtime(realtimeSpan())
        .intervalMs(getLong(INTERVAL_MS))
        .historyIntervalMs(historyIntervalMs())
        .recentDays(getDouble(RECENT_DAYS))
        .patterns(PatternMix.parse(getString(PATTERNS)))
        .noise(getDouble(NOISE))
        .saturationFraction(getDouble(SATURATION_FRACTION))
        .runwayDays(getDouble(RUNWAY_MIN_DAYS), getDouble(RUNWAY_MAX_DAYS))
        .statements(getInt(STATEMENTS))
        .drawsMax(getInt(STATEMENTS_DRAWS))
        .deploysPerWeek(getDouble(DEPLOYS_PER_WEEK))
        .regression(getDouble(REGRESSION_PROBABILITY), getDouble(REGRESSION_FACTOR))
        .restartsPerMonth(getDouble(RESTARTS_PER_MONTH))
        .crashFraction(getDouble(CRASH_FRACTION))
        .statsResetsPerMonth(getDouble(STATS_RESETS_PER_MONTH))
        .messageMaxBytes(getInt(MESSAGE_MAX_BYTES))
        .build();
  }

  /** Client settings: bootstrap servers and everything under {@value #KAFKA_PREFIX}. */
  public Map<String, Object> clientConfig() {
    Map<String, Object> out = new java.util.HashMap<>(originalsWithPrefix(KAFKA_PREFIX));
    out.put(BOOTSTRAP_SERVERS, getString(BOOTSTRAP_SERVERS));
    return out;
  }

  /** A weight list {@link PatternMix#parse} accepts. */
  static final class Patterns implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      try {
        PatternMix.parse(String.valueOf(value));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(name, value, e.getMessage());
      }
    }

    @Override
    public String toString() {
      return "kind=weight,… of flat, linear, exponential, weekly, step";
    }
  }
}
