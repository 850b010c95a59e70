package dev.headroom.simulator.internals;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A set of cumulative counters named by an enum whose constants are the row fields in upper case
 * ({@code XACT_COMMIT} is {@code xact_commit}). Counters ending in {@code _ms} are published as
 * numbers, the others as whole numbers (rounded down, so a counter fed fractions stays monotone).
 */
final class Counters<E extends Enum<E>> {
  /** pg_stat_database (14+). */
  enum Database {
    XACT_COMMIT, XACT_ROLLBACK, BLKS_READ, BLKS_HIT, TUP_RETURNED, TUP_FETCHED, TUP_INSERTED, TUP_UPDATED,
    TUP_DELETED, CONFLICTS, TEMP_FILES, TEMP_BYTES, DEADLOCKS, BLK_READ_TIME_MS, BLK_WRITE_TIME_MS, SESSION_TIME_MS,
    ACTIVE_TIME_MS, IDLE_IN_TRANSACTION_TIME_MS, SESSIONS, SESSIONS_ABANDONED, SESSIONS_FATAL, SESSIONS_KILLED
  }

  /** pg_stat_user_tables and pg_statio_user_tables; n_tup_newpage_upd from 16. */
  enum Table {
    SEQ_SCAN, SEQ_TUP_READ, IDX_SCAN, IDX_TUP_FETCH, N_TUP_INS, N_TUP_UPD, N_TUP_DEL, N_TUP_HOT_UPD, N_TUP_NEWPAGE_UPD,
    VACUUM_COUNT, AUTOVACUUM_COUNT, ANALYZE_COUNT, AUTOANALYZE_COUNT, HEAP_BLKS_READ, HEAP_BLKS_HIT, IDX_BLKS_READ,
    IDX_BLKS_HIT, TOAST_BLKS_READ, TOAST_BLKS_HIT
  }

  /** pg_stat_user_indexes and pg_statio_user_indexes. */
  enum Index { IDX_SCAN, IDX_TUP_READ, IDX_TUP_FETCH, IDX_BLKS_READ, IDX_BLKS_HIT }

  /** pg_stat_archiver and pg_stat_wal (14–17). */
  enum Wal {
    ARCHIVED_COUNT, ARCHIVE_FAILED_COUNT, WAL_RECORDS, WAL_FPI, WAL_BYTES, WAL_BUFFERS_FULL, WAL_WRITE, WAL_SYNC,
    WAL_WRITE_TIME_MS, WAL_SYNC_TIME_MS
  }

  /** pg_stat_bgwriter; the backend counters only before 17. */
  enum Bgwriter { BUFFERS_CLEAN, MAXWRITTEN_CLEAN, BUFFERS_ALLOC, BUFFERS_BACKEND, BUFFERS_BACKEND_FSYNC }

  /** Checkpoint counters under the collector's names; restartpoints only from 17. */
  enum Checkpointer {
    CHECKPOINTS_TIMED, CHECKPOINTS_REQ, RESTARTPOINTS_TIMED, RESTARTPOINTS_REQ, RESTARTPOINTS_DONE,
    CHECKPOINT_WRITE_TIME_MS, CHECKPOINT_SYNC_TIME_MS, BUFFERS_CHECKPOINT
  }

  /** PgBouncer's SHOW STATS per database, times in ms. */
  enum Pooler {
    TOTAL_XACT_COUNT, TOTAL_QUERY_COUNT, TOTAL_RECEIVED, TOTAL_SENT, TOTAL_XACT_TIME_MS, TOTAL_QUERY_TIME_MS,
    TOTAL_WAIT_TIME_MS
  }

  private final String[] names;
  private final boolean[] published;
  private final double[] values;

  Counters(Class<E> type, Set<E> omitted) {
    E[] keys = type.getEnumConstants();
    names = new String[keys.length];
    published = new boolean[keys.length];
    values = new double[keys.length];
    for (E key : keys) {
      names[key.ordinal()] = key.name().toLowerCase(Locale.ROOT);
      published[key.ordinal()] = !omitted.contains(key);
    }
  }

  Counters(Class<E> type) {
    this(type, Set.of());
  }

  void add(E key, double amount) {
    values[key.ordinal()] += amount;
  }

  double get(E key) {
    return values[key.ordinal()];
  }

  void reset() {
    Arrays.fill(values, 0);
  }

  void putInto(Map<String, Object> row) {
    for (int i = 0; i < values.length; i++) {
      if (published[i]) {
        row.put(names[i], names[i].endsWith("_ms") ? (Object) values[i] : (Object) (long) Math.floor(values[i]));
      }
    }
  }
}
