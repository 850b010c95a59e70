package dev.headroom.collector;

import dev.headroom.collector.cdc.CdcOptions;
import dev.headroom.collector.cdc.PgTarget;
import dev.headroom.collector.logs.DurationLogFollower;
import java.util.List;
import java.util.Properties;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/** Every setting of the collector agent, with its default, documentation and validation. */
public final class CollectorConfig extends AbstractConfig {
  public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
  public static final String INSTANCE_ID = "instance.id";
  public static final String INSTANCE_CLUSTER = "instance.cluster";
  public static final String AGENT_ID = "agent.id";
  public static final String TARGET_URL = "target.url";
  public static final String TARGET_USER = "target.user";
  public static final String TARGET_PASSWORD = "target.password";
  public static final String TARGET_PASSWORD_ENV = "HEADROOM_TARGET_PASSWORD";
  public static final String TARGET_PASSWORD_FILE = "target.password.file";
  public static final String INTERVAL_MS = "interval.ms";
  public static final String PROBE_INTERVAL_MS = "probe.interval.ms";
  public static final String PROBE_QUERY = "probe.query";
  public static final String HOST_METRICS = "host.metrics";
  public static final String HOST_DATA_DIRECTORY = "host.data.directory";
  public static final String PGBOUNCER_URL = "pgbouncer.url";
  public static final String PGBOUNCER_USER = "pgbouncer.user";
  public static final String PGBOUNCER_PASSWORD = "pgbouncer.password";
  public static final String PGBOUNCER_PASSWORD_ENV = "HEADROOM_PGBOUNCER_PASSWORD";
  public static final String STATEMENT_TIMEOUT_MS = "statement.timeout.ms";
  public static final String LOCK_TIMEOUT_MS = "lock.timeout.ms";
  public static final String STATEMENTS_MAX = "statements.max";
  public static final String QUERY_MAX_LENGTH = "query.max.length";
  public static final String QUERY_TEXT = "query.text";
  public static final String MESSAGE_MAX_BYTES = "message.max.bytes";
  public static final String INSTANCE_LABELS = "instance.labels";
  public static final String SECTIONS = "sections";
  public static final String TABLES_INTERVAL_MS = "tables.interval.ms";
  public static final String INDEXES_INTERVAL_MS = "indexes.interval.ms";
  public static final String SEQUENCES_INTERVAL_MS = "sequences.interval.ms";
  public static final String SETTINGS_INTERVAL_MS = "settings.interval.ms";
  public static final String SIZES_INTERVAL_MS = "database.sizes.interval.ms";
  public static final String RELATION_SIZES_INTERVAL_MS = "relation.sizes.interval.ms";
  public static final String DATABASES_KEPT = "databases.connections.kept";
  public static final String DATABASES_INCLUDE = "databases.include";
  public static final String DATABASES_EXCLUDE = "databases.exclude";
  public static final String DATABASES_CONCURRENCY = "databases.concurrency";
  public static final String CDC_LATENCY = CdcOptions.LATENCY_TABLES;
  public static final String CDC_MIGRATIONS = CdcOptions.MIGRATION_TABLES;
  public static final String CDC_USER = CdcOptions.USER;
  public static final String CDC_PASSWORD = CdcOptions.PASSWORD;
  public static final String CDC_PASSWORD_ENV = "HEADROOM_CDC_PASSWORD";
  public static final String CDC_DATABASE = CdcOptions.DATABASE;
  public static final String CDC_SLOT_NAME = CdcOptions.SLOT_NAME;
  public static final String CDC_PUBLICATION_NAME = CdcOptions.PUBLICATION_NAME;
  public static final String CDC_OFFSETS_FILE = CdcOptions.OFFSETS_FILE;
  public static final String CDC_OFFSET_FLUSH_INTERVAL_MS = CdcOptions.OFFSET_FLUSH_INTERVAL_MS;
  public static final String CDC_TIMESTAMP_ZONE = CdcOptions.TIMESTAMP_ZONE;
  public static final String SPOOL_DIR = "spool.dir";
  public static final String SPOOL_MAX_BYTES = "spool.max.bytes";
  public static final String METRICS_PORT = "metrics.port";
  public static final String METRICS_BIND = "metrics.bind";
  public static final String TOPICS_PARTITIONS = "topics.partitions";
  public static final String TOPICS_REPLICATION_FACTOR = "topics.replication.factor";
  /** Settings under this prefix go to the Kafka producer and admin client as they are (TLS, SASL). */
  public static final String KAFKA_PREFIX = "kafka.";

  static final String ALL_SECTIONS = "statements,databases,activity,replication,slots,settings,wal,bgwriter,"
      + "checkpointer,tables,indexes,sequences";

  public static final ConfigDef CONFIG_DEF = new ConfigDef()
      .define(BOOTSTRAP_SERVERS, Type.STRING, "127.0.0.1:9092", new ConfigDef.NonEmptyString(), Importance.HIGH,
          "Kafka bootstrap servers the snapshots are published to.")
      .define(INSTANCE_ID, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
          "Stable id of the monitored instance, e.g. prod-eu/orders-1. It is the record key of every message about it.")
      .define(INSTANCE_CLUSTER, Type.STRING, "", Importance.LOW, "Cluster the instance belongs to (a label).")
      .define(AGENT_ID, Type.STRING, defaultAgentId(), Importance.LOW, "Id of this agent; defaults to the host name.")
      .define(TARGET_URL, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new JdbcUrl(), Importance.HIGH,
          "JDBC URL of the monitored PostgreSQL instance, e.g. jdbc:postgresql://db1:5432/postgres. "
              + "Connect to the database where pg_stat_statements is installed.")
      .define(TARGET_USER, Type.STRING, "", Importance.HIGH,
          "Role to connect as (a member of pg_monitor is enough); empty takes the user in the URL.")
      .define(TARGET_PASSWORD, Type.PASSWORD, "", Importance.HIGH,
          "Password of the role; empty takes the environment variable " + TARGET_PASSWORD_ENV
              + ", then the URL or ~/.pgpass. Never logged.")
      .define(TARGET_PASSWORD_FILE, Type.STRING, "", Importance.MEDIUM,
          "File holding the role's password (first line), read at start; used when target.password is empty.")
      .define(INTERVAL_MS, Type.LONG, 60_000L, Range.atLeast(1_000), Importance.HIGH,
          "Time between snapshots. A snapshot still running when the next is due makes that one be skipped and counted.")
      .define(STATEMENT_TIMEOUT_MS, Type.LONG, 5_000L, Range.between(100, 600_000), Importance.MEDIUM,
          "statement_timeout of the snapshot transaction on the monitored instance.")
      .define(LOCK_TIMEOUT_MS, Type.LONG, 1_000L, Range.between(10, 600_000), Importance.MEDIUM,
          "lock_timeout of the snapshot transaction on the monitored instance.")
      .define(STATEMENTS_MAX, Type.INT, 1_000, Range.between(1, 100_000), Importance.MEDIUM,
          "Only the top N statements by total execution time are published; the section says whether more existed.")
      .define(QUERY_MAX_LENGTH, Type.INT, 4_096, Range.between(0, 1_000_000), Importance.MEDIUM,
          "Query texts are truncated to this many characters on the server, before they are read.")
      .define(QUERY_TEXT, Type.STRING, "redacted", ValidString.in("redacted", "full", "omit"), Importance.MEDIUM,
          "Query texts as published: redacted masks every quoted string and dollar-quoted body (pg_stat_statements"
              + " keeps utility statements such as ALTER ROLE … PASSWORD '…' as written); full publishes them as"
              + " pg_stat_statements has them; omit leaves them out.")
      .define(MESSAGE_MAX_BYTES, Type.INT, 900_000, Range.between(10_000, 50_000_000), Importance.LOW,
          "Sections larger than this are split into parts of at most this many bytes.")
      .define(PROBE_INTERVAL_MS, Type.LONG, 10_000L, Range.atLeast(0), Importance.MEDIUM,
          "Time between probe queries (a timed round trip from the agent on a connection of its own, published as an"
              + " exact latency sample with source probe); 0 turns the probe off.")
      .define(PROBE_QUERY, Type.STRING, "SELECT 1", new ConfigDef.NonEmptyString(), Importance.LOW,
          "The probe's query, run read-only under statement.timeout.ms.")
      .define(HOST_METRICS, Type.STRING, "auto", ValidString.in("auto", "on", "off"), Importance.MEDIUM,
          "The host section (CPU, memory, load, the data directory's filesystem, from /proc and statvfs): auto reads"
              + " it when the target is on this host (a loopback or socket address) and its data directory is visible.")
      .define(HOST_DATA_DIRECTORY, Type.STRING, "", Importance.LOW,
          "The data directory whose filesystem the host section reports; empty asks the server (data_directory).")
      .define(PGBOUNCER_URL, Type.STRING, "", new PgBouncerUrl(), Importance.MEDIUM,
          "Address of the PgBouncer admin console in front of this instance, e.g. postgresql://db1:6432/pgbouncer"
              + " (a jdbc: prefix is accepted); empty leaves out the pgbouncer_pools and pgbouncer_stats sections."
              + " Plain TCP; the user must be in PgBouncer's admin_users or stats_users.")
      .define(PGBOUNCER_USER, Type.STRING, "headroom", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
          "User for the PgBouncer admin console.")
      .define(PGBOUNCER_PASSWORD, Type.PASSWORD, "", Importance.MEDIUM,
          "Password for the PgBouncer admin console; empty takes the environment variable " + PGBOUNCER_PASSWORD_ENV
              + ". Never logged.")
      .define(INSTANCE_LABELS, Type.LIST, "", new Labels(), Importance.LOW,
          "Labels of the instance as key=value pairs, e.g. env=prod,team=orders; published with every snapshot.")
      .define(SECTIONS, Type.LIST, ALL_SECTIONS, new SectionList(), Importance.MEDIUM,
          "Catalog sections to collect. statements also publishes statements_info (pg_stat_statements' evictions"
              + " and fill); tables, indexes and sequences are read in every database that databases.include and"
              + " databases.exclude allow.")
      .define(TABLES_INTERVAL_MS, Type.LONG, 300_000L, Range.atLeast(1_000), Importance.MEDIUM,
          "Time between reads of the tables section (per-table statistics and sizes: the most expensive read)."
              + " Like every section interval it is rounded to a multiple of interval.ms.")
      .define(INDEXES_INTERVAL_MS, Type.LONG, 300_000L, Range.atLeast(1_000), Importance.MEDIUM,
          "Time between reads of the indexes section.")
      .define(SEQUENCES_INTERVAL_MS, Type.LONG, 300_000L, Range.atLeast(1_000), Importance.LOW,
          "Time between reads of the sequences section.")
      .define(SETTINGS_INTERVAL_MS, Type.LONG, 300_000L, Range.atLeast(1_000), Importance.LOW,
          "Time between reads of the settings section.")
      .define(SIZES_INTERVAL_MS, Type.LONG, 300_000L, Range.atLeast(1_000), Importance.MEDIUM,
          "Time between reads of database sizes (pg_database_size walks every file). The databases section"
              + " carries size_bytes only on snapshots that read them.")
      .define(RELATION_SIZES_INTERVAL_MS, Type.LONG, 900_000L, Range.atLeast(1_000), Importance.MEDIUM,
          "Time between exact reads of table and index sizes (pg_relation_size, pg_total_relation_size walk every"
              + " file). Tables and indexes rows carry table_bytes, total_bytes and size_bytes only on those reads,"
              + " and estimated_bytes (relpages × block size, as of the last VACUUM or ANALYZE) always.")
      .define(DATABASES_INCLUDE, Type.STRING, ".*", new Regex(), Importance.MEDIUM,
          "Regular expression (whole name) of the databases whose tables, indexes and sequences are read.")
      .define(DATABASES_EXCLUDE, Type.STRING, "", new Regex(), Importance.MEDIUM,
          "Regular expression (whole name) of databases to leave out of the per-database sections; empty excludes none."
              + " Templates and databases that refuse connections are always left out.")
      .define(DATABASES_KEPT, Type.INT, 8, Range.between(0, 1_000), Importance.LOW,
          "Connections to this many databases are kept open between per-database reads (the most recently read,"
              + " up to databases.concurrency each);"
              + " a new connection makes the server rebuild its relation cache, which doubles the cost of reading"
              + " thousands of tables. 0 closes each after its read.")
      .define(DATABASES_CONCURRENCY, Type.INT, 2, Range.between(1, 32), Importance.LOW,
          "At most this many per-database reads run at once, each a short read-only transaction on its own"
              + " connection; the tables and indexes of one database are read side by side.")
      .define(CDC_LATENCY, Type.LIST, "", Importance.MEDIUM,
          "Application latency tables captured with Debezium (logical replication, pgoutput): each inserted row"
              + " becomes an exact latency sample (source cdc). Entries schema.table:time_column:value_column[:unit"
              + "[:scope]], unit ms (default), s or us; scope app:<name> (default instance) or @<column> to take"
              + " app:<that column's value>. Example: public.performance_metrics:timestamp:response_time_ms:ms:app:shop")
      .define(CDC_MIGRATIONS, Type.LIST, "", Importance.MEDIUM,
          "Migration-history tables captured with Debezium: each applied migration becomes a deploy event on"
              + " headroom.events.v1. Entries flyway:schema.table or liquibase:schema.table, e.g."
              + " flyway:public.flyway_schema_history")
      .define(CDC_USER, Type.STRING, "", Importance.MEDIUM,
          "Role for the capture: it needs REPLICATION (or rds_replication), SELECT on the captured tables and,"
              + " for the publication, ownership of them or CREATE on the database; empty takes target.user.")
      .define(CDC_PASSWORD, Type.PASSWORD, "", Importance.MEDIUM,
          "Password of cdc.user; empty takes the environment variable " + CDC_PASSWORD_ENV + ", then the target's.")
      .define(CDC_DATABASE, Type.STRING, "", Importance.LOW,
          "Database holding the captured tables; empty takes the one in target.url.")
      .define(CDC_SLOT_NAME, Type.STRING, "", Importance.LOW,
          "Replication slot of the capture; empty: headroom_<agent.id>_<instance.id>, sanitized. Remove it with"
              + " ./headroom collector --drop-slot when the agent is retired: a forgotten slot keeps WAL forever.")
      .define(CDC_PUBLICATION_NAME, Type.STRING, "", Importance.LOW,
          "Publication of the capture (limited to the captured tables); empty: the same name as the slot.")
      .define(CDC_OFFSETS_FILE, Type.STRING, "", Importance.LOW,
          "File where the capture's position is stored once its records are spooled; empty: cdc-<instance>.offsets"
              + " in spool.dir.")
      .define(CDC_OFFSET_FLUSH_INTERVAL_MS, Type.LONG, 1_000L, Range.between(100, 600_000), Importance.LOW,
          "How often the capture's position is saved; bounds what a crash sends again (downstream drops the copies"
              + " by id).")
      .define(CDC_TIMESTAMP_ZONE, Type.STRING, "UTC", Importance.LOW,
          "Zone of timestamp-without-time-zone columns in the captured tables (e.g. Flyway's installed_on).")
      .define(SPOOL_DIR, Type.STRING, defaultSpoolDir(), new ConfigDef.NonEmptyString(), Importance.HIGH,
          "Directory of the on-disk spool: every record is written here first and removed once Kafka acknowledged"
              + " it, so nothing is lost while Kafka is down or the agent restarts. One agent per directory.")
      .define(SPOOL_MAX_BYTES, Type.LONG, 1L << 30, Range.atLeast(1L << 20), Importance.MEDIUM,
          "Most bytes the spool holds; when full, the oldest records are dropped and counted (never silently).")
      .define(METRICS_PORT, Type.INT, 9188, Range.between(-1, 65535), Importance.MEDIUM,
          "Port of the agent's Prometheus endpoint (/metrics); -1 turns it off, 0 takes a free port.")
      .define(METRICS_BIND, Type.STRING, "127.0.0.1", new ConfigDef.NonEmptyString(), Importance.MEDIUM,
          "Address the metrics endpoint listens on; 0.0.0.0 lets a Prometheus on another host scrape it.")
      .define(TOPICS_PARTITIONS, Type.INT, 6, Range.atLeast(1), Importance.LOW,
          "Partitions of the topics this agent creates when they are missing.")
      .define(TOPICS_REPLICATION_FACTOR, Type.SHORT, (short) -1, Importance.LOW,
          "Replication factor of the topics this agent creates; -1 takes the broker's default.");

  private final String filePassword;

  static {
    // the duration-log follower's settings, with the log directory optional (empty: not followed)
    // and the position file next to the spool unless set
    for (ConfigDef.ConfigKey key : DurationLogFollower.Options.CONFIG_DEF.configKeys().values()) {
      if (key.name.equals(DurationLogFollower.Options.DIRECTORY)) {
        CONFIG_DEF.define(key.name, Type.STRING, "", Importance.MEDIUM, "The server's log_directory (absolute) on this"
            + " host, to follow its csvlog or jsonlog for duration entries (log_min_duration_statement) and publish"
            + " each as an exact latency sample with source log; empty follows nothing. The agent needs read access.");
      } else if (key.name.equals(DurationLogFollower.Options.STATE_FILE)) {
        CONFIG_DEF.define(key.name, Type.STRING, "", Importance.LOW, "File where the log position is saved once the"
            + " samples read up to it are spooled; empty: logs-<instance>.position in spool.dir.");
      } else {
        CONFIG_DEF.define(key);
      }
    }
  }

  /** Where the capture connects: the target's host and port, cdc.database, cdc.user and its password. */
  public PgTarget cdcTarget() {
    Properties url = org.postgresql.Driver.parseURL(getString(TARGET_URL), null);
    String user = getString(CDC_USER).isEmpty() ? getString(TARGET_USER) : getString(CDC_USER);
    if (user.isEmpty()) {
      user = url.getProperty("user", "");
    }
    String password = getPassword(CDC_PASSWORD).value();
    if (password.isEmpty()) {
      String env = System.getenv(CDC_PASSWORD_ENV);
      password = env != null && !env.isEmpty() ? env : password();
    }
    String database = getString(CDC_DATABASE).isEmpty() ? url.getProperty("PGDBNAME") : getString(CDC_DATABASE);
    return new PgTarget(url.getProperty("PGHOST", "localhost").split(",")[0],
        Integer.parseInt(url.getProperty("PGPORT", "5432").split(",")[0]), database, user, password);
  }

  /** The capture's slot name: cdc.slot.name, or the one derived from the agent and instance ids. */
  public String cdcSlotName() {
    return getString(CDC_SLOT_NAME).isEmpty() ? CdcOptions.defaultName(getString(AGENT_ID), getString(INSTANCE_ID))
        : getString(CDC_SLOT_NAME);
  }

  public String cdcPublicationName() {
    return getString(CDC_PUBLICATION_NAME).isEmpty() ? cdcSlotName() : getString(CDC_PUBLICATION_NAME);
  }

  /** The capture's options, or null when no table is captured. */
  public CdcOptions cdcOptions() {
    List<String> latency = getList(CDC_LATENCY);
    List<String> migrations = getList(CDC_MIGRATIONS);
    if (latency.isEmpty() && migrations.isEmpty()) {
      return null;
    }
    PgTarget target = cdcTarget();
    String id = getString(INSTANCE_ID).replaceAll("[^A-Za-z0-9._-]", "_");
    CdcOptions.Builder b = CdcOptions.builder(getString(INSTANCE_ID), target).agentId(getString(AGENT_ID))
        .offsetsFile(getString(CDC_OFFSETS_FILE).isEmpty()
            ? java.nio.file.Path.of(getString(SPOOL_DIR), "cdc-" + id + ".offsets")
            : java.nio.file.Path.of(getString(CDC_OFFSETS_FILE)))
        .offsetFlushInterval(java.time.Duration.ofMillis(getLong(CDC_OFFSET_FLUSH_INTERVAL_MS)));
    try {
      b.timestampZone(java.time.ZoneId.of(getString(CDC_TIMESTAMP_ZONE)));
    } catch (java.time.DateTimeException e) {
      throw new ConfigException(CDC_TIMESTAMP_ZONE, getString(CDC_TIMESTAMP_ZONE), "not a time zone");
    }
    b.slotName(cdcSlotName());
    b.publicationName(cdcPublicationName());
    for (int i = 0; i < latency.size(); i++) {
      String[] f = latency.get(i).trim().split(":", 5);
      String key = CDC_LATENCY + "[" + i + "]";
      if (f.length < 3) {
        throw new ConfigException(key, latency.get(i), "expected schema.table:time_column:value_column[:unit[:scope]]");
      }
      CdcOptions.Unit unit;
      try {
        unit = f.length > 3 && !f[3].isBlank() ? CdcOptions.Unit.parse(f[3]) : CdcOptions.Unit.MS;
      } catch (IllegalArgumentException e) {
        throw new ConfigException(key, latency.get(i), e.getMessage());
      }
      CdcOptions.LatencyTable table = CdcOptions.LatencyTable.of(f[0], f[1], f[2], unit);
      if (f.length > 4) {
        table = f[4].startsWith("@") ? table.withScopeColumn(f[4].substring(1)) : table.withScope(f[4]);
      }
      b.latencyTable(table);
    }
    for (int i = 0; i < migrations.size(); i++) {
      String[] f = migrations.get(i).trim().split(":", 2);
      String key = CDC_MIGRATIONS + "[" + i + "]";
      if (f.length < 2 || !(f[0].equals("flyway") || f[0].equals("liquibase"))) {
        throw new ConfigException(key, migrations.get(i), "expected flyway:schema.table or liquibase:schema.table");
      }
      b.migrationTable(f[0].equals("flyway") ? CdcOptions.MigrationTable.flyway(f[1])
          : CdcOptions.MigrationTable.liquibase(f[1]));
    }
    return b.build();
  }

  /** The duration-log follower's options, or null when no log directory is set. */
  public DurationLogFollower.Options logOptions() {
    if (getString(DurationLogFollower.Options.DIRECTORY).isEmpty()) {
      return null;
    }
    Map<String, Object> props = new java.util.HashMap<>(originalsWithPrefix("logs.", false));
    if (getString(DurationLogFollower.Options.STATE_FILE).isEmpty()) {
      String id = getString(INSTANCE_ID).replaceAll("[^A-Za-z0-9._-]", "_");
      props.put(DurationLogFollower.Options.STATE_FILE,
          java.nio.file.Path.of(getString(SPOOL_DIR), "logs-" + id + ".position").toString());
    }
    return DurationLogFollower.Options.fromConfig(props, getString(INSTANCE_ID));
  }

  public CollectorConfig(Map<?, ?> props) {
    super(CONFIG_DEF, props, false);
    filePassword = readPasswordFile(getString(TARGET_PASSWORD_FILE));
    logOptions(); // fails at start, naming the key, when a logs.* setting is wrong
    cdcOptions(); // likewise for cdc.*
    short rf = getShort(TOPICS_REPLICATION_FACTOR);
    if (rf == 0 || rf < -1) {
      throw new ConfigException(TOPICS_REPLICATION_FACTOR, rf, "must be -1 (broker default) or at least 1");
    }
  }

  /** The password from the setting, else the password file, else the environment; null when none is set. */
  public String password() {
    Password configured = getPassword(TARGET_PASSWORD);
    if (configured != null && !configured.value().isEmpty()) {
      return configured.value();
    }
    if (filePassword != null) {
      return filePassword;
    }
    String env = System.getenv(TARGET_PASSWORD_ENV);
    return env == null || env.isEmpty() ? null : env;
  }

  public String pgbouncerPassword() {
    Password configured = getPassword(PGBOUNCER_PASSWORD);
    if (configured != null && !configured.value().isEmpty()) {
      return configured.value();
    }
    String env = System.getenv(PGBOUNCER_PASSWORD_ENV);
    return env == null || env.isEmpty() ? null : env;
  }

  private static String readPasswordFile(String path) {
    if (path.isEmpty()) {
      return null;
    }
    try {
      java.util.List<String> lines = java.nio.file.Files.readAllLines(java.nio.file.Path.of(path));
      if (lines.isEmpty() || lines.get(0).isEmpty()) {
        throw new ConfigException(TARGET_PASSWORD_FILE, path, "the file is empty");
      }
      return lines.get(0);
    } catch (java.io.IOException e) {
      throw new ConfigException(TARGET_PASSWORD_FILE, path, "cannot be read: " + e.getClass().getSimpleName());
    }
  }

  public Map<String, Object> kafkaClientConfig() {
    Map<String, Object> config = new java.util.HashMap<>(originalsWithPrefix(KAFKA_PREFIX));
    config.put("bootstrap.servers", getString(BOOTSTRAP_SERVERS));
    return config;
  }

  /** The sections to read, as configured; database sizes ride with the databases section. */
  public java.util.Set<Section> sections() {
    java.util.EnumSet<Section> out = java.util.EnumSet.noneOf(Section.class);
    for (String key : getList(SECTIONS)) {
      Section section = Section.byKey(key).orElseThrow();
      out.add(section);
      if (section == Section.STATEMENTS) {
        out.add(Section.STATEMENTS_INFO);
      }
      if (section == Section.DATABASES) {
        out.add(Section.DATABASE_SIZES);
      }
      if (section == Section.TABLES || section == Section.INDEXES) {
        out.add(Section.RELATION_SIZES);
      }
    }
    return out;
  }

  /** The configured interval of a section, before rounding to a multiple of interval.ms. */
  public long sectionInterval(Section section) {
    return switch (section) {
      case TABLES -> getLong(TABLES_INTERVAL_MS);
      case INDEXES -> getLong(INDEXES_INTERVAL_MS);
      case SEQUENCES -> getLong(SEQUENCES_INTERVAL_MS);
      case SETTINGS -> getLong(SETTINGS_INTERVAL_MS);
      case DATABASE_SIZES -> getLong(SIZES_INTERVAL_MS);
      case RELATION_SIZES -> getLong(RELATION_SIZES_INTERVAL_MS);
      default -> getLong(INTERVAL_MS);
    };
  }

  public Map<String, String> labels() {
    Map<String, String> out = new java.util.TreeMap<>();
    for (String pair : getList(INSTANCE_LABELS)) {
      int eq = pair.indexOf('=');
      out.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
    }
    return out;
  }

  /** Whether the per-database sections read {@code database}. */
  public java.util.function.Predicate<String> databaseFilter() {
    java.util.regex.Pattern include = java.util.regex.Pattern.compile(getString(DATABASES_INCLUDE));
    String excluded = getString(DATABASES_EXCLUDE);
    java.util.regex.Pattern exclude = excluded.isEmpty() ? null : java.util.regex.Pattern.compile(excluded);
    return db -> include.matcher(db).matches() && (exclude == null || !exclude.matcher(db).matches());
  }

  /** Settings of the whole agent: in a fleet file they belong at the top level, not under a target. */
  public static final java.util.Set<String> AGENT_SETTINGS = java.util.Set.of(BOOTSTRAP_SERVERS, AGENT_ID, SPOOL_DIR,
      SPOOL_MAX_BYTES, METRICS_PORT, METRICS_BIND, TOPICS_PARTITIONS, TOPICS_REPLICATION_FACTOR, MESSAGE_MAX_BYTES);

  private static String defaultSpoolDir() {
    return java.nio.file.Path.of(System.getProperty("user.home"), ".headroom", "spool").toString();
  }

  private static String defaultAgentId() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "unknown-host";
    }
  }

  /** The console's address from {@code [jdbc:]postgresql://host[:port][/database]}. */
  public static java.net.URI pgbouncerUri(String url) {
    String u = url.startsWith("jdbc:") ? url.substring(5) : url;
    java.net.URI uri;
    try {
      uri = new java.net.URI(u);
    } catch (java.net.URISyntaxException e) {
      // its message quotes the whole address, which may hold a password
      throw new IllegalArgumentException("not a valid address: " + e.getReason());
    }
    if (!"postgresql".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new IllegalArgumentException("expected postgresql://host[:port][/database]");
    }
    if (uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException("put the user in pgbouncer.user and the password in pgbouncer.password,"
          + " not in the address");
    }
    if (uri.getPort() > 65_535) {
      throw new IllegalArgumentException("the port must be at most 65535");
    }
    return uri;
  }

  static final class PgBouncerUrl implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      if (value == null || value.toString().isEmpty()) {
        return;
      }
      try {
        pgbouncerUri(value.toString());
      } catch (IllegalArgumentException e) {
        throw new ConfigException(name, dev.headroom.schemas.JdbcUrls.redact(value.toString()), e.getMessage());
      }
    }

    @Override
    public String toString() {
      return "postgresql://host:port/pgbouncer";
    }
  }

  static final class SectionList implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      for (Object key : (java.util.List<?>) value) {
        java.util.Optional<Section> section = Section.byKey(key.toString());
        if (section.isEmpty() || section.get() == Section.STATEMENTS_INFO || section.get() == Section.DATABASE_SIZES
            || section.get() == Section.RELATION_SIZES) {
          throw new ConfigException(name, value, "unknown section '" + key + "'; known: " + ALL_SECTIONS);
        }
      }
    }

    @Override
    public String toString() {
      return "any of " + ALL_SECTIONS;
    }
  }

  static final class Labels implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      for (Object pair : (java.util.List<?>) value) {
        int eq = pair.toString().indexOf('=');
        if (eq <= 0) {
          throw new ConfigException(name, value, "each label must be key=value, got '" + pair + "'");
        }
      }
    }

    @Override
    public String toString() {
      return "key=value,...";
    }
  }

  static final class Regex implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      try {
        java.util.regex.Pattern.compile(value.toString());
      } catch (java.util.regex.PatternSyntaxException e) {
        throw new ConfigException(name, value, "not a regular expression: " + e.getDescription());
      }
    }

    @Override
    public String toString() {
      return "a regular expression";
    }
  }

  /** Accepts PostgreSQL JDBC URLs only. */
  static final class JdbcUrl implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      if (value == null || !value.toString().startsWith("jdbc:postgresql:")) {
        throw new ConfigException(name, value == null ? null : dev.headroom.schemas.JdbcUrls.redact(value.toString()),
            "must be a PostgreSQL JDBC URL starting with jdbc:postgresql:");
      }
    }

    @Override
    public String toString() {
      return "jdbc:postgresql://host:port/database";
    }
  }
}
