package dev.headroom.streams.deltas;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the delta processor knows of each snapshot section: which row fields identify an
 * object, which are labels worth carrying, and which are cumulative counters.
 * Gauges (sizes, backends, ages) are not differenced.
 */
public final class Sections {
  /** Σx² of execution times, recovered from the cumulative mean and (population) stddev. */
  public static final String EXEC_TIME_SQ_SUM = "exec_time_sq_sum_ms2";

  /**
   * Watched, not differenced: values that only grow during an object's life, so one going down
   * is a reset; they never appear in a delta. (The min is kept negated, so it grows too.)
   */
  public static final String WATCH_PREFIX = "~";
  public static final String WATCH_MAX_EXEC_TIME = WATCH_PREFIX + "max_exec_time_ms";
  public static final String WATCH_MIN_EXEC_TIME = WATCH_PREFIX + "neg_min_exec_time_ms";

  public record Section(String name, List<String> identity, List<String> counters) {}

  public static final Section STATEMENTS = new Section("statements",
      List.of("datname", "usename", "toplevel", "queryid"),
      List.of("calls", "total_exec_time_ms", "plans", "total_plan_time_ms", "rows", "shared_blks_hit",
          "shared_blks_read", "shared_blks_dirtied", "shared_blks_written", "local_blks_hit", "local_blks_read",
          "temp_blks_read", "temp_blks_written", "blk_read_time_ms", "blk_write_time_ms", "wal_records", "wal_fpi",
          "wal_bytes", EXEC_TIME_SQ_SUM));

  public static final Section DATABASES = new Section("databases",
      List.of("datname"),
      List.of("xact_commit", "xact_rollback", "blks_read", "blks_hit", "tup_returned", "tup_fetched", "tup_inserted",
          "tup_updated", "tup_deleted", "conflicts", "temp_files", "temp_bytes", "deadlocks", "checksum_failures",
          "blk_read_time_ms", "blk_write_time_ms", "session_time_ms", "active_time_ms", "idle_in_transaction_time_ms",
          "sessions", "sessions_abandoned", "sessions_fatal", "sessions_killed"));

  public static final Section TABLES = new Section("tables",
      List.of("datname", "schema", "table"),
      List.of("seq_scan", "seq_tup_read", "idx_scan", "idx_tup_fetch", "n_tup_ins", "n_tup_upd", "n_tup_del",
          "n_tup_hot_upd", "n_tup_newpage_upd", "vacuum_count", "autovacuum_count", "analyze_count",
          "autoanalyze_count", "heap_blks_read", "heap_blks_hit", "idx_blks_read", "idx_blks_hit", "toast_blks_read",
          "toast_blks_hit"));

  public static final Section INDEXES = new Section("indexes",
      List.of("datname", "schema", "table", "index"),
      List.of("idx_scan", "idx_tup_read", "idx_tup_fetch", "idx_blks_read", "idx_blks_hit"));

  /** One row; wal_position_bytes is the LSN as bytes, so its delta is the WAL written (or replayed) in the interval. */
  public static final Section WAL = new Section("wal",
      List.of(),
      List.of("wal_position_bytes", "archived_count", "archive_failed_count", "wal_records", "wal_fpi", "wal_bytes",
          "wal_buffers_full", "wal_write", "wal_sync", "wal_write_time_ms", "wal_sync_time_ms"));

  public static final Section BGWRITER = new Section("bgwriter",
      List.of(),
      List.of("buffers_clean", "maxwritten_clean", "buffers_alloc", "buffers_backend", "buffers_backend_fsync"));

  public static final Section CHECKPOINTER = new Section("checkpointer",
      List.of(),
      List.of("checkpoints_timed", "checkpoints_req", "restartpoints_timed", "restartpoints_req", "restartpoints_done",
          "checkpoint_write_time_ms", "checkpoint_sync_time_ms", "buffers_checkpoint"));

  public static final Section STATEMENTS_INFO = new Section("statements_info", List.of(), List.of("dealloc"));

  public static final Section PGBOUNCER_STATS = new Section("pgbouncer_stats",
      List.of("database"),
      List.of("total_xact_count", "total_query_count", "total_received", "total_sent", "total_xact_time_ms",
          "total_query_time_ms", "total_wait_time_ms"));

  /** The host's CPU ticks: their deltas give the busy share of the interval. */
  public static final Section HOST = new Section("host",
      List.of(),
      List.of("cpu_total_ticks", "cpu_idle_ticks", "cpu_iowait_ticks"));

  public static final Map<String, Section> BY_NAME = java.util.stream.Stream.of(STATEMENTS, DATABASES, TABLES,
          INDEXES, WAL, BGWRITER, CHECKPOINTER, STATEMENTS_INFO, PGBOUNCER_STATS, HOST)
      .collect(java.util.stream.Collectors.toUnmodifiableMap(Section::name, section -> section));

  /**
   * Positions, not statistics: the WAL's LSN never restarts, whatever reset the statistics of its
   * row (a crash resets pg_stat_archiver and pg_stat_wal), so across a reset its delta is still
   * the difference, not the whole position.
   */
  public static final Set<String> POSITIONS = Set.of("wal_position_bytes");

  /** Counters computed from others: rounding may move them down slightly, so they never signal a reset. */
  public static final Set<String> DERIVED = Set.of(EXEC_TIME_SQ_SUM);

  /** Row fields whose change means the object's counters restarted from zero. */
  public static final List<String> RESET_MARKERS = List.of("stats_reset", "stats_since", "archiver_stats_reset");

  private Sections() {}
}
