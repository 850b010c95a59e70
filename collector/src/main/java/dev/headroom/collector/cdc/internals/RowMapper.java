package dev.headroom.collector.cdc.internals;

import dev.headroom.collector.cdc.CdcOptions;
import dev.headroom.collector.cdc.CdcOptions.LatencyTable;
import dev.headroom.collector.cdc.CdcOptions.MigrationTable;
import dev.headroom.collector.cdc.SkipReason;
import dev.headroom.schemas.Event;
import dev.headroom.schemas.LatencySample;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns captured row changes into latency samples and deploy events (or says why not). Pure: no
 * I/O, no clock; the same change always maps to the same message, which is what makes a
 * redelivered change carry the same id.
 */
public final class RowMapper {
  /** Flyway rows that record no change to the database. */
  private static final Set<String> FLYWAY_MARKERS = Set.of("BASELINE", "DELETE");
  private static final Set<String> LIQUIBASE_EXECUTED = Set.of("EXECUTED", "RERAN");
  /**
   * A migration's own timestamp (its transaction start) cannot be after its commit: if it reads
   * later than that by more than clock noise, {@code timestampZone} is wrong and the commit time is
   * the better answer. Zone offsets are whole quarter hours, so a minute separates the two cases.
   */
  private static final Duration AFTER_COMMIT_TOLERANCE = Duration.ofMinutes(1);

  private final String instanceId;
  private final String database;
  private final ZoneId zone;
  private final Map<String, LatencyTable> latency = new HashMap<>();
  private final Map<String, MigrationTable> migrations = new HashMap<>();

  public RowMapper(CdcOptions options) {
    this.instanceId = options.instanceId();
    this.database = options.target().database();
    this.zone = options.timestampZone();
    options.latencyTables().forEach(t -> latency.put(t.table().toLowerCase(Locale.ROOT), t));
    options.migrationTables().forEach(t -> migrations.put(t.table().toLowerCase(Locale.ROOT), t));
  }

  /** What one change becomes. */
  public sealed interface Result {}

  public record Sample(LatencySample sample) implements Result {}

  public record Deploy(Event event) implements Result {}

  public record Skip(SkipReason reason, String detail) implements Result {}

  public Result map(ChangeRow row) {
    String table = row.table().toLowerCase(Locale.ROOT);
    LatencyTable l = latency.get(table);
    if (l != null) {
      return latency(l, row);
    }
    MigrationTable m = migrations.get(table);
    if (m == null) {
      return new Skip(SkipReason.UNKNOWN_TABLE, row.table());
    }
    return switch (m.tool()) {
      case FLYWAY -> flyway(m, row);
      case LIQUIBASE -> liquibase(m, row);
    };
  }

  private Result latency(LatencyTable t, ChangeRow row) {
    if (row.op() != ChangeRow.Op.INSERT) {
      return ignored(row);
    }
    Map<String, Object> after = row.after();
    Object raw = column(after, t.valueColumn());
    double valueMs;
    if (raw instanceof Duration d) {
      valueMs = d.toNanos() / 1_000_000.0;
    } else if (raw instanceof Number n) {
      valueMs = t.unit().toMillis(n.doubleValue());
    } else {
      return new Skip(SkipReason.UNMAPPABLE_VALUE, t.valueColumn() + " is " + describe(raw));
    }
    if (!Double.isFinite(valueMs) || valueMs < 0) {
      return new Skip(SkipReason.UNMAPPABLE_VALUE, t.valueColumn() + " is " + raw);
    }
    double weight = 1;
    if (t.weightColumn() != null) {
      Object w = column(after, t.weightColumn());
      if (w instanceof Number n && Double.isFinite(n.doubleValue()) && n.doubleValue() > 0) {
        weight = n.doubleValue();
      } else if (w != null) {
        return new Skip(SkipReason.UNMAPPABLE_WEIGHT, t.weightColumn() + " is " + describe(w));
      }
    }
    String scope = t.scope() == null ? "instance" : t.scope();
    if (t.scopeColumn() != null) {
      Object app = column(after, t.scopeColumn());
      if (app != null && !app.toString().isBlank()) {
        scope = "app:" + app.toString().trim();
      }
    }
    Instant observedAt = t.timeColumn() == null ? null : instant(column(after, t.timeColumn()));
    if (observedAt == null) {
      observedAt = row.commitTime();
    }
    String id = "cdc:" + ChangeRow.formatLsn(row.lsn()) + ":" + row.table()
        + (row.key().isEmpty() ? "" : ":" + String.join(",", row.key()));
    return new Sample(new LatencySample(LatencySample.SCHEMA, id, instanceId, observedAt, scope, "cdc", valueMs, weight));
  }

  private Result flyway(MigrationTable t, ChangeRow row) {
    if (row.op() != ChangeRow.Op.INSERT) {
      return ignored(row);
    }
    Map<String, Object> after = row.after();
    if (!Boolean.TRUE.equals(column(after, "success"))) {
      return new Skip(SkipReason.FAILED_MIGRATION, "installed_rank " + column(after, "installed_rank"));
    }
    Object type = column(after, "type");
    if (type != null && FLYWAY_MARKERS.contains(type.toString().toUpperCase(Locale.ROOT))) {
      return new Skip(SkipReason.NOT_A_MIGRATION, "type " + type);
    }
    Object rank = column(after, "installed_rank");
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("tool", "flyway");
    put(detail, "version", column(after, "version"));
    put(detail, "description", column(after, "description"));
    put(detail, "script", column(after, "script"));
    put(detail, "type", type);
    put(detail, "installed_rank", rank);
    put(detail, "installed_by", column(after, "installed_by"));
    put(detail, "execution_time_ms", column(after, "execution_time"));
    detail.put("success", true);
    String id = "flyway:" + database + ":" + row.table() + ":" + rank;
    return deploy(id, t, row, column(after, "installed_on"), detail);
  }

  private Result liquibase(MigrationTable t, ChangeRow row) {
    if (row.op() != ChangeRow.Op.INSERT && row.op() != ChangeRow.Op.UPDATE) {
      return ignored(row);
    }
    Map<String, Object> after = row.after();
    Object exectype = column(after, "exectype");
    String type = exectype == null ? "" : exectype.toString().toUpperCase(Locale.ROOT);
    // A runOnChange/runAlways changeset that runs again updates its row to RERAN; other updates
    // (tag, changelog-sync, checksum clearing) record no change to the database.
    if (row.op() == ChangeRow.Op.UPDATE && !"RERAN".equals(type)) {
      return new Skip(SkipReason.UPDATE_IGNORED, row.table());
    }
    if (!LIQUIBASE_EXECUTED.contains(type)) {
      return new Skip(SkipReason.NOT_EXECUTED, "exectype " + exectype);
    }
    Object changeSet = column(after, "id");
    Object author = column(after, "author");
    Object filename = column(after, "filename");
    Object deploymentId = column(after, "deployment_id");
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("tool", "liquibase");
    put(detail, "id", changeSet);
    put(detail, "author", author);
    put(detail, "filename", filename);
    put(detail, "description", column(after, "description"));
    put(detail, "comments", column(after, "comments"));
    put(detail, "exectype", type);
    put(detail, "order_executed", column(after, "orderexecuted"));
    put(detail, "deployment_id", deploymentId);
    put(detail, "tag", column(after, "tag"));
    put(detail, "liquibase_version", column(after, "liquibase"));
    put(detail, "contexts", column(after, "contexts"));
    put(detail, "labels", column(after, "labels"));
    // The changeset's natural key, plus the run (deployment_id) so that each re-run is its own event.
    String id = "liquibase:" + database + ":" + row.table() + ":" + changeSet + ":" + author + ":" + filename
        + (deploymentId == null ? "" : ":" + deploymentId);
    return deploy(id, t, row, column(after, "dateexecuted"), detail);
  }

  private Result deploy(String id, MigrationTable t, ChangeRow row, Object time, Map<String, Object> detail) {
    Instant at = instant(time);
    if (at == null || at.isAfter(row.commitTime().plus(AFTER_COMMIT_TOLERANCE))) {
      at = row.commitTime();
    }
    return new Deploy(new Event(Event.SCHEMA, id, instanceId, at, Event.DEPLOY, "cdc:" + row.table(),
        Collections.unmodifiableMap(detail)));
  }

  private static Skip ignored(ChangeRow row) {
    return switch (row.op()) {
      case UPDATE -> new Skip(SkipReason.UPDATE_IGNORED, row.table());
      case DELETE -> new Skip(SkipReason.DELETE_IGNORED, row.table());
      default -> new Skip(SkipReason.OTHER_OPERATION_IGNORED, row.table());
    };
  }

  private Instant instant(Object value) {
    if (value instanceof Instant i) {
      return i;
    }
    if (value instanceof OffsetDateTime o) {
      return o.toInstant();
    }
    if (value instanceof LocalDateTime l) {
      return l.atZone(zone).toInstant();
    }
    return null;
  }

  /** A column by name; history tables made on other databases may have upper-case names. */
  private static Object column(Map<String, Object> row, String name) {
    if (row == null) {
      return null;
    }
    if (row.containsKey(name)) {
      return row.get(name);
    }
    for (Map.Entry<String, Object> e : row.entrySet()) {
      if (e.getKey().equalsIgnoreCase(name)) {
        return e.getValue();
      }
    }
    return null;
  }

  private static void put(Map<String, Object> detail, String key, Object value) {
    if (value != null) {
      detail.put(key, value instanceof Number || value instanceof Boolean ? value : value.toString());
    }
  }

  private static String describe(Object value) {
    return value == null ? "null" : "a " + value.getClass().getSimpleName();
  }
}
