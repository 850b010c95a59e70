package dev.headroom.streams.findings;

import dev.headroom.schemas.Delta;
import dev.headroom.schemas.Snapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The catalog health checks: functions from one snapshot section (or one batch of deltas) to
 * what each object looks like now, with the lines drawn by {@link FindingThresholds}. Every
 * object the section shows gets a verdict, healthy ones as {@code ok}, so a finding that no
 * longer holds can be cleared. What needs memory (the server's autovacuum settings, how long an
 * index has gone unscanned) comes in from {@link FindingsChecker}.
 */
public final class Checks {
  /** One object's state under one check. */
  /**
   * One object's state under one check. The advice is written only when it is sent (a finding that
   * changed), not for every healthy object of every snapshot.
   */
  public record Verdict(String check, String object, String severity, double value, double threshold,
      Supplier<String> adviceText) {
    public String advice() {
      return adviceText.get();
    }
  }

  /** How long an index has gone without a scan, as far as anyone knows; null when unknown or scanned lately. */
  @FunctionalInterface
  public interface UnusedFor {
    Duration of(String object, Map<String, Object> row);
  }

  /** The server settings the advice of the vacuum checks names. */
  public static final List<String> AUTOVACUUM_SETTINGS = List.of("autovacuum", "autovacuum_vacuum_threshold",
      "autovacuum_vacuum_scale_factor", "autovacuum_naptime", "autovacuum_max_workers", "autovacuum_vacuum_cost_limit",
      "autovacuum_vacuum_cost_delay", "vacuum_cost_limit");

  private static final double WRAPAROUND = 2_147_483_648d;

  private final FindingThresholds t;

  public Checks(FindingThresholds thresholds) {
    this.t = thresholds;
  }

  public FindingThresholds thresholds() {
    return t;
  }

  /** The checks of one snapshot section that need nothing but the section. */
  public List<Verdict> of(Snapshot s) {
    return switch (s.section()) {
      case "databases" -> databases(s.rows());
      case "activity" -> activity(s.rows());
      case "slots" -> slots(s.rows());
      case "replication" -> replication(s.rows());
      case "pgbouncer_pools" -> pools(s.rows());
      case "host" -> host(s.rows());
      default -> List.of();
    };
  }

  List<Verdict> databases(List<Map<String, Object>> rows) {
    List<Verdict> out = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      Double age = number(r.get("frozen_xid_age"));
      if (age != null) {
        String severity = grade(age, t.xidAgeWarning(), t.xidAgeCritical());
        out.add(new Verdict("xid_age", str(r.get("datname")), severity, age,
            severity.equals("critical") ? t.xidAgeCritical() : t.xidAgeWarning(),
            () -> "transaction IDs are " + pct(age / WRAPAROUND) + " of the way to wraparound: find what holds back"
                + " VACUUM FREEZE (long transactions, abandoned slots, prepared transactions) and vacuum the oldest"
                + " tables"));
      }
    }
    return out;
  }

  /**
   * Dead tuples (with the autovacuum settings that decide when this table is vacuumed),
   * sequential-scan-heavy large tables and large tables that only grow (partitioning candidates).
   */
  public List<Verdict> tables(List<Map<String, Object>> rows, Map<String, String> settings) {
    List<Verdict> out = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      String object = str(r.get("datname")) + "." + str(r.get("schema")) + "." + str(r.get("table"));
      double live = orZero(r.get("n_live_tup"));
      double dead = orZero(r.get("n_dead_tup"));
      double share = live + dead > 0 ? dead / (live + dead) : 0;
      boolean bloated = dead >= t.deadTupleMinRows() && share > t.deadTupleShare();
      out.add(new Verdict("dead_tuples", object, bloated ? "warning" : "ok", share, t.deadTupleShare(),
          () -> "dead rows are " + pct(share) + " of the table (" + (long) dead + "): " + vacuumAdvice(r, live, settings)));
      double bytes = firstNumber(r, "table_bytes", "estimated_bytes");
      double seqScans = orZero(r.get("seq_scan"));
      double idxScans = orZero(r.get("idx_scan"));
      boolean seqHeavy = bytes >= t.seqScanMinBytes() && seqScans > 100 && seqScans > idxScans;
      out.add(new Verdict("seq_scan_heavy", object, seqHeavy ? "warning" : "ok", seqScans, idxScans,
          () -> "a " + size(bytes) + " table read mostly by sequential scans (" + (long) seqScans + " against "
              + (long) idxScans + " index scans): a missing index is likely; look for its statements in the top"
              + " statements"));
      double inserts = orZero(r.get("n_tup_ins"));
      double deletes = orZero(r.get("n_tup_del"));
      boolean onlyGrows = bytes >= t.partitionMinBytes() && inserts > 0 && deletes <= 0.01 * inserts;
      out.add(new Verdict("partition_candidate", object, onlyGrows ? "info" : "ok", bytes, t.partitionMinBytes(),
          () -> "a " + size(bytes) + " table that only grows (" + (long) inserts + " rows inserted, " + (long) deletes
              + " deleted since statistics were reset): partition it by time, so old rows go by detaching or"
              + " dropping a partition instead of DELETE and VACUUM, and queries on recent rows touch small"
              + " partitions"));
    }
    return out;
  }

  /** When autovacuum will get to this table, from the server settings and the table's own reloptions. */
  static String vacuumAdvice(Map<String, Object> r, double live, Map<String, String> settings) {
    Map<String, String> table = reloptions(r.get("reloptions"));
    if ("false".equals(table.get("autovacuum_enabled")) || "off".equals(settings.get("autovacuum"))) {
      return "autovacuum is off for this table" + ("off".equals(settings.get("autovacuum")) ? " (autovacuum = off)"
          : " (autovacuum_enabled = false)") + ": turn it on or vacuum it on a schedule";
    }
    String scale = table.getOrDefault("autovacuum_vacuum_scale_factor", settings.get("autovacuum_vacuum_scale_factor"));
    String threshold = table.getOrDefault("autovacuum_vacuum_threshold", settings.get("autovacuum_vacuum_threshold"));
    StringBuilder sb = new StringBuilder("autovacuum is not keeping up");
    Double scaleFactor = parse(scale);
    Double base = parse(threshold);
    if (scaleFactor != null && base != null) {
      sb.append(String.format(Locale.ROOT, "; it starts after %.0f dead rows (autovacuum_vacuum_threshold %s +"
          + " autovacuum_vacuum_scale_factor %s × %.0f live rows%s)", base + scaleFactor * live, threshold, scale, live,
          table.isEmpty() ? "" : ", with the table's own " + r.get("reloptions")));
      sb.append(": lower the scale factor for this table (ALTER TABLE … SET (autovacuum_vacuum_scale_factor = 0.01))");
    } else {
      sb.append(": lower autovacuum_vacuum_scale_factor for this table");
    }
    String costLimit = settings.get("autovacuum_vacuum_cost_limit");
    if (costLimit != null) {
      sb.append(", and if it runs but too slowly raise autovacuum_vacuum_cost_limit (now ")
          .append("-1".equals(costLimit) ? "vacuum_cost_limit " + settings.getOrDefault("vacuum_cost_limit", "?")
              : costLimit).append(')');
    }
    if (r.get("last_autovacuum") != null) {
      sb.append("; last autovacuum ").append(r.get("last_autovacuum"));
    }
    return sb.append("; long transactions also hold dead rows back").toString();
  }

  /** Unused indexes (no scan for the configured period; never unique, primary or constraint indexes) and duplicates. */
  public List<Verdict> indexes(List<Map<String, Object>> rows, UnusedFor unusedFor) {
    List<Verdict> out = new ArrayList<>();
    Map<String, List<String>> byShape = new HashMap<>();
    for (Map<String, Object> r : rows) {
      String object = str(r.get("datname")) + "." + str(r.get("schema")) + "." + str(r.get("index"));
      boolean keeps = Boolean.TRUE.equals(r.get("is_unique")) || Boolean.TRUE.equals(r.get("is_primary"))
          || Boolean.TRUE.equals(r.get("backs_constraint"));
      double bytes = firstNumber(r, "size_bytes", "estimated_bytes");
      Duration idle = keeps ? null : unusedFor.of(object, r);
      boolean unused = idle != null && idle.compareTo(t.unusedIndexPeriod()) >= 0 && bytes >= t.unusedIndexMinBytes();
      out.add(new Verdict("unused_index", object, unused ? "warning" : "ok", bytes, t.unusedIndexMinBytes(),
          () -> "no scans for " + days(idle) + ": it costs every write and " + size(bytes)
              + " of disk; drop it if no rare job needs it (DROP INDEX CONCURRENTLY), and check the standbys first:"
              + " their scans are not counted here"));
      String definition = str(r.get("definition"));
      String index = str(r.get("index"));
      if (!definition.isEmpty()) {
        // the same definition but for the index's own name is the same index twice
        String shape = str(r.get("datname")) + "|" + definition.replace(" " + index + " ", " ? ");
        byShape.computeIfAbsent(shape, k -> new ArrayList<>()).add(object);
      }
    }
    for (List<String> same : byShape.values()) {
      for (String object : same) {
        boolean duplicate = same.size() > 1;
        out.add(new Verdict("duplicate_index", object, duplicate ? "warning" : "ok", same.size(), 1,
            () -> duplicate ? "the same index as " + String.join(", ", same.stream().filter(o -> !o.equals(object)).toList())
                + ": keep one" : "no duplicate"));
      }
    }
    return out;
  }

  List<Verdict> activity(List<Map<String, Object>> rows) {
    List<Verdict> out = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      double connections = orZero(r.get("connections"));
      double usable = orZero(r.get("max_connections")) - orZero(r.get("reserved_connections"));
      if (usable <= 0) {
        continue;
      }
      double share = connections / usable;
      String severity = grade(share, t.connectionsWarning(), t.connectionsCritical());
      out.add(new Verdict("connections", "", severity, share,
          severity.equals("critical") ? t.connectionsCritical() : t.connectionsWarning(),
          () -> (long) connections + " of " + (long) usable + " usable connections in use: put a pooler in front"
              + " (PgBouncer) or raise max_connections with care"));
    }
    return out;
  }

  List<Verdict> slots(List<Map<String, Object>> rows) {
    List<Verdict> out = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      String slot = str(r.get("slot_name"));
      double retained = orZero(r.get("retained_wal_bytes"));
      String severity = grade(retained, t.slotWalWarningBytes(), t.slotWalCriticalBytes());
      out.add(new Verdict("slot_retained_wal", slot, severity, retained,
          severity.equals("critical") ? t.slotWalCriticalBytes() : t.slotWalWarningBytes(),
          () -> "the slot holds " + size(retained) + " of WAL on the server's disk"
              + (Boolean.FALSE.equals(r.get("active")) ? " and nobody reads it: drop it if its consumer is gone"
                  + " (SELECT pg_drop_replication_slot('" + slot + "'))" : ": its consumer lags")));
    }
    return out;
  }

  List<Verdict> replication(List<Map<String, Object>> rows) {
    List<Verdict> out = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      Double lag = number(r.get("replay_lag_s"));
      if (lag == null) {
        continue;
      }
      String object = "sender".equals(r.get("kind")) ? str(r.get("application_name")) : "this standby";
      String severity = grade(lag, t.replicationLagWarningS(), t.replicationLagCriticalS());
      out.add(new Verdict("replication_lag", object, severity, lag,
          severity.equals("critical") ? t.replicationLagCriticalS() : t.replicationLagWarningS(),
          () -> "replay is " + (long) (double) lag + " s behind: check the standby's I/O and CPU, long queries on it"
              + " (hot_standby_feedback, max_standby_streaming_delay) and the network"));
    }
    return out;
  }

  List<Verdict> pools(List<Map<String, Object>> rows) {
    List<Verdict> out = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      String object = str(r.get("database")) + "/" + str(r.get("user"));
      double active = orZero(r.get("cl_active"));
      double waiting = orZero(r.get("cl_waiting"));
      double maxwaitMs = orZero(r.get("maxwait_ms"));
      String severity = waiting > 0 && maxwaitMs >= 1000 ? "critical" : waiting > 0 ? "warning" : "ok";
      out.add(new Verdict("pool_waiting", object, severity, waiting, 0,
          () -> (long) waiting + " clients wait for a server connection (longest " + (long) maxwaitMs + " ms): the pool"
              + " is too small for the load, or its transactions too long"));
      if (active + waiting > 0) {
        double efficiency = active / (active + waiting);
        out.add(new Verdict("pool_efficiency", object, efficiency < t.poolEfficiency() ? "warning" : "ok", efficiency,
            t.poolEfficiency(), () -> "only " + pct(efficiency) + " of the clients that want a server connection have one"
                + " (cl_active " + (long) active + ", cl_waiting " + (long) waiting + "): raise default_pool_size"
                + " if the server has room, or shorten the transactions that hold connections"));
      }
    }
    return out;
  }

  List<Verdict> host(List<Map<String, Object>> rows) {
    List<Verdict> out = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      double total = orZero(r.get("disk_total_bytes"));
      if (total <= 0) {
        continue;
      }
      double used = orZero(r.get("disk_used_bytes")) / total;
      String severity = grade(used, t.diskWarning(), t.diskCritical());
      out.add(new Verdict("disk_usage", str(r.get("data_directory")), severity, used,
          severity.equals("critical") ? t.diskCritical() : t.diskWarning(),
          () -> "the data directory's filesystem is " + pct(used) + " full (" + size(total - orZero(r.get("disk_used_bytes")))
              + " free): see headroom.projections.v1 for when it fills; grow the volume, or find what grows"
              + " (tables, retained WAL, logs)"));
    }
    return out;
  }

  /** The buffer cache hit ratio of each database, and of each table's heap, over an interval, from its deltas. */
  public List<Verdict> of(String section, List<Delta> deltas) {
    boolean databases = "databases".equals(section);
    if (!databases && !"tables".equals(section)) {
      return List.of();
    }
    List<Verdict> out = new ArrayList<>();
    for (Delta d : deltas) {
      double hit = d.delta(databases ? "blks_hit" : "heap_blks_hit");
      double read = d.delta(databases ? "blks_read" : "heap_blks_read");
      if (hit + read < t.cacheMinBlocks() || hit + read <= 0) {
        continue; // too little traffic to judge
      }
      double ratio = hit / (hit + read);
      String object = databases ? d.labels().getOrDefault("datname", d.object())
          : String.join(".", d.labels().getOrDefault("datname", ""), d.labels().getOrDefault("schema", ""),
              d.labels().getOrDefault("table", ""));
      out.add(new Verdict(databases ? "cache_hit_ratio" : "table_cache_hit_ratio", object,
          ratio < t.cacheHitRatio() ? "warning" : "ok", ratio, t.cacheHitRatio(),
          () -> "only " + pct(ratio) + " of " + (databases ? "block" : "this table's heap block") + " reads hit the buffer"
              + " cache: the working set outgrows shared_buffers (or a scan reads a large table): look at the"
              + " statements with the most shared_blks_read"));
    }
    return out;
  }

  private static String grade(double value, double warning, double critical) {
    return value >= critical ? "critical" : value >= warning ? "warning" : "ok";
  }

  static Map<String, String> reloptions(Object options) {
    Map<String, String> out = new LinkedHashMap<>();
    if (options != null) {
      for (String option : options.toString().split(",")) {
        int eq = option.indexOf('=');
        if (eq > 0) {
          out.put(option.substring(0, eq).trim(), option.substring(eq + 1).trim());
        }
      }
    }
    return out;
  }

  private static Double parse(String value) {
    try {
      return value == null ? null : Double.valueOf(value);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  static String pct(double ratio) {
    return String.format(Locale.ROOT, "%.1f %%", 100 * ratio);
  }

  static String size(double bytes) {
    return bytes >= 10L << 30 ? String.format(Locale.ROOT, "%.0f GB", bytes / (1L << 30))
        : String.format(Locale.ROOT, "%.0f MB", bytes / (1 << 20));
  }

  private static String days(Duration d) {
    if (d == null) {
      return "the period watched";
    }
    return d.toDays() >= 1 ? d.toDays() + " days" : d.toHours() + " hours";
  }

  private static double firstNumber(Map<String, Object> r, String... fields) {
    for (String f : fields) {
      Double v = number(r.get(f));
      if (v != null) {
        return v;
      }
    }
    return 0;
  }

  static Double number(Object v) {
    return v instanceof Number n ? n.doubleValue() : null;
  }

  static double orZero(Object v) {
    return v instanceof Number n ? n.doubleValue() : 0;
  }

  static String str(Object v) {
    return v == null ? "" : v.toString();
  }
}
