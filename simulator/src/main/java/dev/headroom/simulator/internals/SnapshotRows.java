package dev.headroom.simulator.internals;

import dev.headroom.schemas.Snapshot;
import dev.headroom.simulator.SimulatedRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The sections of one snapshot of a simulated instance, with the collector's section names and
 * row fields (CONTRACTS.md; the collector's CatalogQueries, HostReader and PgBouncerReader), as
 * the collector's reads would find them on the instance's server version.
 */
final class SnapshotRows {
  static final String AGENT_ID = "headroom-simulator";
  static final String AGENT_VERSION = "0.1.0";

  private final InstanceModel m;
  private final SnapshotEncoder encoder;
  private final Snapshot.InstanceInfo instance;
  private final Snapshot.AgentInfo agent;
  double load1;

  SnapshotRows(InstanceModel model, SnapshotEncoder encoder) {
    this.m = model;
    this.encoder = encoder;
    InstancePlan p = model.plan;
    this.instance = new Snapshot.InstanceInfo(p.id(), p.cluster(), "primary", p.systemIdentifier(),
        p.serverVersionNum(), p.labels());
    this.agent = new Snapshot.AgentInfo(AGENT_ID, AGENT_VERSION);
  }

  /** Every section due at {@code at}, in the collector's order; the slower ones when {@code slow}. */
  List<SimulatedRecord> snapshot(Instant at, long intervalMs, boolean slow) {
    String snapshotId = UUID.nameUUIDFromBytes((m.plan.id() + "@" + at.toEpochMilli())
        .getBytes(StandardCharsets.UTF_8)).toString();
    long slowMs = m.slowIntervalMs(intervalMs);
    List<SimulatedRecord> out = new ArrayList<>(16);
    Section s = new Section(snapshotId, at, out);
    s.add("statements", intervalMs, statements(), m.statementsReset);
    s.add("statements_info", intervalMs, List.of(statementsInfo()), null);
    s.add("databases", intervalMs, databases(slow), null);
    s.add("activity", intervalMs, List.of(activity(at)), null);
    s.add("replication", intervalMs, replication(at), null);
    s.add("slots", intervalMs, List.of(slot()), null);
    if (slow) {
      s.add("settings", slowMs, settings(), null);
    }
    s.add("wal", intervalMs, List.of(wal()), null);
    s.add("bgwriter", intervalMs, List.of(counters(m.bgwriter, m.bgwriterStatsReset)), null);
    s.add("checkpointer", intervalMs, List.of(counters(m.checkpointer, m.checkpointerStatsReset)), null);
    if (slow) {
      s.add("tables", slowMs, tables(), null);
      s.add("indexes", slowMs, indexes(), null);
      s.add("sequences", slowMs, sequences(), null);
    }
    s.add("host", intervalMs, List.of(host()), null);
    s.add("pgbouncer_pools", intervalMs, pools(), null);
    s.add("pgbouncer_stats", intervalMs, poolStats(), null);
    return out;
  }

  /** Adds each section's messages (the envelope's stats_reset is the statements' own, as the collector sends it). */
  private final class Section {
    final String snapshotId;
    final Instant at;
    final List<SimulatedRecord> out;

    Section(String snapshotId, Instant at, List<SimulatedRecord> out) {
      this.snapshotId = snapshotId;
      this.at = at;
      this.out = out;
    }

    void add(String section, long intervalMs, List<Map<String, Object>> rows, Instant statsReset) {
      out.addAll(encoder.encode(new Snapshot(Snapshot.SCHEMA, snapshotId, instance, agent, at, intervalMs,
          m.postmasterStart, statsReset, section, 0, 1, rows, false)));
    }
  }

  /** The share of the connections each database holds: by storage share, postgres a sliver. */
  double connectionShare(String datname) {
    for (InstancePlan.Database db : m.plan.databases()) {
      if (db.name().equals(datname)) {
        return db.storageShare() > 0 ? db.storageShare() / 0.85 * 0.97 : 0.03;
      }
    }
    return 0;
  }

  private List<Map<String, Object>> statements() {
    List<StatementModel> live = new ArrayList<>();
    for (StatementModel s : m.statements) {
      if (s.exists()) {
        live.add(s);
      }
    }
    live.sort(Comparator.comparingDouble(StatementModel::total).reversed());
    List<Map<String, Object>> rows = new ArrayList<>(live.size());
    for (StatementModel s : live) {
      rows.add(s.row(m.plan.serverVersionNum()));
    }
    return rows;
  }

  private Map<String, Object> statementsInfo() {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("dealloc", m.dealloc);
    row.put("stats_reset", m.statementsReset);
    row.put("max", 5_000L);
    row.put("entries", m.statements.stream().filter(StatementModel::exists).count());
    return row;
  }

  private List<Map<String, Object>> databases(boolean sizes) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (InstancePlan.Database db : m.plan.databases()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("datname", db.name());
      row.put("numbackends", Math.round(m.connections * connectionShare(db.name())));
      m.databases.get(db.name()).putInto(row);
      row.put("checksum_failures", null); // data checksums are off
      row.put("stats_reset", m.databaseStatsReset.get(db.name()));
      row.put("frozen_xid_age", Math.round(m.xidAge * db.xidShare()));
      row.put("min_mxid_age", Math.round(m.xidAge * db.xidShare() * 0.01));
      row.put("allow_connections", true);
      // a database's size is its share of the data on disk; postgres keeps its initial 7.5 MB
      row.put("size_bytes", !sizes ? null : db.storageShare() > 0 ? Math.round(m.storage * db.storageShare())
          : 7_918_051L);
      rows.add(row);
    }
    return rows;
  }

  private Map<String, Object> activity(Instant at) {
    long connections = m.connections;
    double busy = Math.min(1, 0.05 + 0.3 * m.load);
    long active = Math.max(0, Math.min(connections, Math.round(connections * busy)));
    long idleInTx = Math.min(connections - active, Math.round(connections * 0.02));
    Map<String, Long> byState = new TreeMap<>();
    byState.put("active", active);
    byState.put("idle", connections - active - idleInTx);
    byState.put("idle in transaction", idleInTx);
    Map<String, Long> waiting = new TreeMap<>();
    long lock = Math.min(active, Draws.poisson(m.rng, active * 0.03));
    long lwlock = Math.min(active - lock, Draws.poisson(m.rng, active * 0.08));
    long io = Math.min(active - lock - lwlock, Draws.poisson(m.rng, active * 0.1));
    if (lock > 0) {
      waiting.put("Lock", lock);
    }
    if (lwlock > 0) {
      waiting.put("LWLock", lwlock);
    }
    if (io > 0) {
      waiting.put("IO", io);
    }
    Map<String, Long> byDatabase = new TreeMap<>();
    long placed = 0;
    List<InstancePlan.Database> dbs = m.plan.databases();
    for (int i = dbs.size() - 1; i >= 0; i--) {
      long n = i == 0 ? connections - placed : Math.min(connections - placed,
          Math.round(connections * connectionShare(dbs.get(i).name())));
      placed += n;
      if (n > 0) {
        byDatabase.put(dbs.get(i).name(), n);
      }
    }
    Map<String, Long> byType = new TreeMap<>();
    byType.put("autovacuum launcher", 1L);
    byType.put("background writer", 1L);
    byType.put("checkpointer", 1L);
    byType.put("client backend", connections);
    byType.put("logical replication launcher", 1L);
    byType.put("walwriter", 1L);
    if (m.plan.standby()) {
      byType.put("walsender", 1L);
    }
    long workers = Draws.poisson(m.rng, 0.3);
    if (workers > 0) {
      byType.put("autovacuum worker", Math.min(3, workers));
    }
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("connections", connections);
    row.put("max_connections", (long) m.plan.maxConnections());
    row.put("reserved_connections", (long) m.plan.reservedConnections());
    row.put("by_state", byState);
    row.put("waiting", waiting);
    row.put("by_database", byDatabase);
    row.put("by_backend_type", byType);
    double oldest = active + idleInTx == 0 ? 0 : Draws.logUniform(m.rng, 0.001, 5) * (idleInTx > 0 ? 20 : 1);
    row.put("oldest_xact_age_s", oldest);
    row.put("longest_query_s", active == 0 ? 0.0 : Math.min(oldest, Draws.logUniform(m.rng, 0.001, 2)));
    row.put("oldest_xmin_age", active == 0 ? 0L : Draws.poisson(m.rng, 50));
    return row;
  }

  private List<Map<String, Object>> replication(Instant at) {
    if (!m.plan.standby()) {
      return List.of();
    }
    double perSecond = m.walRate;
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("kind", "sender");
    row.put("application_name", "standby_1");
    row.put("client_addr", "10.0." + (m.plan.index() % 250) + ".2");
    row.put("state", "streaming");
    row.put("sync_state", "async");
    long replay = Math.round(Draws.logUniform(m.rng, 0.001, 0.5) * perSecond);
    row.put("sent_lag_bytes", replay / 8);
    row.put("write_lag_bytes", replay / 4);
    row.put("flush_lag_bytes", replay / 2);
    row.put("replay_lag_bytes", replay);
    double lag = Draws.logUniform(m.rng, 0.0005, 0.05);
    row.put("write_lag_s", lag / 3);
    row.put("flush_lag_s", lag / 2);
    row.put("replay_lag_s", lag);
    row.put("reply_time", at);
    return List.of(row);
  }

  private Map<String, Object> slot() {
    InstancePlan.Slot slot = m.plan.slot();
    boolean logical = slot.type().equals("logical");
    // a slot whose retained WAL grows is one nobody reads any more
    boolean active = m.plan.resource(dev.headroom.simulator.ResourceTruth.SLOT_WAL).pattern().kind().equals("flat");
    int v = m.plan.serverVersionNum();
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("slot_name", slot.name());
    row.put("slot_type", slot.type());
    row.put("plugin", logical ? "pgoutput" : null);
    row.put("database", slot.database());
    row.put("active", active);
    row.put("temporary", false);
    row.put("retained_wal_bytes", m.slotWal);
    row.put("confirmed_flush_lag_bytes", logical ? m.slotWal : null);
    row.put("wal_status", m.slotWal < (1L << 30) ? "reserved" : "extended");
    row.put("safe_wal_size_bytes", null);
    row.put("xmin_age", null);
    row.put("catalog_xmin_age", logical ? Math.round(m.xidAge * 0.001) + 10 : null);
    if (v >= 160_000) {
      row.put("conflicting", logical ? false : null);
    }
    if (v >= 170_000) {
      row.put("inactive_since", active ? null : m.spec.origin());
    }
    return row;
  }

  private List<Map<String, Object>> settings() {
    InstancePlan p = m.plan;
    List<Map<String, Object>> rows = new ArrayList<>();
    setting(rows, "autovacuum", "on", null, "bool", "default");
    setting(rows, "autovacuum_analyze_scale_factor", "0.1", null, "real", "default");
    setting(rows, "autovacuum_analyze_threshold", "50", null, "integer", "default");
    setting(rows, "autovacuum_freeze_max_age", "200000000", null, "integer", "default");
    setting(rows, "autovacuum_max_workers", "3", null, "integer", "default");
    setting(rows, "autovacuum_naptime", "60", "s", "integer", "default");
    setting(rows, "autovacuum_vacuum_cost_limit", "-1", null, "integer", "default");
    setting(rows, "autovacuum_vacuum_insert_scale_factor", "0.2", null, "real", "default");
    setting(rows, "autovacuum_vacuum_insert_threshold", "1000", null, "integer", "default");
    setting(rows, "autovacuum_vacuum_scale_factor", "0.2", null, "real", "default");
    setting(rows, "autovacuum_vacuum_threshold", "50", null, "integer", "default");
    setting(rows, "block_size", "8192", null, "integer", "default");
    setting(rows, "checkpoint_timeout", "300", "s", "integer", "default");
    setting(rows, "effective_cache_size", String.valueOf(p.memBytes() * 3 / 4 / 8192), "8kB", "integer",
        "configuration file");
    setting(rows, "log_min_duration_statement", "-1", "ms", "integer", "default");
    setting(rows, "maintenance_work_mem", "262144", "kB", "integer", "configuration file");
    setting(rows, "max_connections", String.valueOf(p.maxConnections()), null, "integer", "configuration file");
    setting(rows, "max_wal_size", "1024", "MB", "integer", "default");
    setting(rows, "pg_stat_statements.max", "5000", null, "integer", "default");
    setting(rows, "pg_stat_statements.track", "top", null, "enum", "default");
    if (p.serverVersionNum() >= 160_000) {
      setting(rows, "reserved_connections", "0", null, "integer", "default");
    }
    setting(rows, "server_version_num", String.valueOf(p.serverVersionNum()), null, "integer", "default");
    setting(rows, "shared_buffers", String.valueOf(p.memBytes() / 4 / 8192), "8kB", "integer", "configuration file");
    setting(rows, "shared_preload_libraries", "pg_stat_statements", null, "string", "configuration file");
    setting(rows, "superuser_reserved_connections", String.valueOf(p.reservedConnections()), null, "integer",
        "default");
    setting(rows, "track_io_timing", "off", null, "bool", "default");
    setting(rows, "wal_level", p.slot().type().equals("logical") ? "logical" : "replica", null, "enum",
        "configuration file");
    setting(rows, "work_mem", "4096", "kB", "integer", "default");
    return rows;
  }

  private static void setting(List<Map<String, Object>> rows, String name, String value, String unit, String type,
      String source) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("name", name);
    row.put("setting", value);
    row.put("unit", unit);
    row.put("vartype", type);
    row.put("source", source);
    row.put("pending_restart", false);
    rows.add(row);
  }

  private Map<String, Object> wal() {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("wal_position_bytes", m.walPosition);
    m.wal.putInto(row);
    row.put("last_archived_time", m.lastArchived);
    row.put("last_archive_failed_time", null);
    row.put("archiver_stats_reset", m.archiverStatsReset);
    row.put("stats_reset", m.walStatsReset);
    return row;
  }

  /** A one-row section of counters and the time they were last reset. */
  private static Map<String, Object> counters(Counters<?> counters, Instant statsReset) {
    Map<String, Object> row = new LinkedHashMap<>();
    counters.putInto(row);
    row.put("stats_reset", statsReset);
    return row;
  }

  private List<Map<String, Object>> tables() {
    boolean v16 = m.plan.serverVersionNum() >= 160_000;
    List<Map<String, Object>> rows = new ArrayList<>();
    for (InstanceModel.TableState t : m.tables) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("datname", t.plan.datname());
      row.put("schema", t.plan.schema());
      row.put("table", t.plan.name());
      t.counters.putInto(row);
      row.put("n_live_tup", t.liveTuples());
      row.put("n_dead_tup", Math.round(t.dead));
      row.put("n_mod_since_analyze", Math.round(t.modSinceAnalyze));
      row.put("n_ins_since_vacuum", Math.round(t.insSinceVacuum));
      if (v16) {
        row.put("last_seq_scan", t.lastSeqScan);
        row.put("last_idx_scan", t.lastIdxScan);
      }
      row.put("last_vacuum", null);
      row.put("last_autovacuum", t.lastAutovacuum);
      row.put("last_analyze", null);
      row.put("last_autoanalyze", t.lastAutoanalyze);
      row.put("table_bytes", Math.round(t.totalBytes * 0.75));
      row.put("total_bytes", t.totalBytes);
      row.put("estimated_bytes", Math.round(t.totalBytes * 0.75 / 8192) * 8192);
      row.put("frozen_xid_age", Math.round(m.xidAge * 0.9));
      row.put("reloptions", null);
      rows.add(row);
    }
    return rows;
  }

  private List<Map<String, Object>> indexes() {
    boolean v16 = m.plan.serverVersionNum() >= 160_000;
    List<Map<String, Object>> rows = new ArrayList<>();
    for (InstanceModel.TableState t : m.tables) {
      List<String> names = t.plan.indexes();
      for (int i = 0; i < names.size(); i++) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("datname", t.plan.datname());
        row.put("schema", t.plan.schema());
        row.put("table", t.plan.name());
        row.put("index", names.get(i));
        t.indexes.get(i).putInto(row);
        if (v16) {
          row.put("last_idx_scan", t.lastIndexScan[i]);
        }
        // a quarter of the table's total is its indexes: 40 % of that the primary key, the rest shared
        double share = names.size() == 1 ? 1 : i == 0 ? 0.4 : 0.6 / (names.size() - 1);
        long size = Math.round(t.totalBytes * 0.25 * share / 8192) * 8192;
        row.put("size_bytes", size);
        row.put("estimated_bytes", size);
        boolean primary = i == 0;
        row.put("is_unique", primary);
        row.put("is_primary", primary);
        row.put("is_valid", true);
        row.put("backs_constraint", primary);
        String column = primary ? "id" : names.get(i).substring(t.plan.name().length() + 1,
            names.get(i).lastIndexOf('_'));
        if (column.equals("legacy_status")) {
          column = "status";
        }
        row.put("key_columns", primary ? "1" : String.valueOf(i + 1));
        row.put("is_partial", false);
        row.put("definition", "CREATE " + (primary ? "UNIQUE " : "") + "INDEX " + names.get(i) + " ON "
            + t.plan.schema() + "." + t.plan.name() + " USING btree (" + column + ")");
        rows.add(row);
      }
    }
    return rows;
  }

  private List<Map<String, Object>> sequences() {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < m.plan.sequences().size(); i++) {
      InstancePlan.Sequence s = m.plan.sequences().get(i);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("datname", s.datname());
      row.put("name", s.qualified());
      row.put("schema", s.schema());
      row.put("sequence", s.name());
      row.put("data_type", "integer");
      row.put("last_value", m.sequenceValues[i] == 0 ? null : (Object) m.sequenceValues[i]);
      row.put("min_value", 1L);
      row.put("max_value", (long) Integer.MAX_VALUE);
      row.put("increment_by", 1L);
      row.put("cycle", false);
      row.put("readable", true);
      rows.add(row);
    }
    return rows;
  }

  private Map<String, Object> host() {
    InstancePlan p = m.plan;
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("cpu_total_ticks", m.cpuTotal);
    row.put("cpu_idle_ticks", m.cpuIdle);
    row.put("cpu_iowait_ticks", m.cpuIowait);
    row.put("cpu_count", (long) p.cpuCount());
    row.put("mem_total_bytes", p.memBytes());
    row.put("mem_available_bytes", Math.round(p.memBytes() * Math.max(0.05, 0.6 - 0.4 * m.cpuBusy)));
    row.put("swap_total_bytes", 0L);
    row.put("swap_free_bytes", 0L);
    row.put("load1", load1);
    row.put("load5", m.load5);
    row.put("load15", m.load15);
    row.put("data_directory", "/var/lib/postgresql/" + p.serverVersionNum() / 10_000 + "/main");
    row.put("disk_total_bytes", p.diskTotalBytes());
    row.put("disk_used_bytes", m.storage);
    // root keeps 5 % of the filesystem for itself
    row.put("disk_available_bytes", Math.max(0, Math.round(p.diskTotalBytes() * 0.95) - m.storage));
    return row;
  }

  private List<Map<String, Object>> pools() {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < m.plan.pools().size(); i++) {
      InstancePlan.Pool pool = m.plan.pools().get(i);
      long clients = m.poolClients[i];
      long waiting = Math.max(0, clients - pool.poolSize());
      long clActive = clients - waiting;
      long svActive = waiting > 0 ? pool.poolSize() : Math.min(pool.poolSize(), Math.round(clActive * 0.4));
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("database", pool.database());
      row.put("user", pool.user());
      row.put("cl_active", clActive);
      row.put("cl_waiting", waiting);
      row.put("sv_active", svActive);
      row.put("sv_idle", Math.min(pool.poolSize() - svActive, 2L));
      row.put("sv_used", 0L);
      row.put("sv_tested", 0L);
      row.put("sv_login", 0L);
      row.put("maxwait_ms", waiting > 0 ? Math.round(Draws.logUniform(m.rng, 5, 2_000)) : 0L);
      row.put("pool_mode", "transaction");
      row.put("pool_size", (long) pool.poolSize());
      row.put("max_db_connections", 0L);
      rows.add(row);
    }
    return rows;
  }

  private List<Map<String, Object>> poolStats() {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Map.Entry<String, Counters<Counters.Pooler>> e : m.poolStats.entrySet()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("database", e.getKey());
      e.getValue().putInto(row);
      rows.add(row);
    }
    return rows;
  }
}
