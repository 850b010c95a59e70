package dev.headroom.sink;

import dev.headroom.schemas.JdbcUrls;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/** Every setting of the sink, with its default, documentation and validation. */
public final class SinkConfig extends AbstractConfig {
  public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
  public static final String URL = "url";
  public static final String USER = "user";
  public static final String PASSWORD = "password";
  /** Environment variable read when {@value #PASSWORD} is empty, so the password stays out of files. */
  public static final String PASSWORD_ENV = "HEADROOM_SINK_PASSWORD";
  public static final String OWNER_USER = "owner.user";
  public static final String OWNER_PASSWORD = "owner.password";
  /** Environment variable read when {@value #OWNER_PASSWORD} is empty. */
  public static final String OWNER_PASSWORD_ENV = "HEADROOM_SINK_OWNER_PASSWORD";
  public static final String GROUP_ID = "group.id";
  public static final String TOPICS_PARTITIONS = "topics.partitions";
  public static final String TOPICS_REPLICATION_FACTOR = "topics.replication.factor";
  public static final String BATCH_MAX_RECORDS = "batch.max.records";
  public static final String POLL_TIMEOUT_MS = "poll.timeout.ms";
  public static final String RETRY_BACKOFF_INITIAL_MS = "retry.backoff.initial.ms";
  public static final String RETRY_BACKOFF_MAX_MS = "retry.backoff.max.ms";
  public static final String TABLES = "tables";
  public static final String METRICS_PORT = "metrics.port";
  public static final String METRICS_BIND = "metrics.bind";
  public static final String RETENTION_CHECK_INTERVAL_MS = "retention.check.interval.ms";
  /** Per table, {@code table.<name>.chunk.interval}: see {@link #chunkIntervalKey(ResultTable)}. */
  public static final String TABLE_PREFIX = "table.";
  /**
   * Settings under this prefix go to the Kafka consumer, producer and admin client without it (TLS,
   * SASL, timeouts), each client getting the ones it knows. A key no client knows, or one the sink
   * sets itself ({@link #RESERVED_KAFKA_SETTINGS}), is rejected.
   */
  public static final String KAFKA_PREFIX = "kafka.";
  /** Client settings the sink's guarantees depend on; they cannot be overridden with {@value #KAFKA_PREFIX}. */
  public static final Set<String> RESERVED_KAFKA_SETTINGS = Set.of("bootstrap.servers", "group.id",
      "enable.auto.commit", "isolation.level", "auto.offset.reset", "max.poll.records", "key.deserializer",
      "value.deserializer", "key.serializer", "value.serializer", "acks", "enable.idempotence");

  /**
   * Intervals reach SQL as bound {@code interval} parameters and partition bounds are computed from
   * them, so only this plain form is accepted: a positive count and one fixed-length unit.
   */
  static final Pattern INTERVAL = Pattern.compile("^([1-9]\\d{0,5}) (second|minute|hour|day|week)s?$");
  /** A retention that keeps every row. */
  public static final String FOREVER = "forever";
  /** A compression age that compresses nothing. */
  public static final String OFF = "off";

  public static final ConfigDef CONFIG_DEF = tableSettings(new ConfigDef()
      .define(BOOTSTRAP_SERVERS, Type.STRING, "127.0.0.1:9092", new ConfigDef.NonEmptyString(), Importance.HIGH,
          "Kafka bootstrap servers the result topics are read from.")
      .define(URL, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new JdbcUrl(), Importance.HIGH,
          "JDBC URL of the TimescaleDB or plain PostgreSQL database the sink writes, e.g. "
              + "jdbc:postgresql://tsdb:5432/headroom. The schema is created and migrated with Flyway on start. "
              + "Logged only with credentials removed.")
      .define(USER, Type.STRING, "postgres", Importance.HIGH,
          "Role the sink writes rows as; it wins over a user in the URL. Without " + OWNER_USER + " it is also the "
              + "owner: it creates the tables (and the timescaledb extension, where available).")
      .define(PASSWORD, Type.PASSWORD, "", Importance.HIGH,
          "Password of the role. When empty, the environment variable " + PASSWORD_ENV
              + " is used; when that is empty too, the URL or ~/.pgpass decides. Never logged.")
      .define(OWNER_USER, Type.STRING, "", Importance.MEDIUM,
          "Role that owns the schema, when the writing role (" + USER + ") is to own nothing: it migrates the schema, "
              + "grants the writer SELECT, INSERT and UPDATE on the sink's tables, and creates and drops partitions "
              + "and chunks. Empty: " + USER + " does all of it.")
      .define(OWNER_PASSWORD, Type.PASSWORD, "", Importance.MEDIUM,
          "Password of " + OWNER_USER + ". When empty, the environment variable " + OWNER_PASSWORD_ENV
              + " is used; when that is empty too, ~/.pgpass decides. Never logged.")
      .define(GROUP_ID, Type.STRING, "headroom-sink", new ConfigDef.NonEmptyString(), Importance.HIGH,
          "Kafka consumer group. The group's positions are stored in the database (sink_offsets) in the same "
              + "transaction as the rows; the offsets committed to Kafka are there for lag monitoring only.")
      .define(TOPICS_PARTITIONS, Type.INT, 6, Range.atLeast(1), Importance.LOW,
          "Partitions of the dead-letter topic when the sink creates it.")
      .define(TOPICS_REPLICATION_FACTOR, Type.SHORT, (short) -1, Importance.LOW,
          "Replication factor of the dead-letter topic when the sink creates it; -1 takes the broker's default.")
      .define(BATCH_MAX_RECORDS, Type.INT, 5_000, Range.between(1, 1_000_000), Importance.MEDIUM,
          "Most records read in one poll and written in one database transaction. The sink holds at most "
              + "two such batches in memory: the one being written (or waiting for the database) and the next.")
      .define(POLL_TIMEOUT_MS, Type.LONG, 500L, Range.between(1, 60_000), Importance.LOW,
          "How long one poll waits for records.")
      .define(RETRY_BACKOFF_INITIAL_MS, Type.LONG, 500L, Range.between(1, 3_600_000), Importance.MEDIUM,
          "Wait before the first retry after a failed database write; it doubles with every failure in a row.")
      .define(RETRY_BACKOFF_MAX_MS, Type.LONG, 30_000L, Range.between(1, 3_600_000), Importance.MEDIUM,
          "Longest wait between retries of a failed database write. Must not be below "
              + RETRY_BACKOFF_INITIAL_MS + ".")
      .define(TABLES, Type.LIST, Arrays.stream(ResultTable.values()).map(ResultTable::tableName).toList(),
          new TableList(), Importance.MEDIUM,
          "The tables written, each from its result topic. All tables are created; a table left out is not "
              + "written and its topic not read. deltas is by far the largest (one row per object and interval).")
      .define(METRICS_PORT, Type.INT, 9189, Range.between(-1, 65535), Importance.MEDIUM,
          "Port of the sink's Prometheus endpoint (/metrics): rows written per table, batch latency, lag, retries, "
              + "dead letters; -1 turns it off, 0 takes a free port.")
      .define(METRICS_BIND, Type.STRING, "127.0.0.1", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
          "Address the metrics endpoint listens on; 0.0.0.0 lets a Prometheus on another host scrape it.")
      .define(RETENTION_CHECK_INTERVAL_MS, Type.LONG, 3_600_000L, Range.between(1_000, 604_800_000), Importance.LOW,
          "How often the sink drops the chunks (TimescaleDB) or partitions (plain PostgreSQL) older than each "
              + "table's retention. It runs between batches, on the sink's own thread, once at start too."));

  private static ConfigDef tableSettings(ConfigDef def) {
    for (ResultTable table : ResultTable.values()) {
      def.define(chunkIntervalKey(table), Type.STRING, table.defaultChunkInterval(), new Interval(null), Importance.LOW,
          "Time range of one chunk (TimescaleDB) or partition (plain PostgreSQL) of " + table.tableName()
              + ", e.g. '1 day' or '6 hours'. A change applies to chunks and partitions created afterwards.");
      def.define(retentionKey(table), Type.STRING, table.defaultRetention(), new Interval(FOREVER), Importance.MEDIUM,
          "How long rows of " + table.tableName() + " are kept, by their " + table.timeColumn() + ", e.g. '30 days', "
              + "or 'forever'. Whole chunks or partitions are dropped once all their rows are older.");
      def.define(compressAfterKey(table), Type.STRING, table.defaultCompressAfter(), new Interval(OFF), Importance.LOW,
          "Only with TimescaleDB under the Timescale licence (timescaledb.license = timescale): age after which "
              + "chunks of " + table.tableName() + " are compressed by TimescaleDB's compression policy (segmented by "
              + "instance_id; latency_windows also by scope and window size), or 'off'. Ignored on the Apache "
              + "edition and on plain PostgreSQL.");
    }
    return def;
  }

  private final Function<String, String> environment;

  public SinkConfig(Map<?, ?> props) {
    this(props, System::getenv);
  }

  /** With the environment as a parameter, so the password fallback can be tested. */
  SinkConfig(Map<?, ?> props, Function<String, String> environment) {
    // No logging of the values here: the URL may carry a password.
    super(CONFIG_DEF, props, false);
    this.environment = environment;
    short rf = getShort(TOPICS_REPLICATION_FACTOR);
    if (rf == 0 || rf < -1) {
      throw new ConfigException(TOPICS_REPLICATION_FACTOR, rf, "must be -1 (broker default) or at least 1");
    }
    if (getLong(RETRY_BACKOFF_MAX_MS) < getLong(RETRY_BACKOFF_INITIAL_MS)) {
      throw new ConfigException(RETRY_BACKOFF_MAX_MS, getLong(RETRY_BACKOFF_MAX_MS),
          "must not be below " + RETRY_BACKOFF_INITIAL_MS + " (" + getLong(RETRY_BACKOFF_INITIAL_MS) + ")");
    }
    for (String key : originalsWithPrefix(KAFKA_PREFIX).keySet()) {
      if (RESERVED_KAFKA_SETTINGS.contains(key)) {
        throw new ConfigException(KAFKA_PREFIX + key, "(hidden)", "set by the sink itself; it cannot be overridden");
      }
      if (!ConsumerConfig.configNames().contains(key) && !ProducerConfig.configNames().contains(key)
          && !AdminClientConfig.configNames().contains(key)) {
        // The value is not echoed: it may be a secret (sasl.jaas.config, ssl.key.password).
        throw new ConfigException(KAFKA_PREFIX + key, "(hidden)", "not a Kafka consumer, producer or admin setting");
      }
    }
  }

  public static SinkConfig fromMap(Map<String, ?> props) {
    return new SinkConfig(props);
  }

  public String url() {
    return getString(URL);
  }

  /** The URL as it may be logged. */
  public String redactedUrl() {
    return JdbcUrls.redact(url());
  }

  public String user() {
    return getString(USER);
  }

  /** The password from the setting, else from {@value #PASSWORD_ENV}; empty when neither is set. */
  public Optional<String> password() {
    Password configured = getPassword(PASSWORD);
    if (configured != null && !configured.value().isEmpty()) {
      return Optional.of(configured.value());
    }
    String env = environment.apply(PASSWORD_ENV);
    return env == null || env.isEmpty() ? Optional.empty() : Optional.of(env);
  }

  /** The owning role, when it is not {@link #user()}. */
  public Optional<String> ownerUser() {
    String owner = getString(OWNER_USER);
    return owner.isEmpty() || owner.equals(user()) ? Optional.empty() : Optional.of(owner);
  }

  /** The owner's password from the setting, else from {@value #OWNER_PASSWORD_ENV}; empty when neither is set. */
  public Optional<String> ownerPassword() {
    Password configured = getPassword(OWNER_PASSWORD);
    if (configured != null && !configured.value().isEmpty()) {
      return Optional.of(configured.value());
    }
    String env = environment.apply(OWNER_PASSWORD_ENV);
    return env == null || env.isEmpty() ? Optional.empty() : Optional.of(env);
  }

  public String groupId() {
    return getString(GROUP_ID);
  }

  public int batchMaxRecords() {
    return getInt(BATCH_MAX_RECORDS);
  }

  public Duration pollTimeout() {
    return Duration.ofMillis(getLong(POLL_TIMEOUT_MS));
  }

  public Duration retryBackoffInitial() {
    return Duration.ofMillis(getLong(RETRY_BACKOFF_INITIAL_MS));
  }

  public Duration retryBackoffMax() {
    return Duration.ofMillis(getLong(RETRY_BACKOFF_MAX_MS));
  }

  public static String chunkIntervalKey(ResultTable table) {
    return TABLE_PREFIX + table.tableName() + ".chunk.interval";
  }

  public static String retentionKey(ResultTable table) {
    return TABLE_PREFIX + table.tableName() + ".retention";
  }

  public static String compressAfterKey(ResultTable table) {
    return TABLE_PREFIX + table.tableName() + ".compress.after";
  }

  /** Age after which the table's chunks are compressed (Timescale licence only), as vetted text; empty when off. */
  public Optional<String> compressAfter(ResultTable table) {
    String value = getString(compressAfterKey(table));
    return OFF.equals(value) ? Optional.empty() : Optional.of(value);
  }

  /** The table's chunk or partition interval, as vetted text such as {@code 1 day}. */
  public String chunkInterval(ResultTable table) {
    return getString(chunkIntervalKey(table));
  }

  /** The table's chunk or partition interval. */
  public Duration chunkDuration(ResultTable table) {
    return duration(chunkInterval(table));
  }

  /** How long the table's rows are kept; empty for ever. */
  public Optional<Duration> retention(ResultTable table) {
    String value = getString(retentionKey(table));
    return FOREVER.equals(value) ? Optional.empty() : Optional.of(duration(value));
  }

  /** The tables written, in the order of {@link ResultTable}. */
  public List<ResultTable> tables() {
    Set<String> names = Set.copyOf(getList(TABLES));
    return Arrays.stream(ResultTable.values()).filter(t -> names.contains(t.tableName())).toList();
  }

  public Duration retentionCheckInterval() {
    return Duration.ofMillis(getLong(RETENTION_CHECK_INTERVAL_MS));
  }

  /** The length of a vetted interval ({@link #INTERVAL}). */
  static Duration duration(String interval) {
    Matcher m = INTERVAL.matcher(interval);
    if (!m.matches()) {
      throw new IllegalArgumentException("not an interval: " + interval);
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "second" -> Duration.ofSeconds(n);
      case "minute" -> Duration.ofMinutes(n);
      case "hour" -> Duration.ofHours(n);
      case "day" -> Duration.ofDays(n);
      default -> Duration.ofDays(7 * n);
    };
  }

  /** Settings for the consumer: the {@value #KAFKA_PREFIX} ones it knows, and the bootstrap servers. */
  public Map<String, Object> consumerConfig() {
    return clientConfig(ConsumerConfig.configNames());
  }

  /** Settings for the producer: the {@value #KAFKA_PREFIX} ones it knows, and the bootstrap servers. */
  public Map<String, Object> producerConfig() {
    return clientConfig(ProducerConfig.configNames());
  }

  /** Settings for the admin client: the {@value #KAFKA_PREFIX} ones it knows, and the bootstrap servers. */
  public Map<String, Object> adminConfig() {
    return clientConfig(AdminClientConfig.configNames());
  }

  private Map<String, Object> clientConfig(Set<String> known) {
    // Each client gets only the settings it knows, so none of them warns about the others' settings.
    Map<String, Object> config = new HashMap<>();
    originalsWithPrefix(KAFKA_PREFIX).forEach((key, value) -> {
      if (known.contains(key)) {
        config.put(key, value);
      }
    });
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, getString(BOOTSTRAP_SERVERS));
    return config;
  }

  /** Accepts PostgreSQL JDBC URLs only; a rejected URL is shown redacted. */
  static final class JdbcUrl implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      if (value == null || !value.toString().startsWith("jdbc:postgresql:")) {
        throw new ConfigException(name, value == null ? null : JdbcUrls.redact(value.toString()),
            "must be a PostgreSQL JDBC URL starting with jdbc:postgresql:");
      }
    }

    @Override
    public String toString() {
      return "jdbc:postgresql://host:port/database";
    }
  }

  /**
   * A count and a unit, nothing else (see {@link #INTERVAL}); for a retention also
   * {@value #FOREVER}, for a compression age also {@value #OFF}.
   */
  static final class Interval implements ConfigDef.Validator {
    /** The one word also accepted, or null. */
    private final String word;

    Interval(String word) {
      this.word = word;
    }

    @Override
    public void ensureValid(String name, Object value) {
      if (value != null && word != null && word.equals(value)) {
        return;
      }
      if (value == null || !INTERVAL.matcher(value.toString()).matches()) {
        throw new ConfigException(name, value, "must be a count and a unit, e.g. '1 day' or '6 hours' "
            + "(units: second, minute, hour, day, week)" + (word != null ? ", or '" + word + "'" : ""));
      }
    }

    @Override
    public String toString() {
      return "<n> second|minute|hour|day|week[s]" + (word != null ? " | " + word : "");
    }
  }

  /** Names of result tables, each at most once. */
  static final class TableList implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      List<?> names = (List<?>) value;
      Set<String> known = new TreeSet<>();
      Arrays.stream(ResultTable.values()).forEach(t -> known.add(t.tableName()));
      Set<Object> seen = new HashSet<>();
      for (Object table : names) {
        if (!known.contains(String.valueOf(table))) {
          throw new ConfigException(name, value, "unknown table " + table + "; the tables are " + known);
        }
        if (!seen.add(table)) {
          throw new ConfigException(name, value, "table " + table + " is listed twice");
        }
      }
    }

    @Override
    public String toString() {
      return "a list of " + Arrays.stream(ResultTable.values()).map(ResultTable::tableName).toList();
    }
  }
}
