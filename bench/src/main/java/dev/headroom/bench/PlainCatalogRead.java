package dev.headroom.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The floor: the collector's catalog SQL for PostgreSQL 15 (pg_stat_statements 1.10), run as a
 * superuser the way psql would — one statement after another in autocommit, no transaction, no
 * timeouts, rows only counted, nothing turned into JSON. The texts are copies of
 * {@code CatalogQueries} (package-private in the collector); the benchmark checks that the floor
 * and the collector ran statements with the same queryids, so a copy that drifts shows up.
 */
final class PlainCatalogRead implements AutoCloseable {
  interface Connector {
    Connection open(String database) throws SQLException;
  }

  static final String STATEMENTS = "SELECT s.queryid, d.datname, r.rolname AS usename, s.toplevel AS toplevel,"
      + " left(s.query, ?) AS query, s.calls, s.total_exec_time AS total_exec_time_ms, s.min_exec_time AS min_exec_time_ms,"
      + " s.max_exec_time AS max_exec_time_ms, s.mean_exec_time AS mean_exec_time_ms,"
      + " s.stddev_exec_time AS stddev_exec_time_ms, s.plans, s.total_plan_time AS total_plan_time_ms, s.rows,"
      + " s.shared_blks_hit, s.shared_blks_read, s.shared_blks_dirtied, s.shared_blks_written,"
      + " s.local_blks_hit, s.local_blks_read, s.temp_blks_read, s.temp_blks_written,"
      + " s.blk_read_time AS blk_read_time_ms, s.blk_write_time AS blk_write_time_ms,"
      + " s.wal_records, s.wal_fpi, s.wal_bytes, count(*) OVER () AS headroom_total"
      + " FROM pg_stat_statements s LEFT JOIN pg_database d ON d.oid = s.dbid LEFT JOIN pg_roles r ON r.oid = s.userid"
      + " ORDER BY s.total_exec_time DESC LIMIT ?";
  static final String STATEMENTS_INFO = "SELECT i.dealloc, i.stats_reset, (SELECT count(*) FROM pg_stat_statements) AS entries,"
      + " current_setting('pg_stat_statements.max')::bigint AS max FROM pg_stat_statements_info i";
  static final String DATABASES = "SELECT d.datname, s.numbackends, s.xact_commit, s.xact_rollback, s.blks_read, s.blks_hit,"
      + " s.tup_returned, s.tup_fetched, s.tup_inserted, s.tup_updated, s.tup_deleted, s.conflicts,"
      + " s.temp_files, s.temp_bytes, s.deadlocks, s.checksum_failures,"
      + " s.blk_read_time AS blk_read_time_ms, s.blk_write_time AS blk_write_time_ms,"
      + " s.session_time AS session_time_ms, s.active_time AS active_time_ms,"
      + " s.idle_in_transaction_time AS idle_in_transaction_time_ms, s.sessions, s.sessions_abandoned,"
      + " s.sessions_fatal, s.sessions_killed,"
      + " s.stats_reset, age(d.datfrozenxid) AS frozen_xid_age, mxid_age(d.datminmxid) AS min_mxid_age,"
      + " d.datallowconn AS allow_connections FROM pg_database d JOIN pg_stat_database s ON s.datid = d.oid ORDER BY d.datname";
  static final String DATABASE_SIZES = "SELECT d.datname, pg_database_size(d.oid) AS size_bytes FROM pg_database d"
      + " WHERE d.datallowconn AND has_database_privilege(d.oid, 'CONNECT') ORDER BY d.datname";
  static final String ACTIVITY = "SELECT a.datname, a.usename, a.application_name, a.backend_type, a.state, a.wait_event_type,"
      + " extract(epoch FROM now() - a.xact_start)::float8 AS xact_age_s,"
      + " CASE WHEN a.state = 'active' THEN extract(epoch FROM now() - a.query_start)::float8 END AS query_age_s,"
      + " age(a.backend_xmin) AS xmin_age FROM pg_stat_activity a WHERE a.pid <> pg_backend_pid()";
  static final String CONNECTION_LIMITS = "SELECT current_setting('max_connections')::int AS max_connections,"
      + " current_setting('superuser_reserved_connections')::int AS reserved_connections";
  static final String REPLICATION = "SELECT 'sender' AS kind, r.application_name, host(r.client_addr) AS client_addr, r.state,"
      + " r.sync_state, pg_wal_lsn_diff(pg_current_wal_lsn(), r.sent_lsn)::bigint AS sent_lag_bytes,"
      + " pg_wal_lsn_diff(pg_current_wal_lsn(), r.write_lsn)::bigint AS write_lag_bytes,"
      + " pg_wal_lsn_diff(pg_current_wal_lsn(), r.flush_lsn)::bigint AS flush_lag_bytes,"
      + " pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn)::bigint AS replay_lag_bytes,"
      + " extract(epoch FROM r.write_lag)::float8 AS write_lag_s, extract(epoch FROM r.flush_lag)::float8 AS flush_lag_s,"
      + " extract(epoch FROM r.replay_lag)::float8 AS replay_lag_s,"
      + " r.reply_time FROM pg_stat_replication r ORDER BY r.application_name, r.client_addr";
  private static final String WAL_TIP = "CASE WHEN pg_is_in_recovery() THEN coalesce(pg_last_wal_receive_lsn(),"
      + " pg_last_wal_replay_lsn()) ELSE pg_current_wal_lsn() END";
  static final String SLOTS = "SELECT l.slot_name, l.slot_type, l.plugin, l.database, l.active, l.temporary,"
      + " pg_wal_lsn_diff(" + WAL_TIP + ", l.restart_lsn)::bigint AS retained_wal_bytes,"
      + " CASE WHEN l.slot_type = 'logical' THEN pg_wal_lsn_diff(" + WAL_TIP
      + ", l.confirmed_flush_lsn)::bigint END AS confirmed_flush_lag_bytes,"
      + " l.wal_status, l.safe_wal_size AS safe_wal_size_bytes, age(l.xmin) AS xmin_age,"
      + " age(l.catalog_xmin) AS catalog_xmin_age FROM pg_replication_slots l ORDER BY l.slot_name";
  static final String SETTINGS = "SELECT name, setting, unit, vartype, source, pending_restart FROM pg_settings ORDER BY name";
  static final String WAL = "SELECT pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
      + " ELSE pg_current_wal_lsn() END, '0/0')::bigint AS wal_position_bytes,"
      + " a.archived_count, a.failed_count AS archive_failed_count, a.last_archived_time, a.last_failed_time"
      + " AS last_archive_failed_time, a.stats_reset AS archiver_stats_reset"
      + ", w.wal_records, w.wal_fpi, w.wal_bytes, w.wal_buffers_full"
      + ", w.wal_write, w.wal_sync, w.wal_write_time AS wal_write_time_ms, w.wal_sync_time AS wal_sync_time_ms"
      + ", w.stats_reset FROM pg_stat_archiver a, pg_stat_wal w";
  static final String BGWRITER = "SELECT buffers_clean, maxwritten_clean, buffers_alloc, buffers_backend, buffers_backend_fsync,"
      + " stats_reset FROM pg_stat_bgwriter";
  static final String CHECKPOINTER = "SELECT checkpoints_timed, checkpoints_req, checkpoint_write_time AS checkpoint_write_time_ms,"
      + " checkpoint_sync_time AS checkpoint_sync_time_ms, buffers_checkpoint, stats_reset FROM pg_stat_bgwriter";
  static final String CONNECTABLE = "SELECT datname FROM pg_database"
      + " WHERE datallowconn AND NOT datistemplate AND has_database_privilege(oid, 'CONNECT') ORDER BY datname";
  static final String TABLES = "SELECT current_database() AS datname, t.schemaname AS schema, t.relname AS \"table\","
      + " t.seq_scan, t.seq_tup_read, t.idx_scan, t.idx_tup_fetch, t.n_tup_ins, t.n_tup_upd, t.n_tup_del,"
      + " t.n_tup_hot_upd, t.n_live_tup, t.n_dead_tup, t.n_mod_since_analyze, t.n_ins_since_vacuum,"
      + " t.last_vacuum, t.last_autovacuum, t.last_analyze, t.last_autoanalyze,"
      + " t.vacuum_count, t.autovacuum_count, t.analyze_count, t.autoanalyze_count,"
      + " io.heap_blks_read, io.heap_blks_hit, io.idx_blks_read, io.idx_blks_hit, io.toast_blks_read, io.toast_blks_hit,"
      + " pg_relation_size(t.relid) AS table_bytes, pg_total_relation_size(t.relid) AS total_bytes,"
      + " age(c.relfrozenxid) AS frozen_xid_age, array_to_string(c.reloptions, ',') AS reloptions"
      + " FROM pg_stat_user_tables t JOIN pg_statio_user_tables io ON io.relid = t.relid"
      + " JOIN pg_class c ON c.oid = t.relid ORDER BY t.schemaname, t.relname";
  static final String INDEXES = "SELECT current_database() AS datname, x.schemaname AS schema, x.relname AS \"table\","
      + " x.indexrelname AS \"index\", x.idx_scan, x.idx_tup_read, x.idx_tup_fetch,"
      + " io.idx_blks_read, io.idx_blks_hit, pg_relation_size(x.indexrelid) AS size_bytes,"
      + " i.indisunique AS is_unique, i.indisprimary AS is_primary, i.indisvalid AS is_valid,"
      + " EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid) AS backs_constraint,"
      + " i.indkey::text AS key_columns, i.indpred IS NOT NULL AS is_partial,"
      + " pg_get_indexdef(x.indexrelid) AS definition"
      + " FROM pg_stat_user_indexes x JOIN pg_statio_user_indexes io ON io.indexrelid = x.indexrelid"
      + " JOIN pg_index i ON i.indexrelid = x.indexrelid ORDER BY x.schemaname, x.relname, x.indexrelname";
  static final String SEQUENCES = "SELECT current_database() AS datname, q.schemaname || '.' || q.sequencename AS name,"
      + " q.schemaname AS schema, q.sequencename AS sequence, q.data_type::text AS data_type, q.last_value,"
      + " q.min_value, q.max_value, q.increment_by, q.cycle,"
      + " has_sequence_privilege(format('%I.%I', q.schemaname, q.sequencename), 'SELECT,USAGE') AS readable"
      + " FROM pg_sequences q ORDER BY q.schemaname, q.sequencename";

  private static final List<String> INSTANCE = List.of(STATEMENTS_INFO, DATABASES, DATABASE_SIZES, ACTIVITY,
      CONNECTION_LIMITS, REPLICATION, SLOTS, SETTINGS, WAL, BGWRITER, CHECKPOINTER);
  private static final List<String> PER_DATABASE = List.of(TABLES, INDEXES, SEQUENCES);

  private final Connector connector;
  private final String mainDatabase;
  private final boolean keepConnections;
  private final int queryMaxLength;
  private final int statementsMax;
  private final Map<String, Connection> open = new LinkedHashMap<>();

  /** {@code keepConnections}: one connection per database kept across reads; otherwise new ones for each read. */
  PlainCatalogRead(Connector connector, String mainDatabase, boolean keepConnections, int queryMaxLength,
      int statementsMax) {
    this.connector = connector;
    this.mainDatabase = mainDatabase;
    this.keepConnections = keepConnections;
    this.queryMaxLength = queryMaxLength;
    this.statementsMax = statementsMax;
  }

  /** Every section once; returns the number of rows read. */
  long readAll() throws SQLException {
    long rows = 0;
    List<String> databases = new ArrayList<>();
    Connection main = connection(mainDatabase);
    try {
      try (PreparedStatement ps = main.prepareStatement(STATEMENTS)) {
        ps.setInt(1, queryMaxLength);
        ps.setInt(2, statementsMax);
        rows += drain(ps);
      }
      for (String sql : INSTANCE) {
        try (PreparedStatement ps = main.prepareStatement(sql)) {
          rows += drain(ps);
        }
      }
      try (PreparedStatement ps = main.prepareStatement(CONNECTABLE); ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          databases.add(rs.getString(1));
        }
      }
    } finally {
      release(main);
    }
    for (String db : databases) {
      Connection c = connection(db);
      try {
        for (String sql : PER_DATABASE) {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            rows += drain(ps);
          }
        }
      } finally {
        release(c);
      }
    }
    return rows;
  }

  private Connection connection(String db) throws SQLException {
    if (!keepConnections) {
      return connector.open(db);
    }
    Connection c = open.get(db);
    if (c == null || c.isClosed()) {
      c = connector.open(db);
      open.put(db, c);
    }
    return c;
  }

  private void release(Connection c) throws SQLException {
    if (!keepConnections) {
      c.close();
    }
  }

  private static long drain(PreparedStatement ps) throws SQLException {
    long n = 0;
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        n++;
      }
    }
    return n;
  }

  @Override
  public void close() {
    for (Connection c : open.values()) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // closing anyway
      }
    }
    open.clear();
  }
}
