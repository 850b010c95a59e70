package dev.headroom.streams;

import dev.headroom.streams.alerts.AlertRule;
import dev.headroom.streams.capacity.CapacitySettings;
import dev.headroom.streams.deploys.DeploySettings;
import dev.headroom.streams.findings.FindingThresholds;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;

/** Every setting of the streams app, with its default, documentation and validation. */
public final class HeadroomStreamsConfig extends AbstractConfig {
  public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
  public static final String APPLICATION_ID = "application.id";
  public static final String PROCESSING_GUARANTEE = "processing.guarantee";
  public static final String STATE_DIR = "state.dir";
  public static final String NUM_STREAM_THREADS = "num.stream.threads";
  public static final String COMMIT_INTERVAL_MS = "commit.interval.ms";
  public static final String LATENCY_GRACE_MS = "latency.grace.ms";
  public static final String LATENCY_TOP_STATEMENTS = "latency.top.statements";
  public static final String LATENCY_MAX_SCOPES = "latency.max.scopes";
  public static final String LATENCY_IDLE_MS = "latency.idle.ms";
  public static final String NUM_STANDBY_REPLICAS = "num.standby.replicas";
  public static final String LATENCY_DEDUPE_RETENTION_MS = "latency.dedupe.retention.ms";
  public static final String DELTAS_FORGET_AFTER_MS = "deltas.forget.after.ms";
  public static final String ALERTS_RULES = "alerts.rules";
  public static final String ALERTS_CLEAR_MS = "alerts.clear.ms";
  public static final String TOPICS_PARTITIONS = "topics.partitions";
  public static final String TOPICS_REPLICATION_FACTOR = "topics.replication.factor";
  /** Settings under this prefix go to Kafka Streams and its clients as they are (TLS, SASL, tuning). */
  public static final String KAFKA_PREFIX = "kafka.";
  /** The producer's batch.size unless kafka.batch.size says otherwise. */
  static final int PRODUCER_BATCH_BYTES = 256 * 1024;

  public static final ConfigDef CONFIG_DEF = DeploySettings.define(CapacitySettings.define(FindingThresholds.define(
      new ConfigDef()
      .define(BOOTSTRAP_SERVERS, Type.STRING, "127.0.0.1:9092", new ConfigDef.NonEmptyString(), Importance.HIGH,
          "Kafka bootstrap servers.")
      .define(APPLICATION_ID, Type.STRING, "headroom-streams", new ConfigDef.NonEmptyString(), Importance.HIGH,
          "Kafka Streams application id: run more instances with the same id to spread the fleet.")
      .define(PROCESSING_GUARANTEE, Type.STRING, StreamsConfig.EXACTLY_ONCE_V2,
          ValidString.in(StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE), Importance.MEDIUM,
          "exactly_once_v2 (default: no result is lost or doubled) or at_least_once.")
      .define(STATE_DIR, Type.STRING, Path.of(System.getProperty("java.io.tmpdir"), "headroom-streams").toString(),
          Importance.MEDIUM, "Folder of the local state stores.")
      .define(NUM_STREAM_THREADS, Type.INT, 1, Range.between(1, 64), Importance.MEDIUM, "Stream threads of this instance.")
      .define(NUM_STANDBY_REPLICAS, Type.INT, 0, Range.between(0, 10), Importance.MEDIUM,
          "Warm copies of each task's state kept on other instances of the app, so a failover resumes without"
              + " replaying the changelogs; useful from two instances up.")
      .define(COMMIT_INTERVAL_MS, Type.LONG, 1_000L, Importance.LOW,
          "How often progress is committed: under exactly_once_v2 a transaction ends and what it wrote becomes"
              + " visible, under at_least_once this much work may be done twice after a crash. The results are per"
              + " minute, so a second costs nothing; Kafka's exactly-once default of 100 ms ends ten transactions a"
              + " second, each a producer flush the stream thread waits for and a commit marker on every partition"
              + " the task wrote.")
      .define(LATENCY_GRACE_MS, Type.LONG, 30_000L, Range.between(0, 86_400_000), Importance.MEDIUM,
          "How long a 1-minute latency window waits for late observations before it closes and is emitted.")
      .define(LATENCY_DEDUPE_RETENTION_MS, Type.LONG, TopologySettings.DEFAULT_DEDUPE_RETENTION.toMillis(),
          Range.between(60_000, 7 * 86_400_000L), Importance.LOW,
          "How long exact-sample ids are remembered (wall-clock time), so a copy the collector sends again (Debezium"
              + " after a restart, a re-read log, the spool after a crash) counts once. Costs one small store"
              + " entry per sample kept this long.")
      .define(ALERTS_RULES, Type.LIST, AlertRule.DEFAULTS, new Rules(), Importance.MEDIUM,
          "SLO rules, each name:metric:op:threshold:sustained:severity[:scopes]. Metrics: p50_ms, p95_ms, p99_ms,"
              + " max_ms and count of each scope's 1-minute latency windows; pool_efficiency of each PgBouncer pool"
              + " (scope pool:<database>/<user>; cl_active / (cl_active + cl_waiting), 0 to 1); cache_hit_ratio of"
              + " each database over a delta interval (scope db:<datname>, 0 to 1, intervals with fewer than"
              + " findings.cache.min.blocks block reads are not judged); replication_lag_s (scope replica:<name> on a"
              + " primary, instance on a standby). op > or <; sustained like 0s, 90s, 10m, 1h; severity warning,"
              + " critical or emergency; scopes a regular expression, by default instance for latency metrics and"
              + " every scope for the others. Transitions go to headroom.alerts.v1.")
      .define(ALERTS_CLEAR_MS, Type.LONG, TopologySettings.DEFAULT_ALERT_CLEAR.toMillis(), Range.between(0, 86_400_000),
          Importance.LOW, "How long a firing alert's condition must stay clear before it resolves; a shorter dip"
              + " keeps it firing without a message, which damps flapping.")
      .define(DELTAS_FORGET_AFTER_MS, Type.LONG, 86_400_000L, Range.between(600_000, 90 * 86_400_000L),
          Importance.LOW, "Objects (tables, statements, ...) not seen for this long in event time are forgotten by the"
              + " delta store; one seen again afterwards starts over with no delta. Longer than the longest section"
              + " interval and the longest collection gap you want bridged.")
      .define(LATENCY_TOP_STATEMENTS, Type.INT, 50, Range.between(0, 10_000), Importance.MEDIUM,
          "Per snapshot message and interval, the statements with the most execution time that get a "
              + "query:<queryid> latency scope of their own; the rest count towards the instance scope only. A statements "
              + "section split into parts allows this many per part.")
      .define(LATENCY_IDLE_MS, Type.LONG, TopologySettings.DEFAULT_LATENCY_IDLE.toMillis(),
          Range.between(0, 86_400_000), Importance.LOW,
          "Latency windows close by each scope's own event time (so a replay from a collector's spool is not"
              + " late); a scope whose time stays this far behind the partition's (its collector stopped) has its"
              + " open windows emitted anyway. At least latency.grace.ms.")
      .define(LATENCY_MAX_SCOPES, Type.INT, TopologySettings.DEFAULT_MAX_SCOPES, Range.between(1, 100_000),
          Importance.LOW, "Latency scopes of exact samples (app:..., db:..., from probes, logs and CDC) each instance"
              + " may have; samples of further scopes count towards <kind>:other (e.g. app:other), and a scope unseen"
              + " for a day gives its place up. Bounds the windows per instance whatever the collectors send.")
      .define(TOPICS_PARTITIONS, Type.INT, 6, Range.atLeast(1), Importance.LOW,
          "Partitions of the output topics created when missing.")
      .define(TOPICS_REPLICATION_FACTOR, Type.SHORT, (short) -1, Importance.LOW,
          "Replication factor of the topics created when missing; -1 takes the broker's default."))));

  public HeadroomStreamsConfig(Map<?, ?> props) {
    super(CONFIG_DEF, props, false);
    FindingThresholds.from(this); // a critical line below its warning names the setting
    CapacitySettings.from(this);
    if (getLong(LATENCY_IDLE_MS) < getLong(LATENCY_GRACE_MS)) {
      throw new ConfigException(LATENCY_IDLE_MS, getLong(LATENCY_IDLE_MS), "must be at least " + LATENCY_GRACE_MS);
    }
    short rf = getShort(TOPICS_REPLICATION_FACTOR);
    if (rf == 0 || rf < -1) {
      throw new ConfigException(TOPICS_REPLICATION_FACTOR, rf, "must be -1 (broker default) or at least 1");
    }
    Long commit = getLong(COMMIT_INTERVAL_MS);
    if (commit != null && commit < 1) {
      throw new ConfigException(COMMIT_INTERVAL_MS, commit, "must be at least 1");
    }
  }

  public TopologySettings topologySettings() {
    return new TopologySettings(TopologySettings.ONE_MINUTE, Duration.ofMillis(getLong(LATENCY_GRACE_MS)),
        getInt(LATENCY_TOP_STATEMENTS), Duration.ofMillis(getLong(LATENCY_DEDUPE_RETENTION_MS)),
        Duration.ofMillis(getLong(DELTAS_FORGET_AFTER_MS)),
        getList(ALERTS_RULES).stream().map(AlertRule::parse).toList(), Duration.ofMillis(getLong(ALERTS_CLEAR_MS)),
        FindingThresholds.from(this), getInt(LATENCY_MAX_SCOPES), CapacitySettings.from(this),
        Duration.ofMillis(getLong(LATENCY_IDLE_MS)), DeploySettings.from(this));
  }

  public Map<String, Object> kafkaClientConfig() {
    Map<String, Object> config = new HashMap<>(originalsWithPrefix(KAFKA_PREFIX));
    config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, getString(BOOTSTRAP_SERVERS));
    return config;
  }

  public Properties streamsProperties() {
    Properties props = new Properties();
    // A record whose processing fails is logged and skipped rather than stopping its partition
    // (unreadable input never gets that far: it is a dead letter). Overridable with kafka.*.
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueProcessingExceptionHandler.class);
    // A snapshot message becomes hundreds of deltas and changelog records at once: batches of
    // Kafka's default 16 kB meant many small produce requests, which cost the broker and the
    // producer's network thread CPU on the stream thread's cores. Overridable with kafka.batch.size.
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, PRODUCER_BATCH_BYTES);
    props.putAll(kafkaClientConfig());
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, getString(APPLICATION_ID));
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, getString(PROCESSING_GUARANTEE));
    props.put(StreamsConfig.STATE_DIR_CONFIG, getString(STATE_DIR));
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, getInt(NUM_STREAM_THREADS));
    props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, getInt(NUM_STANDBY_REPLICAS));
    if (getLong(COMMIT_INTERVAL_MS) != null) {
      props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, getLong(COMMIT_INTERVAL_MS));
    }
    short rf = getShort(TOPICS_REPLICATION_FACTOR);
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) rf);
    return props;
  }

  /** Every rule parses, and names are unique. */
  static final class Rules implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      java.util.Set<String> names = new java.util.HashSet<>();
      for (Object spec : (List<?>) value) {
        try {
          if (!names.add(AlertRule.parse(spec.toString()).name())) {
            throw new ConfigException(name, value, "rule names must be unique: " + spec);
          }
        } catch (IllegalArgumentException e) {
          throw new ConfigException(name, spec, e.getMessage());
        }
      }
    }

    @Override
    public String toString() {
      return "name:metric:op:threshold:sustained:severity[:scopes],...";
    }
  }
}
