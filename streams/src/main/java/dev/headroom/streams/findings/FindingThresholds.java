package dev.headroom.streams.findings;

import java.time.Duration;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/** Where each catalog check draws its lines; every one is a {@code findings.*} setting. */
public record FindingThresholds(
    double xidAgeWarning, double xidAgeCritical,
    double deadTupleShare, long deadTupleMinRows,
    double connectionsWarning, double connectionsCritical,
    double slotWalWarningBytes, double slotWalCriticalBytes,
    double replicationLagWarningS, double replicationLagCriticalS,
    double cacheHitRatio, long cacheMinBlocks,
    long seqScanMinBytes,
    long unusedIndexMinBytes, Duration unusedIndexPeriod,
    long partitionMinBytes,
    double diskWarning, double diskCritical,
    double poolEfficiency,
    int topStatements) {

  public static final String PREFIX = "findings.";
  static final String XID_WARNING = PREFIX + "xid.age.warning";
  static final String XID_CRITICAL = PREFIX + "xid.age.critical";
  static final String DEAD_SHARE = PREFIX + "dead.tuples.share";
  static final String DEAD_MIN_ROWS = PREFIX + "dead.tuples.min.rows";
  static final String CONNECTIONS_WARNING = PREFIX + "connections.warning";
  static final String CONNECTIONS_CRITICAL = PREFIX + "connections.critical";
  static final String SLOT_WAL_WARNING = PREFIX + "slot.wal.warning.bytes";
  static final String SLOT_WAL_CRITICAL = PREFIX + "slot.wal.critical.bytes";
  static final String LAG_WARNING = PREFIX + "replication.lag.warning.s";
  static final String LAG_CRITICAL = PREFIX + "replication.lag.critical.s";
  static final String CACHE_HIT = PREFIX + "cache.hit.ratio";
  static final String CACHE_MIN_BLOCKS = PREFIX + "cache.min.blocks";
  static final String SEQ_SCAN_MIN_BYTES = PREFIX + "seq.scan.min.bytes";
  static final String UNUSED_INDEX_MIN_BYTES = PREFIX + "unused.index.min.bytes";
  static final String UNUSED_INDEX_PERIOD = PREFIX + "unused.index.period.ms";
  static final String PARTITION_MIN_BYTES = PREFIX + "partition.min.bytes";
  static final String DISK_WARNING = PREFIX + "disk.warning";
  static final String DISK_CRITICAL = PREFIX + "disk.critical";
  static final String POOL_EFFICIENCY = PREFIX + "pool.efficiency";
  static final String TOP_STATEMENTS = PREFIX + "top.statements";

  public static final FindingThresholds DEFAULTS = new FindingThresholds(1_200_000_000d, 1_600_000_000d, 0.2, 10_000,
      0.8, 0.9, 1L << 30, 10L << 30, 30, 300, 0.99, 10_000, 100L << 20, 1L << 20, Duration.ofDays(7), 10L << 30,
      0.8, 0.9, 0.7, 10);

  public FindingThresholds {
    pair(XID_WARNING, xidAgeWarning, XID_CRITICAL, xidAgeCritical);
    pair(CONNECTIONS_WARNING, connectionsWarning, CONNECTIONS_CRITICAL, connectionsCritical);
    pair(SLOT_WAL_WARNING, slotWalWarningBytes, SLOT_WAL_CRITICAL, slotWalCriticalBytes);
    pair(LAG_WARNING, replicationLagWarningS, LAG_CRITICAL, replicationLagCriticalS);
    pair(DISK_WARNING, diskWarning, DISK_CRITICAL, diskCritical);
  }

  private static void pair(String warningName, double warning, String criticalName, double critical) {
    if (critical < warning) {
      throw new ConfigException(criticalName, critical, "must not be below " + warningName + " (" + warning + ")");
    }
  }

  /** Adds the {@code findings.*} settings, defaults from {@link #DEFAULTS}. */
  public static ConfigDef define(ConfigDef def) {
    FindingThresholds d = DEFAULTS;
    Range ratio = Range.between(0, 1);
    return def
        .define(XID_WARNING, Type.LONG, (long) d.xidAgeWarning, Range.between(0, 2_147_483_648L), Importance.LOW,
            "Transaction-ID age (of a database's datfrozenxid) that makes an xid_age finding a warning;"
                + " wraparound is at 2^31.")
        .define(XID_CRITICAL, Type.LONG, (long) d.xidAgeCritical, Range.between(0, 2_147_483_648L), Importance.LOW,
            "Transaction-ID age that makes an xid_age finding critical.")
        .define(DEAD_SHARE, Type.DOUBLE, d.deadTupleShare, ratio, Importance.LOW,
            "Share of dead rows (n_dead_tup / (n_live_tup + n_dead_tup)) above which a table gets a dead_tuples finding.")
        .define(DEAD_MIN_ROWS, Type.LONG, d.deadTupleMinRows, Range.atLeast(0), Importance.LOW,
            "Dead rows a table must have at least before the dead_tuples check judges it.")
        .define(CONNECTIONS_WARNING, Type.DOUBLE, d.connectionsWarning, ratio, Importance.LOW,
            "Share of the usable connections (max_connections - reserved) in use that makes a connections warning.")
        .define(CONNECTIONS_CRITICAL, Type.DOUBLE, d.connectionsCritical, ratio, Importance.LOW,
            "Share of the usable connections in use that makes the connections finding critical.")
        .define(SLOT_WAL_WARNING, Type.LONG, (long) d.slotWalWarningBytes, Range.atLeast(0), Importance.LOW,
            "WAL bytes a replication slot retains that make a slot_retained_wal warning.")
        .define(SLOT_WAL_CRITICAL, Type.LONG, (long) d.slotWalCriticalBytes, Range.atLeast(0), Importance.LOW,
            "WAL bytes a replication slot retains that make the slot_retained_wal finding critical.")
        .define(LAG_WARNING, Type.DOUBLE, d.replicationLagWarningS, Range.atLeast(0), Importance.LOW,
            "Replay lag in seconds that makes a replication_lag warning.")
        .define(LAG_CRITICAL, Type.DOUBLE, d.replicationLagCriticalS, Range.atLeast(0), Importance.LOW,
            "Replay lag in seconds that makes the replication_lag finding critical.")
        .define(CACHE_HIT, Type.DOUBLE, d.cacheHitRatio, ratio, Importance.LOW,
            "Buffer cache hit ratio (per database and per table, over an interval) below which a cache_hit_ratio"
                + " finding is a warning.")
        .define(CACHE_MIN_BLOCKS, Type.LONG, d.cacheMinBlocks, Range.atLeast(1), Importance.LOW,
            "Block reads (hits + misses) an interval needs before its cache hit ratio is judged, by findings and by"
                + " the cache_hit_ratio alert metric.")
        .define(SEQ_SCAN_MIN_BYTES, Type.LONG, d.seqScanMinBytes, Range.atLeast(0), Importance.LOW,
            "Tables smaller than this are never seq_scan_heavy (a sequential scan of a small table is fine).")
        .define(UNUSED_INDEX_MIN_BYTES, Type.LONG, d.unusedIndexMinBytes, Range.atLeast(0), Importance.LOW,
            "Indexes smaller than this are never reported unused.")
        .define(UNUSED_INDEX_PERIOD, Type.LONG, d.unusedIndexPeriod.toMillis(), Range.atLeast(60_000), Importance.LOW,
            "How long (event time) an index must go without a scan before it is an unused_index: watched from when"
                + " the streams app first saw it, or known at once on PostgreSQL 16+ from last_idx_scan. Unique and"
                + " primary keys and indexes behind constraints are never reported.")
        .define(PARTITION_MIN_BYTES, Type.LONG, d.partitionMinBytes, Range.atLeast(0), Importance.LOW,
            "Tables at least this large that only grow (inserts, almost no deletes) get a partition_candidate finding.")
        .define(DISK_WARNING, Type.DOUBLE, d.diskWarning, ratio, Importance.LOW,
            "Used share of the data directory's filesystem that makes a disk_usage warning (host section).")
        .define(DISK_CRITICAL, Type.DOUBLE, d.diskCritical, ratio, Importance.LOW,
            "Used share of the data directory's filesystem that makes the disk_usage finding critical.")
        .define(POOL_EFFICIENCY, Type.DOUBLE, d.poolEfficiency, ratio, Importance.LOW,
            "PgBouncer pool efficiency (cl_active / (cl_active + cl_waiting)) below which a pool gets a"
                + " pool_efficiency finding.")
        .define(TOP_STATEMENTS, Type.INT, d.topStatements, Range.between(0, 1000), Importance.LOW,
            "How many statements per instance get a top_total_time and a top_mean_time finding (info), from"
                + " pg_stat_statements' totals since its last reset; 0 turns them off.");
  }

  public static FindingThresholds from(AbstractConfig c) {
    return new FindingThresholds(c.getLong(XID_WARNING), c.getLong(XID_CRITICAL), c.getDouble(DEAD_SHARE),
        c.getLong(DEAD_MIN_ROWS), c.getDouble(CONNECTIONS_WARNING), c.getDouble(CONNECTIONS_CRITICAL),
        c.getLong(SLOT_WAL_WARNING), c.getLong(SLOT_WAL_CRITICAL), c.getDouble(LAG_WARNING),
        c.getDouble(LAG_CRITICAL), c.getDouble(CACHE_HIT), c.getLong(CACHE_MIN_BLOCKS), c.getLong(SEQ_SCAN_MIN_BYTES),
        c.getLong(UNUSED_INDEX_MIN_BYTES), Duration.ofMillis(c.getLong(UNUSED_INDEX_PERIOD)),
        c.getLong(PARTITION_MIN_BYTES), c.getDouble(DISK_WARNING), c.getDouble(DISK_CRITICAL),
        c.getDouble(POOL_EFFICIENCY), c.getInt(TOP_STATEMENTS));
  }
}
