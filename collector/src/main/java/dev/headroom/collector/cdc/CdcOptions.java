package dev.headroom.collector.cdc;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigException;

/**
 * Everything one {@link CdcCapture} needs, validated when built: a bad value fails with a
 * {@link ConfigException} naming its setting (the names below are the keys the agent's
 * configuration uses). The password is never part of a message or of {@link #toString()}.
 *
 * @param instanceId the monitored instance's id: record key and {@code instance_id} of everything published
 * @param target the database whose tables are captured
 * @param slotName the logical replication slot, created on first start and kept between runs
 * @param publicationName the pgoutput publication Debezium creates for exactly the mapped tables
 * @param offsetsFile where the stream position is kept between runs; losing it is safe (the slot
 *     remembers what was confirmed), keeping it avoids nothing being redelivered twice over
 * @param latencyTables tables whose inserted rows are latency observations
 * @param migrationTables Flyway or Liquibase history tables whose inserted rows are deploys
 * @param offsetFlushInterval how often published positions are written to the offsets file and
 *     confirmed to the slot; it bounds what a crash redelivers and how long WAL stays retained
 * @param timestampZone the zone of {@code timestamp without time zone} values (Flyway's
 *     {@code installed_on}, Liquibase's {@code dateexecuted}, a latency time column of that type):
 *     the deploy tool's session zone, which pgjdbc sets to the tool's JVM zone
 */
public record CdcOptions(
    String instanceId,
    PgTarget target,
    String slotName,
    String publicationName,
    Path offsetsFile,
    List<LatencyTable> latencyTables,
    List<MigrationTable> migrationTables,
    Duration offsetFlushInterval,
    ZoneId timestampZone) {

  public static final String INSTANCE_ID = "instance.id";
  public static final String HOST = "cdc.host";
  public static final String PORT = "cdc.port";
  public static final String DATABASE = "cdc.database";
  public static final String USER = "cdc.user";
  public static final String PASSWORD = "cdc.password";
  public static final String SLOT_NAME = "cdc.slot.name";
  public static final String PUBLICATION_NAME = "cdc.publication.name";
  public static final String OFFSETS_FILE = "cdc.offsets.file";
  public static final String LATENCY_TABLES = "cdc.latency";
  public static final String MIGRATION_TABLES = "cdc.migrations";
  public static final String OFFSET_FLUSH_INTERVAL_MS = "cdc.offset.flush.interval.ms";
  public static final String TIMESTAMP_ZONE = "cdc.timestamp.zone";

  public static final Duration DEFAULT_OFFSET_FLUSH_INTERVAL = Duration.ofSeconds(1);
  /** PostgreSQL's limit on identifiers (NAMEDATALEN - 1). */
  public static final int MAX_NAME_LENGTH = 63;

  private static final Pattern SLOT_NAME_PATTERN = Pattern.compile("[a-z0-9_]{1," + MAX_NAME_LENGTH + "}");
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]{0,62}");
  private static final Pattern SCOPE = Pattern.compile("instance|(db|query|app):.+");

  public CdcOptions {
    require(instanceId != null && !instanceId.isBlank(), INSTANCE_ID, null, "is required");
    Objects.requireNonNull(target, "target");
    require(target.host() != null && !target.host().isBlank(), HOST, target.host(), "is required");
    require(target.port() > 0 && target.port() <= 65_535, PORT, target.port(), "must be between 1 and 65535");
    require(target.database() != null && !target.database().isBlank(), DATABASE, target.database(), "is required");
    require(target.user() != null && !target.user().isBlank(), USER, target.user(), "is required");
    require(slotName != null && SLOT_NAME_PATTERN.matcher(slotName).matches(), SLOT_NAME, slotName,
        "must be 1 to 63 characters of a-z, 0-9 and _ (PostgreSQL's rule for slot names)");
    require(publicationName != null && SLOT_NAME_PATTERN.matcher(publicationName).matches(), PUBLICATION_NAME,
        publicationName, "must be 1 to 63 characters of a-z, 0-9 and _");
    require(offsetsFile != null, OFFSETS_FILE, null, "is required (a file the agent can write and keep)");
    latencyTables = List.copyOf(latencyTables == null ? List.of() : latencyTables);
    migrationTables = List.copyOf(migrationTables == null ? List.of() : migrationTables);
    require(!latencyTables.isEmpty() || !migrationTables.isEmpty(), LATENCY_TABLES, null,
        "or " + MIGRATION_TABLES + ": at least one table to capture is required");
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < latencyTables.size(); i++) {
      LatencyTable t = latencyTables.get(i);
      String key = LATENCY_TABLES + "[" + i + "]";
      requireTable(t.table(), key + ".table", seen);
      if (t.timeColumn() != null) {
        requireColumn(t.timeColumn(), key + ".time.column");
      }
      require(t.valueColumn() != null, key + ".value.column", null, "is required");
      requireColumn(t.valueColumn(), key + ".value.column");
      require(t.unit() != null, key + ".unit", null, "is required: one of ms, s, us");
      require(t.scope() == null || SCOPE.matcher(t.scope()).matches(), key + ".scope", t.scope(),
          "must be instance, db:<name>, query:<queryid> or app:<name>");
      if (t.scopeColumn() != null) {
        requireColumn(t.scopeColumn(), key + ".scope.column");
      }
      if (t.weightColumn() != null) {
        requireColumn(t.weightColumn(), key + ".weight.column");
      }
    }
    for (int i = 0; i < migrationTables.size(); i++) {
      MigrationTable t = migrationTables.get(i);
      String key = MIGRATION_TABLES + "[" + i + "]";
      requireTable(t.table(), key + ".table", seen);
      require(t.tool() != null, key + ".tool", null, "is required: flyway or liquibase");
    }
    offsetFlushInterval = offsetFlushInterval == null ? DEFAULT_OFFSET_FLUSH_INTERVAL : offsetFlushInterval;
    require(!offsetFlushInterval.isNegative() && offsetFlushInterval.compareTo(Duration.ofMinutes(10)) <= 0,
        OFFSET_FLUSH_INTERVAL_MS, offsetFlushInterval.toMillis(), "must be between 0 and 600000");
    timestampZone = timestampZone == null ? ZoneOffset.UTC : timestampZone;
  }

  public static Builder builder(String instanceId, PgTarget target) {
    return new Builder(instanceId, target);
  }

  /** Every captured table, as {@code schema.table}. */
  public List<String> tables() {
    List<String> out = new ArrayList<>();
    latencyTables.forEach(t -> out.add(t.table()));
    migrationTables.forEach(t -> out.add(t.table()));
    return out;
  }

  @Override
  public String toString() {
    return "CdcOptions[instanceId=" + instanceId + ", target=" + target + ", slot=" + slotName + ", publication="
        + publicationName + ", offsetsFile=" + offsetsFile + ", tables=" + tables() + "]";
  }

  /**
   * The default name of a slot or publication: {@code headroom_<agent>_<target>} with everything
   * outside [a-z0-9_] turned into {@code _}. Names longer than PostgreSQL's 63 characters are cut
   * and end with a hash of the full name, so two long targets still get different names.
   */
  public static String defaultName(String agentId, String targetId) {
    String raw = "headroom_" + agentId + "_" + targetId;
    String name = raw.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]+", "_").replaceAll("_+", "_");
    name = name.endsWith("_") && name.length() > 1 ? name.substring(0, name.length() - 1) : name;
    if (name.length() <= MAX_NAME_LENGTH) {
      return name;
    }
    String hash = sha256Hex(raw).substring(0, 8);
    return name.substring(0, MAX_NAME_LENGTH - hash.length() - 1) + "_" + hash;
  }

  private static String sha256Hex(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static void requireTable(String table, String key, Set<String> seen) {
    require(table != null, key, null, "is required");
    String[] parts = table.split("\\.", -1);
    require(parts.length == 2 && IDENTIFIER.matcher(parts[0]).matches() && IDENTIFIER.matcher(parts[1]).matches(), key,
        table, "must be schema.table (letters, digits, _ or $; quoted names are not supported)");
    require(seen.add(table.toLowerCase(Locale.ROOT)), key, table, "is listed twice; a table has one mapping");
  }

  private static void requireColumn(String column, String key) {
    require(IDENTIFIER.matcher(column).matches(), key, column, "must be a column name (letters, digits, _ or $)");
  }

  private static void require(boolean ok, String key, Object value, String message) {
    if (!ok) {
      throw new ConfigException(key, value, message);
    }
  }

  /** Units a latency value column can be in. */
  public enum Unit {
    MS(1.0), S(1000.0), US(0.001);

    private final double toMillis;

    Unit(double toMillis) {
      this.toMillis = toMillis;
    }

    public double toMillis(double value) {
      return value * toMillis;
    }

    /** {@code ms}, {@code s} or {@code us}, any case. */
    public static Unit parse(String text) {
      for (Unit u : values()) {
        if (u.name().equalsIgnoreCase(text == null ? "" : text.trim())) {
          return u;
        }
      }
      throw new IllegalArgumentException("unit must be ms, s or us, not " + text);
    }
  }

  /**
   * A table whose inserted rows are latency observations.
   *
   * @param table {@code schema.table}
   * @param timeColumn when the observation was made ({@code timestamptz}, {@code timestamp}); null
   *     or a null value takes the transaction's commit time
   * @param valueColumn the latency: a number in {@code unit}, or an {@code interval} (unit ignored)
   * @param unit the value column's unit
   * @param scope the fixed scope of every row, e.g. {@code app:checkout}; with a scope column, the
   *     scope of rows whose column is null or blank; default {@code instance}
   * @param scopeColumn a column naming the application: a row's scope is {@code app:<value>}
   * @param weightColumn a column with how many observations the row stands for (null value = 1)
   */
  public record LatencyTable(String table, String timeColumn, String valueColumn, Unit unit, String scope,
      String scopeColumn, String weightColumn) {

    public static LatencyTable of(String table, String timeColumn, String valueColumn, Unit unit) {
      return new LatencyTable(table, timeColumn, valueColumn, unit, null, null, null);
    }

    public LatencyTable withScope(String fixedScope) {
      return new LatencyTable(table, timeColumn, valueColumn, unit, fixedScope, scopeColumn, weightColumn);
    }

    public LatencyTable withScopeColumn(String column) {
      return new LatencyTable(table, timeColumn, valueColumn, unit, scope, column, weightColumn);
    }

    public LatencyTable withWeightColumn(String column) {
      return new LatencyTable(table, timeColumn, valueColumn, unit, scope, scopeColumn, column);
    }
  }

  /** The tools whose history tables are understood. */
  public enum Tool {
    FLYWAY, LIQUIBASE;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** A migration-history table whose inserted rows are deploys, e.g. {@code public.flyway_schema_history}. */
  public record MigrationTable(String table, Tool tool) {
    public static MigrationTable flyway(String table) {
      return new MigrationTable(table, Tool.FLYWAY);
    }

    public static MigrationTable liquibase(String table) {
      return new MigrationTable(table, Tool.LIQUIBASE);
    }
  }

  /** Builds options; the slot and publication names default to {@link #defaultName} of agent and instance. */
  public static final class Builder {
    private final String instanceId;
    private final PgTarget target;
    private String agentId = "agent";
    private String slotName;
    private String publicationName;
    private Path offsetsFile;
    private final List<LatencyTable> latencyTables = new ArrayList<>();
    private final List<MigrationTable> migrationTables = new ArrayList<>();
    private Duration offsetFlushInterval;
    private ZoneId timestampZone;

    private Builder(String instanceId, PgTarget target) {
      this.instanceId = instanceId;
      this.target = target;
    }

    /** The agent's id, part of the default slot and publication names. */
    public Builder agentId(String agentId) {
      this.agentId = agentId;
      return this;
    }

    public Builder slotName(String slotName) {
      this.slotName = slotName;
      return this;
    }

    public Builder publicationName(String publicationName) {
      this.publicationName = publicationName;
      return this;
    }

    public Builder offsetsFile(Path offsetsFile) {
      this.offsetsFile = offsetsFile;
      return this;
    }

    public Builder latencyTable(LatencyTable table) {
      latencyTables.add(table);
      return this;
    }

    public Builder migrationTable(MigrationTable table) {
      migrationTables.add(table);
      return this;
    }

    public Builder offsetFlushInterval(Duration interval) {
      this.offsetFlushInterval = interval;
      return this;
    }

    public Builder timestampZone(ZoneId zone) {
      this.timestampZone = zone;
      return this;
    }

    public CdcOptions build() {
      String derived = defaultName(agentId == null ? "agent" : agentId, instanceId == null ? "" : instanceId);
      return new CdcOptions(instanceId, target, slotName == null ? derived : slotName,
          publicationName == null ? derived : publicationName, offsetsFile, latencyTables, migrationTables,
          offsetFlushInterval, timestampZone);
    }
  }
}
