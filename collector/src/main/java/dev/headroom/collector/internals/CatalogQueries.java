package dev.headroom.collector.internals;

/**
 * The catalog SQL of every section, per server version. Every column is named as in
 * CONTRACTS.md; a column a version lacks is left out (never faked), and renamed columns are
 * published under one name across versions (e.g. checkpoint counters, which moved to
 * pg_stat_checkpointer in 17). Only bind parameters and these constant fragments make SQL.
 */
final class CatalogQueries {
  private CatalogQueries() {}

  /** The current WAL position: on a standby, what it has replayed. */
  private static final String WAL_NOW =
      "CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END";
  /** Where retained WAL is measured from: on a standby, what it has received. */
  private static final String WAL_TIP =
      "CASE WHEN pg_is_in_recovery() THEN coalesce(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())"
          + " ELSE pg_current_wal_lsn() END";

  /** Statements by total time: bind 1 = query length (only when texts are read), last = the limit. */
  static String statements(ServerInfo s, boolean queryText) {
    int v = s.statementsVersion();
    StringBuilder sql = new StringBuilder("SELECT s.queryid, d.datname, r.rolname AS usename, ")
        .append(v >= 109 ? "s.toplevel" : "true").append(" AS toplevel, ")
        .append(queryText ? "left(s.query, ?)" : "NULL::text").append(" AS query,")
        .append(" s.calls, s.total_exec_time AS total_exec_time_ms, s.min_exec_time AS min_exec_time_ms,")
        .append(" s.max_exec_time AS max_exec_time_ms, s.mean_exec_time AS mean_exec_time_ms,")
        .append(" s.stddev_exec_time AS stddev_exec_time_ms, s.plans, s.total_plan_time AS total_plan_time_ms, s.rows,")
        .append(" s.shared_blks_hit, s.shared_blks_read, s.shared_blks_dirtied, s.shared_blks_written,")
        .append(" s.local_blks_hit, s.local_blks_read, s.temp_blks_read, s.temp_blks_written,")
        .append(v >= 111 ? " s.shared_blk_read_time AS blk_read_time_ms, s.shared_blk_write_time AS blk_write_time_ms,"
            : " s.blk_read_time AS blk_read_time_ms, s.blk_write_time AS blk_write_time_ms,")
        .append(" s.wal_records, s.wal_fpi, s.wal_bytes,")
        .append(v >= 111 ? " s.stats_since, s.minmax_stats_since," : "")
        .append(" count(*) OVER () AS headroom_total")
        // without texts, pg_stat_statements(false) does not read the query text file at all
        .append(queryText ? " FROM pg_stat_statements s" : " FROM pg_stat_statements(false) s")
        .append(" LEFT JOIN pg_database d ON d.oid = s.dbid")
        .append(" LEFT JOIN pg_roles r ON r.oid = s.userid")
        .append(" ORDER BY s.total_exec_time DESC LIMIT ?");
    return sql.toString();
  }

  /** pg_stat_statements' own state: evictions (from 1.9) and its size; the reader adds the entries it counted. */
  static String statementsInfo(ServerInfo s) {
    return s.statementsVersion() >= 109
        ? "SELECT i.dealloc, i.stats_reset, current_setting('pg_stat_statements.max')::bigint AS max"
            + " FROM pg_stat_statements_info i"
        : "SELECT current_setting('pg_stat_statements.max')::bigint AS max";
  }

  static String databases(ServerInfo s) {
    return "SELECT d.datname, s.numbackends, s.xact_commit, s.xact_rollback, s.blks_read, s.blks_hit,"
        + " s.tup_returned, s.tup_fetched, s.tup_inserted, s.tup_updated, s.tup_deleted, s.conflicts,"
        + " s.temp_files, s.temp_bytes, s.deadlocks, s.checksum_failures,"
        + " s.blk_read_time AS blk_read_time_ms, s.blk_write_time AS blk_write_time_ms,"
        + (s.atLeast(14) ? " s.session_time AS session_time_ms, s.active_time AS active_time_ms,"
            + " s.idle_in_transaction_time AS idle_in_transaction_time_ms, s.sessions, s.sessions_abandoned,"
            + " s.sessions_fatal, s.sessions_killed," : "")
        + " s.stats_reset, age(d.datfrozenxid) AS frozen_xid_age, mxid_age(d.datminmxid) AS min_mxid_age,"
        + " d.datallowconn AS allow_connections"
        + " FROM pg_database d JOIN pg_stat_database s ON s.datid = d.oid"
        + " ORDER BY d.datname";
  }

  /** Sizes walk every file of a database: read on their own, slower schedule. */
  static final String DATABASE_SIZES = "SELECT d.datname, pg_database_size(d.oid) AS size_bytes FROM pg_database d"
      + " WHERE d.datallowconn AND has_database_privilege(d.oid, 'CONNECT') ORDER BY d.datname";

  /** Every backend but our own, for the activity section's counts (aggregated in Java). */
  static String activity(ServerInfo s) {
    return "SELECT a.datname, a.usename, a.application_name, a.backend_type, a.state, a.wait_event_type,"
        + " extract(epoch FROM now() - a.xact_start)::float8 AS xact_age_s,"
        + " CASE WHEN a.state = 'active' THEN extract(epoch FROM now() - a.query_start)::float8 END AS query_age_s,"
        + " age(a.backend_xmin) AS xmin_age"
        + " FROM pg_stat_activity a WHERE a.pid <> pg_backend_pid()";
  }

  static String connectionLimits(ServerInfo s) {
    return "SELECT current_setting('max_connections')::int AS max_connections,"
        + " current_setting('superuser_reserved_connections')::int"
        + (s.atLeast(16) ? " + current_setting('reserved_connections')::int" : "") + " AS reserved_connections";
  }

  /** A primary's standbys (also a cascading standby's). */
  static String replicationSenders(ServerInfo s) {
    String now = s.standby() ? "pg_last_wal_replay_lsn()" : "pg_current_wal_lsn()";
    return "SELECT 'sender' AS kind, r.application_name, host(r.client_addr) AS client_addr, r.state, r.sync_state,"
        + " pg_wal_lsn_diff(" + now + ", r.sent_lsn)::bigint AS sent_lag_bytes,"
        + " pg_wal_lsn_diff(" + now + ", r.write_lsn)::bigint AS write_lag_bytes,"
        + " pg_wal_lsn_diff(" + now + ", r.flush_lsn)::bigint AS flush_lag_bytes,"
        + " pg_wal_lsn_diff(" + now + ", r.replay_lsn)::bigint AS replay_lag_bytes,"
        + " extract(epoch FROM r.write_lag)::float8 AS write_lag_s,"
        + " extract(epoch FROM r.flush_lag)::float8 AS flush_lag_s,"
        + " extract(epoch FROM r.replay_lag)::float8 AS replay_lag_s,"
        + " r.reply_time FROM pg_stat_replication r ORDER BY r.application_name, r.client_addr";
  }

  /** A standby's own replay position against what it received, and its WAL receiver. */
  static final String REPLICATION_RECEIVER = "SELECT 'receiver' AS kind, w.status, w.sender_host, w.sender_port,"
      + " pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::bigint AS replay_lag_bytes,"
      + " CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
      + " ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END AS replay_lag_s,"
      + " pg_last_xact_replay_timestamp() AS last_replay_at, w.last_msg_receipt_time"
      + " FROM (SELECT 1) one LEFT JOIN pg_stat_wal_receiver w ON true";

  static String slots(ServerInfo s) {
    return "SELECT l.slot_name, l.slot_type, l.plugin, l.database, l.active, l.temporary,"
        + " pg_wal_lsn_diff(" + WAL_TIP + ", l.restart_lsn)::bigint AS retained_wal_bytes,"
        + " CASE WHEN l.slot_type = 'logical' THEN pg_wal_lsn_diff(" + WAL_TIP
        + ", l.confirmed_flush_lsn)::bigint END AS confirmed_flush_lag_bytes,"
        + " l.wal_status, l.safe_wal_size AS safe_wal_size_bytes, age(l.xmin) AS xmin_age,"
        + " age(l.catalog_xmin) AS catalog_xmin_age"
        + (s.atLeast(16) ? ", l.conflicting" : "")
        + (s.atLeast(17) ? ", l.inactive_since" : "")
        + " FROM pg_replication_slots l ORDER BY l.slot_name";
  }

  static final String SETTINGS = "SELECT name, setting, unit, vartype, source, pending_restart FROM pg_settings ORDER BY name";

  /** One row: the WAL position (all versions), pg_stat_wal (14+) and the archiver. */
  static String wal(ServerInfo s) {
    StringBuilder sql = new StringBuilder("SELECT pg_wal_lsn_diff(" + WAL_NOW + ", '0/0')::bigint AS wal_position_bytes,")
        .append(" a.archived_count, a.failed_count AS archive_failed_count, a.last_archived_time, a.last_failed_time")
        .append(" AS last_archive_failed_time, a.stats_reset AS archiver_stats_reset");
    if (s.atLeast(14)) {
      sql.append(", w.wal_records, w.wal_fpi, w.wal_bytes, w.wal_buffers_full");
      if (!s.atLeast(18)) { // 18 moved write and sync counts to pg_stat_io
        sql.append(", w.wal_write, w.wal_sync, w.wal_write_time AS wal_write_time_ms, w.wal_sync_time AS wal_sync_time_ms");
      }
      sql.append(", w.stats_reset FROM pg_stat_archiver a, pg_stat_wal w");
    } else {
      sql.append(" FROM pg_stat_archiver a");
    }
    return sql.toString();
  }

  static String bgwriter(ServerInfo s) {
    return "SELECT buffers_clean, maxwritten_clean, buffers_alloc"
        + (s.atLeast(17) ? "" : ", buffers_backend, buffers_backend_fsync")
        + ", stats_reset FROM pg_stat_bgwriter";
  }

  /** Checkpoint counters under one set of names: pg_stat_checkpointer from 17, pg_stat_bgwriter before. */
  static String checkpointer(ServerInfo s) {
    if (s.atLeast(17)) {
      return "SELECT num_timed AS checkpoints_timed, num_requested AS checkpoints_req,"
          + " restartpoints_timed, restartpoints_req, restartpoints_done,"
          + " write_time AS checkpoint_write_time_ms, sync_time AS checkpoint_sync_time_ms,"
          + " buffers_written AS buffers_checkpoint, stats_reset FROM pg_stat_checkpointer";
    }
    return "SELECT checkpoints_timed, checkpoints_req, checkpoint_write_time AS checkpoint_write_time_ms,"
        + " checkpoint_sync_time AS checkpoint_sync_time_ms, buffers_checkpoint, stats_reset FROM pg_stat_bgwriter";
  }

  // ---- per database: read over a connection to each database ----

  /**
   * Exact sizes walk every file of every relation: read only when {@code sizes}; an estimate
   * always. table_bytes is pg_table_size (heap, TOAST, free space and visibility maps, as psql's
   * \dt+ shows); total_bytes adds the indexes. When the indexes are read in the same snapshot,
   * the reader adds their sizes ({@code totalFromIndexes}) instead of walking their files twice.
   */
  static String tables(ServerInfo s, boolean sizes, boolean totalFromIndexes) {
    return "SELECT current_database() AS datname, t.schemaname AS schema, t.relname AS \"table\","
        + " t.seq_scan, t.seq_tup_read, t.idx_scan, t.idx_tup_fetch, t.n_tup_ins, t.n_tup_upd, t.n_tup_del,"
        + " t.n_tup_hot_upd, t.n_live_tup, t.n_dead_tup, t.n_mod_since_analyze, t.n_ins_since_vacuum,"
        + (s.atLeast(16) ? " t.n_tup_newpage_upd, t.last_seq_scan, t.last_idx_scan," : "")
        + " t.last_vacuum, t.last_autovacuum, t.last_analyze, t.last_autoanalyze,"
        + " t.vacuum_count, t.autovacuum_count, t.analyze_count, t.autoanalyze_count,"
        + " io.heap_blks_read, io.heap_blks_hit, io.idx_blks_read, io.idx_blks_hit, io.toast_blks_read, io.toast_blks_hit,"
        + (!sizes ? " NULL::bigint AS table_bytes, NULL::bigint AS total_bytes,"
            : totalFromIndexes ? " pg_table_size(t.relid) AS table_bytes, NULL::bigint AS total_bytes,"
            : " pg_table_size(t.relid) AS table_bytes, pg_total_relation_size(t.relid) AS total_bytes,")
        + " c.relpages::bigint * current_setting('block_size')::bigint AS estimated_bytes,"
        + " age(c.relfrozenxid) AS frozen_xid_age, array_to_string(c.reloptions, ',') AS reloptions"
        + " FROM pg_stat_user_tables t JOIN pg_statio_user_tables io ON io.relid = t.relid"
        + " JOIN pg_class c ON c.oid = t.relid"
        + " ORDER BY t.schemaname, t.relname";
  }

  /** Bind 1: the oids (int8[]) whose definition the reader already has; theirs comes back null. */
  static String indexes(ServerInfo s, boolean sizes) {
    return "SELECT x.indexrelid::bigint AS indexrelid, current_database() AS datname, x.schemaname AS schema,"
        + " x.relname AS \"table\","
        + " x.indexrelname AS \"index\", x.idx_scan, x.idx_tup_read, x.idx_tup_fetch,"
        + (s.atLeast(16) ? " x.last_idx_scan," : "")
        + " io.idx_blks_read, io.idx_blks_hit,"
        + (sizes ? " pg_relation_size(x.indexrelid) AS size_bytes," : " NULL::bigint AS size_bytes,")
        + " ic.relpages::bigint * current_setting('block_size')::bigint AS estimated_bytes,"
        + " i.indisunique AS is_unique, i.indisprimary AS is_primary, i.indisvalid AS is_valid,"
        + " k.conindid IS NOT NULL AS backs_constraint,"
        + " i.indkey::text AS key_columns, i.indpred IS NOT NULL AS is_partial,"
        + " CASE WHEN x.indexrelid::bigint = ANY(?) THEN NULL ELSE pg_get_indexdef(x.indexrelid) END AS definition"
        + " FROM pg_stat_user_indexes x JOIN pg_statio_user_indexes io ON io.indexrelid = x.indexrelid"
        + " JOIN pg_index i ON i.indexrelid = x.indexrelid JOIN pg_class ic ON ic.oid = x.indexrelid"
        + " LEFT JOIN (SELECT DISTINCT conindid FROM pg_constraint WHERE conindid <> 0) k ON k.conindid = x.indexrelid"
        + " ORDER BY x.schemaname, x.relname, x.indexrelname";
  }

  static final String INDEX_DEFINITIONS =
      "SELECT indexrelid::bigint, pg_get_indexdef(indexrelid) FROM pg_index WHERE indexrelid::bigint = ANY(?)";

  /** last_value is null without SELECT or USAGE on the sequence (pg_monitor does not give it): {@code readable} says which. */
  static final String SEQUENCES = "SELECT current_database() AS datname, q.schemaname || '.' || q.sequencename AS name,"
      + " q.schemaname AS schema, q.sequencename AS sequence, q.data_type::text AS data_type, q.last_value,"
      + " q.min_value, q.max_value, q.increment_by, q.cycle,"
      + " has_sequence_privilege(format('%I.%I', q.schemaname, q.sequencename), 'SELECT,USAGE') AS readable"
      + " FROM pg_sequences q ORDER BY q.schemaname, q.sequencename";

  /** Databases a per-database section can connect to. */
  static final String CONNECTABLE_DATABASES = "SELECT datname FROM pg_database"
      + " WHERE datallowconn AND NOT datistemplate AND has_database_privilege(oid, 'CONNECT') ORDER BY datname";
}
