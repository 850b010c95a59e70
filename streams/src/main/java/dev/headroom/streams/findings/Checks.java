package dev.headroom.streams.findings;

import dev.headroom.schemas.Delta;
import dev.headroom.schemas.Snapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The catalog health checks: pure functions from one snapshot section (or one batch of deltas)
 * to what each object looks like now. Every object the section shows gets a verdict, healthy
 * ones as {@code ok}, so a finding that no longer holds can be cleared.
 */
public final class Checks {
  private Checks() {}

  /** One object's state under one check. */
  public record Verdict(String check, String object, String severity, double value, double threshold, String advice) {}

  static final double XID_WARNING = 1_200_000_000d;
  static final double XID_CRITICAL = 1_600_000_000d;
  static final double DEAD_SHARE = 0.2;
  static final long DEAD_MIN_ROWS = 10_000;
  static final double CONNECTIONS_WARNING = 0.8;
  static final double CONNECTIONS_CRITICAL = 0.9;
  static final double SLOT_WAL_WARNING = 1L << 30;
  static final double SLOT_WAL_CRITICAL = 10L << 30;
  static final double LAG_WARNING_S = 30;
  static final double LAG_CRITICAL_S = 300;
  static final double CACHE_HIT_WARNING = 0.99;
  static final long CACHE_MIN_BLOCKS = 10_000;
  static final long SEQ_SCAN_MIN_BYTES = 100L << 20;
  static final long UNUSED_INDEX_MIN_BYTES = 1L << 20;

  public static List<Verdict> of(Snapshot s) {
    return switch (s.section()) {
      case "databases" -> databases(s.rows());
      case "tables" -> tables(s.rows());
      case "indexes" -> indexes(s.rows());
      case "activity" -> activity(s.rows());
      case "slots" -> slots(s.rows());
      case "replication" -> replication(s.rows());
      case "pgbouncer_pools" -> pools(s.rows());
      default -> List.of();
    };
  }

  static List<Verdict> databases(List<Map<String, Object>> rows) {
    List<Verdict> out = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      Double age = number(r.get("frozen_xid_age"));
      if (age != null) {
        String severity = age >= XID_CRITICAL ? "critical" : age >= XID_WARNING ? "warning" : "ok";
        out.add(new Verdict("xid_age", str(r.get("datname")), severity, age,
            severity.equals("critical") ? XID_CRITICAL : XID_WARNING,
            "transaction IDs are " + pct(age / 2_147_483_648d) + " of the way to wraparound: find what holds back"
                + " VACUUM FREEZE (long transactions, abandoned slots, prepared transactions) and vacuum the oldest"
                + " tables"));
      }
    }
    return out;
  }

  static List<Verdict> tables(List<Map<String, Object>> rows) {
    List<Verdict> out = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      String object = str(r.get("datname")) + "." + str(r.get("schema")) + "." + str(r.get("table"));
      double live = orZero(r.get("n_live_tup"));
      double dead = orZero(r.get("n_dead_tup"));
      double share = live + dead > 0 ? dead / (live + dead) : 0;
      boolean bloated = dead >= DEAD_MIN_ROWS && share > DEAD_SHARE;
      out.add(new Verdict("dead_tuples", object, bloated ? "warning" : "ok", share, DEAD_SHARE,
          "dead rows are " + pct(share) + " of the table: autovacuum is not keeping up; lower its"
              + " autovacuum_vacuum_scale_factor for this table" + reloptions(r) + " or look for long transactions"));
      double bytes = firstNumber(r, "table_bytes", "estimated_bytes");
      double seqScans = orZero(r.get("seq_scan"));
      double idxScans = orZero(r.get("idx_scan"));
      boolean seqHeavy = bytes >= SEQ_SCAN_MIN_BYTES && seqScans > 100 && seqScans > idxScans;
      out.add(new Verdict("seq_scan_heavy", object, seqHeavy ? "warning" : "ok", seqScans, idxScans,
          "a large table read mostly by sequential scans (" + (long) seqScans + " against " + (long) idxScans
              + " index scans): a missing index is likely; look for its statements in the top statements"));
    }
    return out;
  }

  static List<Verdict> indexes(List<Map<String, Object>> rows) {
    List<Verdict> out = new ArrayList<>();
    Map<String, List<String>> byShape = new HashMap<>();
    for (Map<String, Object> r : rows) {
      String object = str(r.get("datname")) + "." + str(r.get("schema")) + "." + str(r.get("index"));
      boolean keeps = Boolean.TRUE.equals(r.get("is_unique")) || Boolean.TRUE.equals(r.get("is_primary"))
          || Boolean.TRUE.equals(r.get("backs_constraint"));
      double scans = orZero(r.get("idx_scan"));
      double bytes = firstNumber(r, "size_bytes", "estimated_bytes");
      boolean unused = !keeps && scans == 0 && bytes >= UNUSED_INDEX_MIN_BYTES;
      out.add(new Verdict("unused_index", object, unused ? "warning" : "ok", bytes, UNUSED_INDEX_MIN_BYTES,
          "no scans since statistics were last reset: it costs every write and " + mb(bytes)
              + " of disk; drop it if no rare job needs it (DROP INDEX CONCURRENTLY)"));
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
            duplicate ? "the same index as " + String.join(", ", same.stream().filter(o -> !o.equals(object)).toList())
                + ": keep one" : "no duplicate"));
      }
    }
    return out;
  }

  static List<Verdict> activity(List<Map<String, Object>> rows) {
    List<Verdict> out = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      double connections = orZero(r.get("connections"));
      double usable = orZero(r.get("max_connections")) - orZero(r.get("reserved_connections"));
      if (usable <= 0) {
        continue;
      }
      double share = connections / usable;
      String severity = share >= CONNECTIONS_CRITICAL ? "critical" : share >= CONNECTIONS_WARNING ? "warning" : "ok";
      out.add(new Verdict("connections", "", severity, share,
          severity.equals("critical") ? CONNECTIONS_CRITICAL : CONNECTIONS_WARNING,
          (long) connections + " of " + (long) usable + " usable connections in use: put a pooler in front"
              + " (PgBouncer) or raise max_connections with care"));
    }
    return out;
  }

  static List<Verdict> slots(List<Map<String, Object>> rows) {
    List<Verdict> out = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      String slot = str(r.get("slot_name"));
      double retained = orZero(r.get("retained_wal_bytes"));
      String severity = retained >= SLOT_WAL_CRITICAL ? "critical" : retained >= SLOT_WAL_WARNING ? "warning" : "ok";
      out.add(new Verdict("slot_retained_wal", slot, severity, retained,
          severity.equals("critical") ? SLOT_WAL_CRITICAL : SLOT_WAL_WARNING,
          "the slot holds " + mb(retained) + " of WAL on the server's disk"
              + (Boolean.FALSE.equals(r.get("active")) ? " and nobody reads it: drop it if its consumer is gone"
                  + " (SELECT pg_drop_replication_slot('" + slot + "'))" : ": its consumer lags")));
    }
    return out;
  }

  static List<Verdict> replication(List<Map<String, Object>> rows) {
    List<Verdict> out = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      Double lag = number(r.get("replay_lag_s"));
      if (lag == null) {
        continue;
      }
      String object = "sender".equals(r.get("kind")) ? str(r.get("application_name")) : "this standby";
      String severity = lag >= LAG_CRITICAL_S ? "critical" : lag >= LAG_WARNING_S ? "warning" : "ok";
      out.add(new Verdict("replication_lag", object, severity, lag,
          severity.equals("critical") ? LAG_CRITICAL_S : LAG_WARNING_S,
          "replay is " + (long) (double) lag + " s behind: check the standby's I/O and CPU, long queries on it"
              + " (hot_standby_feedback, max_standby_streaming_delay) and the network"));
    }
    return out;
  }

  static List<Verdict> pools(List<Map<String, Object>> rows) {
    List<Verdict> out = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      String object = str(r.get("database")) + "/" + str(r.get("user"));
      double waiting = orZero(r.get("cl_waiting"));
      double maxwaitMs = orZero(r.get("maxwait_ms"));
      String severity = waiting > 0 && maxwaitMs >= 1000 ? "critical" : waiting > 0 ? "warning" : "ok";
      out.add(new Verdict("pool_waiting", object, severity, waiting, 0,
          (long) waiting + " clients wait for a server connection (longest " + (long) maxwaitMs + " ms): the pool"
              + " is too small for the load, or its transactions too long"));
    }
    return out;
  }

  /** The buffer cache hit ratio of each database over an interval, from its deltas. */
  public static List<Verdict> of(String section, List<Delta> deltas) {
    if (!"databases".equals(section)) {
      return List.of();
    }
    List<Verdict> out = new ArrayList<>();
    for (Delta d : deltas) {
      double hit = d.delta("blks_hit");
      double read = d.delta("blks_read");
      if (hit + read < CACHE_MIN_BLOCKS) {
        continue; // too little traffic to judge
      }
      double ratio = hit / (hit + read);
      out.add(new Verdict("cache_hit_ratio", d.labels().getOrDefault("datname", d.object()),
          ratio < CACHE_HIT_WARNING ? "warning" : "ok", ratio, CACHE_HIT_WARNING,
          "only " + pct(ratio) + " of block reads hit the buffer cache: the working set outgrows shared_buffers"
              + " (or a scan reads a large table): look at the statements with the most shared_blks_read"));
    }
    return out;
  }

  private static String reloptions(Map<String, Object> r) {
    Object options = r.get("reloptions");
    return options == null || options.toString().isEmpty() ? "" : " (now: " + options + ")";
  }

  private static String pct(double ratio) {
    return String.format(java.util.Locale.ROOT, "%.1f %%", 100 * ratio);
  }

  private static String mb(double bytes) {
    return String.format(java.util.Locale.ROOT, "%.0f MB", bytes / (1 << 20));
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

  private static Double number(Object v) {
    return v instanceof Number n ? n.doubleValue() : null;
  }

  private static double orZero(Object v) {
    return v instanceof Number n ? n.doubleValue() : 0;
  }

  private static String str(Object v) {
    return v == null ? "" : v.toString();
  }
}
