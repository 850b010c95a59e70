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

  public record Section(String name, List<String> identity, List<String> counters) {}

  public static final Section STATEMENTS = new Section("statements",
      List.of("datname", "usename", "toplevel", "queryid"),
      List.of("calls", "total_exec_time_ms", "rows", "shared_blks_hit", "shared_blks_read", "temp_blks_written",
          "wal_bytes", EXEC_TIME_SQ_SUM));

  public static final Section DATABASES = new Section("databases",
      List.of("datname"),
      List.of("xact_commit", "xact_rollback", "blks_read", "blks_hit", "tup_returned", "tup_fetched", "tup_inserted",
          "tup_updated", "tup_deleted", "deadlocks", "temp_bytes"));

  public static final Map<String, Section> BY_NAME = Map.of(STATEMENTS.name(), STATEMENTS, DATABASES.name(), DATABASES);

  /** Counters computed from others: rounding may move them down slightly, so they never signal a reset. */
  public static final Set<String> DERIVED = Set.of(EXEC_TIME_SQ_SUM);

  /** Row fields whose change means the object's counters restarted from zero. */
  public static final List<String> RESET_MARKERS = List.of("stats_reset", "stats_since");

  private Sections() {}
}
