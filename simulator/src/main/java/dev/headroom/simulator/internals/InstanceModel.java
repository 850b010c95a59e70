package dev.headroom.simulator.internals;

import dev.headroom.schemas.Event;
import dev.headroom.schemas.Topics;
import dev.headroom.simulator.FleetSpec;
import dev.headroom.simulator.LoadShape;
import dev.headroom.simulator.Incident;
import dev.headroom.simulator.ResourceTruth;
import dev.headroom.simulator.SimulatedRecord;
import dev.headroom.simulator.internals.StatementModel.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The state of one simulated instance between snapshots: its statements, the cumulative counters
 * of every section, and what its incidents did to them. {@link #tick} advances it to a snapshot
 * time and returns that snapshot's messages (and the deploy events since the previous one). Ticks
 * must come in time order; one instance is only ever advanced by one thread at a time.
 */
public final class InstanceModel {
  /** Tables, indexes, sequences, settings and database sizes are read this often (the collector's defaults). */
  static final long SLOW_INTERVAL_MS = 300_000;
  static final double BLOCK = 8192;
  static final double SEGMENT = 16.0 * 1024 * 1024;

  final InstancePlan plan;
  final FleetSpec spec;
  final SplittableRandom rng;
  final SnapshotRows rows;
  final List<StatementModel> statements = new ArrayList<>();
  final Map<String, Counters<Counters.Database>> databases = new LinkedHashMap<>();
  final Map<String, Instant> databaseStatsReset = new HashMap<>();
  final List<TableState> tables = new ArrayList<>();
  final long[] sequenceValues;
  final Map<String, Counters<Counters.Pooler>> poolStats = new LinkedHashMap<>();
  final Counters<Counters.Wal> wal = new Counters<>(Counters.Wal.class);
  final Counters<Counters.Bgwriter> bgwriter;
  final Counters<Counters.Checkpointer> checkpointer;

  long walPosition;
  Instant lastArchived;
  Instant walStatsReset;
  Instant archiverStatsReset;
  Instant bgwriterStatsReset;
  Instant checkpointerStatsReset;
  long cpuTotal;
  long cpuIdle;
  long cpuIowait;
  double load5;
  double load15;
  Instant postmasterStart;
  Instant statementsReset;
  long dealloc;
  double latencyFactor = 1;
  int nextIncident;
  Instant lastAt;

  // the gauges of the current tick
  double load;
  double daily;
  long storage;
  long connections;
  double cpuBusy;
  long xidAge;
  long slotWal;
  long[] poolClients;
  double walInterval;
  /** WAL bytes per second at this tick, for the standby's lag. */
  double walRate;

  /** A table's counters, its indexes' counters and the gauges autovacuum drives. */
  static final class TableState {
    final InstancePlan.Table plan;
    final Counters<Counters.Table> counters;
    final List<Counters<Counters.Index>> indexes = new ArrayList<>();
    final Instant[] lastIndexScan;
    double dead;
    double modSinceAnalyze;
    double insSinceVacuum;
    Instant lastAutovacuum;
    Instant lastAutoanalyze;
    Instant lastSeqScan;
    Instant lastIdxScan;
    long totalBytes;

    TableState(InstancePlan.Table plan, int serverVersionNum) {
      this.plan = plan;
      this.counters = new Counters<>(Counters.Table.class,
          serverVersionNum >= 160_000 ? Set.of() : Set.of(Counters.Table.N_TUP_NEWPAGE_UPD));
      for (int i = 0; i < plan.indexes().size(); i++) {
        indexes.add(new Counters<>(Counters.Index.class));
      }
      lastIndexScan = new Instant[plan.indexes().size()];
    }

    void reset() {
      counters.reset();
      indexes.forEach(Counters::reset);
      java.util.Arrays.fill(lastIndexScan, null);
      dead = modSinceAnalyze = insSinceVacuum = 0;
      lastAutovacuum = lastAutoanalyze = lastSeqScan = lastIdxScan = null;
    }

    long liveTuples() {
      return Math.round(totalBytes * 0.75 / plan.rowWidth());
    }
  }

  public InstanceModel(InstancePlan plan, FleetSpec spec) {
    this.plan = plan;
    this.spec = spec;
    this.rng = Draws.rng(spec.seed(), plan.index(), 1);
    this.rows = new SnapshotRows(this, new SnapshotEncoder(spec.messageMaxBytes()));
    int v = plan.serverVersionNum();
    bgwriter = new Counters<>(Counters.Bgwriter.class, v >= 170_000 ? Set.of(Counters.Bgwriter.BUFFERS_BACKEND,
        Counters.Bgwriter.BUFFERS_BACKEND_FSYNC) : Set.of());
    checkpointer = new Counters<>(Counters.Checkpointer.class, v >= 170_000 ? Set.of()
        : Set.of(Counters.Checkpointer.RESTARTPOINTS_TIMED, Counters.Checkpointer.RESTARTPOINTS_REQ,
            Counters.Checkpointer.RESTARTPOINTS_DONE));
    for (InstancePlan.Database db : plan.databases()) {
      databases.put(db.name(), new Counters<>(Counters.Database.class));
    }
    for (InstancePlan.Table t : plan.tables()) {
      tables.add(new TableState(t, v));
    }
    for (InstancePlan.Pool p : plan.pools()) {
      poolStats.put(p.database(), new Counters<>(Counters.Pooler.class));
    }
    sequenceValues = new long[plan.sequences().size()];
    poolClients = new long[plan.pools().size()];
    postmasterStart = plan.postmasterStart();
    statementsReset = plan.statementsReset();
    walStatsReset = archiverStatsReset = bgwriterStatsReset = checkpointerStatsReset = plan.sharedStatsReset();
    // WAL written before the history: a few days' worth
    walPosition = (long) (plan.resource(ResourceTruth.WAL).pattern().value(0) * Draws.uniform(rng, 3, 30));
    StatementPopulation.create(this);
  }

  public InstancePlan plan() {
    return plan;
  }

  public List<StatementModel> statements() {
    return statements;
  }

  /** Advances to {@code at} and returns the deploy events since the last tick, then the snapshot's messages. */
  public List<SimulatedRecord> tick(Instant at, long intervalMs) {
    if (lastAt != null && !at.isAfter(lastAt)) {
      throw new IllegalArgumentException(plan.id() + ": tick at " + at + " is not after the last one at " + lastAt);
    }
    List<SimulatedRecord> out = new ArrayList<>();
    while (nextIncident < plan.incidents().size() && !plan.incidents().get(nextIncident).at().isAfter(at)) {
      apply(plan.incidents().get(nextIncident++), out);
    }
    double seconds = lastAt == null ? intervalMs / 1000.0 : Duration.between(lastAt, at).toMillis() / 1000.0;
    gauges(at, seconds);
    activity(at, seconds);
    tables(at);
    counters(at, seconds);
    boolean slow = slowDue(at, intervalMs);
    lastAt = at;
    out.addAll(rows.snapshot(at, intervalMs, slow));
    return out;
  }

  private void apply(Incident incident, List<SimulatedRecord> out) {
    switch (incident.kind()) {
      case DEPLOY -> {
        latencyFactor = incident.latencyFactor();
        Event event = deployEvent(incident);
        out.add(new SimulatedRecord(Topics.EVENTS.name(), plan.id(), event.at().toEpochMilli(), event,
            Topics.EVENT_SERDE.write(event)));
        if (rng.nextDouble() < 0.5) {
          StatementPopulation.addOne(this); // the release brings a new query
        }
      }
      case CLEAN_RESTART -> postmasterStart = incident.at();
      case CRASH -> {
        postmasterStart = incident.at();
        resetStatements(incident.at());
        resetDatabases(incident.at());
        wal.reset();
        bgwriter.reset();
        checkpointer.reset();
        walStatsReset = archiverStatsReset = bgwriterStatsReset = checkpointerStatsReset = incident.at();
        lastArchived = null;
      }
      case STATS_RESET -> {
        resetStatements(incident.at());
        resetDatabases(incident.at());
      }
    }
  }

  private void resetStatements(Instant at) {
    statements.forEach(StatementModel::reset);
    statementsReset = at;
    dealloc = 0;
  }

  private void resetDatabases(Instant at) {
    databases.values().forEach(Counters::reset);
    databases.keySet().forEach(db -> databaseStatsReset.put(db, at));
    tables.forEach(TableState::reset);
  }

  private Event deployEvent(Incident incident) {
    String rank = incident.id().substring(incident.id().lastIndexOf(':') + 1);
    String description = StatementPopulation.migration(rng);
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("tool", "flyway");
    detail.put("version", rank);
    detail.put("description", description.replace('_', ' '));
    detail.put("script", "V" + rank + "__" + description + ".sql");
    detail.put("type", "SQL");
    detail.put("installed_rank", rank.chars().allMatch(Character::isDigit) ? (Object) Long.parseLong(rank) : rank);
    detail.put("installed_by", plan.appUser());
    detail.put("execution_time_ms", rng.nextLong(20, 20_000));
    detail.put("success", true);
    return new Event(Event.SCHEMA, incident.id(), plan.id(), Instant.ofEpochMilli(incident.at().toEpochMilli()),
        Event.DEPLOY, "simulator", detail);
  }

  /** The resources' readings at {@code at}: each pattern's value, the daily shape where it applies, noise. */
  private void gauges(Instant at, double seconds) {
    LoadShape shape = plan.shape();
    daily = shape.daily(at);
    ResourceTruth cpu = plan.resource(ResourceTruth.CPU);
    // calls grow with the CPU the instance uses
    double growth = Math.max(0.2, Math.min(10, cpu.valueAt(at) / Math.max(1e-9, cpu.pattern().value(0))));
    load = shape.load(at) * growth;
    ResourceTruth disk = plan.resource(ResourceTruth.STORAGE);
    storage = Math.round(Math.min(plan.diskTotalBytes() * 0.999, Draws.noisy(rng, disk.valueAt(at), disk.noise())));
    ResourceTruth conn = plan.resource(ResourceTruth.CONNECTIONS);
    connections = Math.max(1, Math.min(plan.maxConnections(),
        Math.round(Draws.noisy(rng, conn.valueAt(at) * daily, conn.noise()))));
    cpuBusy = Math.max(0.005, Math.min(1, Draws.noisy(rng, cpu.valueAt(at) * daily, cpu.noise())));
    ResourceTruth xid = plan.resource(ResourceTruth.XID);
    xidAge = Math.round(Math.min(2_146_483_647, Draws.noisy(rng, xid.valueAt(at), xid.noise())));
    ResourceTruth slot = plan.resource(ResourceTruth.SLOT_WAL);
    slotWal = Math.round(Draws.noisy(rng, slot.valueAt(at), slot.noise()));
    for (int i = 0; i < poolClients.length; i++) {
      ResourceTruth pool = plan.resource(plan.pools().get(i).resource());
      poolClients[i] = Math.round(Draws.noisy(rng, pool.valueAt(at) * daily, pool.noise()));
    }
    for (int i = 0; i < sequenceValues.length; i++) {
      ResourceTruth seq = plan.resource(plan.sequences().get(i).resource());
      sequenceValues[i] = Math.max(sequenceValues[i], Math.min(Integer.MAX_VALUE, Math.round(seq.valueAt(at))));
    }
    ResourceTruth walPerDay = plan.resource(ResourceTruth.WAL);
    walRate = walPerDay.valueAt(at) / 86_400 * daily / shape.dailyMean();
    walInterval = Draws.noisy(rng, walRate * seconds, walPerDay.noise());
  }

  /** Statements run; their calls feed the database, table, index and pooler counters. */
  private void activity(Instant at, double seconds) {
    double latencyScale = latencyFactor * (1 + plan.latencySensitivity() * plan.shape().load(at));
    for (StatementModel s : statements) {
      long rows0 = s.rows;
      long hit0 = s.blksHit;
      long read0 = s.blksRead;
      long temp0 = s.tempWritten;
      long dirtied0 = s.blksDirtied;
      Calls c = s.advance(rng, seconds, load, latencyScale, plan.hitRatio(), spec.drawsMax(), at);
      if (c.n() == 0) {
        continue;
      }
      long n = c.n();
      double rowsD = s.rows - rows0;
      double hit = s.blksHit - hit0;
      double read = s.blksRead - read0;
      double temp = s.tempWritten - temp0;
      TableState table = s.table >= 0 ? tables.get(s.table) : null;
      Counters<Counters.Database> db = databases.get(s.datname);
      db.add(Counters.Database.XACT_COMMIT, n * 0.7);
      db.add(Counters.Database.XACT_ROLLBACK, n * 0.004);
      db.add(Counters.Database.BLKS_HIT, hit);
      db.add(Counters.Database.BLKS_READ, read);
      db.add(Counters.Database.ACTIVE_TIME_MS, c.sum());
      if (temp > 0) {
        db.add(Counters.Database.TEMP_FILES, n);
        db.add(Counters.Database.TEMP_BYTES, temp * BLOCK);
      }
      double scanned = s.kind.seqScan && table != null ? n * (double) Math.min(table.liveTuples(), 5_000_000) : 0;
      db.add(Counters.Database.TUP_RETURNED, s.kind.read ? rowsD * 2 + scanned : 0);
      db.add(Counters.Database.TUP_FETCHED, s.kind.read ? rowsD : 0);
      switch (s.kind) {
        case INSERT -> db.add(Counters.Database.TUP_INSERTED, rowsD);
        case UPDATE -> db.add(Counters.Database.TUP_UPDATED, rowsD);
        case DELETE -> db.add(Counters.Database.TUP_DELETED, rowsD);
        default -> { }
      }
      Counters<Counters.Pooler> pooler = poolStats.get(s.datname);
      if (pooler != null) {
        pooler.add(Counters.Pooler.TOTAL_QUERY_COUNT, n);
        pooler.add(Counters.Pooler.TOTAL_XACT_COUNT, n * 0.7);
        pooler.add(Counters.Pooler.TOTAL_RECEIVED, n * 150.0);
        pooler.add(Counters.Pooler.TOTAL_SENT, n * 30.0 + rowsD * 120);
        pooler.add(Counters.Pooler.TOTAL_QUERY_TIME_MS, c.sum());
        pooler.add(Counters.Pooler.TOTAL_XACT_TIME_MS, c.sum() * 1.3);
      }
      bgwriter.add(Counters.Bgwriter.BUFFERS_ALLOC, read);
      checkpointer.add(Counters.Checkpointer.BUFFERS_CHECKPOINT, (s.blksDirtied - dirtied0) * 0.6);
      if (table != null) {
        onTable(table, s.kind, n, rowsD, hit, read, scanned, at);
      }
    }
  }

  private static void onTable(TableState t, Kind kind, long n, double rows, double hit, double read, double scanned,
      Instant at) {
    Counters<Counters.Table> c = t.counters;
    c.add(Counters.Table.HEAP_BLKS_HIT, hit * 0.7);
    c.add(Counters.Table.HEAP_BLKS_READ, read * 0.7);
    c.add(Counters.Table.IDX_BLKS_HIT, hit * 0.3);
    c.add(Counters.Table.IDX_BLKS_READ, read * 0.3);
    int index = switch (kind) {
      case POINT_READ, UPDATE -> 0;
      case RANGE_READ -> t.indexes.size() > 1 ? 1 : 0;
      case DELETE -> t.indexes.size() > 2 ? 2 : -1;
      default -> -1;
    };
    if (kind.seqScan || (kind == Kind.DELETE && index < 0)) {
      c.add(Counters.Table.SEQ_SCAN, n);
      c.add(Counters.Table.SEQ_TUP_READ, scanned);
      t.lastSeqScan = at;
    } else if (index >= 0) {
      c.add(Counters.Table.IDX_SCAN, n);
      c.add(Counters.Table.IDX_TUP_FETCH, rows);
      Counters<Counters.Index> idx = t.indexes.get(index);
      idx.add(Counters.Index.IDX_SCAN, n);
      idx.add(Counters.Index.IDX_TUP_READ, rows);
      idx.add(Counters.Index.IDX_TUP_FETCH, rows);
      idx.add(Counters.Index.IDX_BLKS_HIT, hit * 0.3);
      idx.add(Counters.Index.IDX_BLKS_READ, read * 0.3);
      t.lastIdxScan = at;
      t.lastIndexScan[index] = at;
    }
    switch (kind) {
      case INSERT -> {
        c.add(Counters.Table.N_TUP_INS, rows);
        t.modSinceAnalyze += rows;
        t.insSinceVacuum += rows;
      }
      case UPDATE -> {
        c.add(Counters.Table.N_TUP_UPD, rows);
        c.add(Counters.Table.N_TUP_HOT_UPD, rows * 0.6);
        c.add(Counters.Table.N_TUP_NEWPAGE_UPD, rows * 0.3);
        t.dead += rows;
        t.modSinceAnalyze += rows;
      }
      case DELETE -> {
        c.add(Counters.Table.N_TUP_DEL, rows);
        t.dead += rows;
        t.modSinceAnalyze += rows;
      }
      default -> { }
    }
  }

  /** Table sizes follow the storage pattern; autovacuum and autoanalyze run at the default thresholds. */
  private void tables(Instant at) {
    ResourceTruth storageTruth = plan.resource(ResourceTruth.STORAGE);
    double storageValue = storageTruth.valueAt(at);
    for (TableState t : tables) {
      t.totalBytes = t.plan.resource() == null ? t.plan.staticBytes()
          : Math.round(Draws.noisy(rng, storageValue * t.plan.storageShare(), storageTruth.noise()));
      long live = t.liveTuples();
      if (t.dead > 50 + 0.2 * live || t.insSinceVacuum > 1_000 + 0.2 * live) {
        t.dead = 0;
        t.insSinceVacuum = 0;
        t.lastAutovacuum = at;
        t.counters.add(Counters.Table.AUTOVACUUM_COUNT, 1);
      }
      if (t.modSinceAnalyze > 50 + 0.1 * live) {
        t.modSinceAnalyze = 0;
        t.lastAutoanalyze = at;
        t.counters.add(Counters.Table.AUTOANALYZE_COUNT, 1);
      }
    }
  }

  /** Instance-wide counters: sessions, WAL, archiver, background writer, checkpoints, host CPU, pooler waits. */
  private void counters(Instant at, double seconds) {
    for (Map.Entry<String, Counters<Counters.Database>> e : databases.entrySet()) {
      double share = rows.connectionShare(e.getKey());
      Counters<Counters.Database> db = e.getValue();
      double conns = connections * share;
      db.add(Counters.Database.SESSION_TIME_MS, conns * seconds * 1000);
      db.add(Counters.Database.IDLE_IN_TRANSACTION_TIME_MS, conns * 0.02 * seconds * 1000);
      db.add(Counters.Database.SESSIONS, Draws.poisson(rng, conns * seconds / 3_600));
      db.add(Counters.Database.DEADLOCKS, Draws.poisson(rng, seconds / 86_400 * 0.3 * share));
    }
    long before = (long) (walPosition / SEGMENT);
    walPosition += Math.round(walInterval);
    long segments = (long) (walPosition / SEGMENT) - before;
    if (segments > 0) {
      wal.add(Counters.Wal.ARCHIVED_COUNT, segments);
      lastArchived = at;
    }
    wal.add(Counters.Wal.WAL_BYTES, Math.round(walInterval));
    wal.add(Counters.Wal.WAL_RECORDS, walInterval / 110);
    wal.add(Counters.Wal.WAL_FPI, walInterval / BLOCK * 0.1);
    wal.add(Counters.Wal.WAL_BUFFERS_FULL, walInterval / SEGMENT * 0.01);
    wal.add(Counters.Wal.WAL_WRITE, walInterval / BLOCK * 0.2);
    wal.add(Counters.Wal.WAL_SYNC, seconds * 0.5);
    bgwriter.add(Counters.Bgwriter.BUFFERS_CLEAN, walInterval / BLOCK * 0.05);
    bgwriter.add(Counters.Bgwriter.MAXWRITTEN_CLEAN, seconds / 3_600);
    bgwriter.add(Counters.Bgwriter.BUFFERS_BACKEND, walInterval / BLOCK * 0.02);
    checkpointer.add(Counters.Checkpointer.CHECKPOINTS_TIMED, seconds / 300);
    checkpointer.add(Counters.Checkpointer.CHECKPOINTS_REQ, walInterval / (1024.0 * 1024 * 1024) * 0.3);
    checkpointer.add(Counters.Checkpointer.CHECKPOINT_WRITE_TIME_MS, seconds / 300 * 270_000 * 0.1);
    checkpointer.add(Counters.Checkpointer.CHECKPOINT_SYNC_TIME_MS, seconds / 300 * 5);
    long ticks = Math.round(plan.cpuCount() * 100 * seconds);
    long idle = Math.round(ticks * (1 - cpuBusy));
    cpuTotal += ticks;
    cpuIdle += idle;
    cpuIowait += Math.round(idle * 0.03);
    double load1 = Draws.noisy(rng, cpuBusy * plan.cpuCount(), 0.1);
    load5 = load5 == 0 ? load1 : load5 + (load1 - load5) * Math.min(1, seconds / 300);
    load15 = load15 == 0 ? load1 : load15 + (load1 - load15) * Math.min(1, seconds / 900);
    rows.load1 = load1;
    for (int i = 0; i < poolClients.length; i++) {
      InstancePlan.Pool pool = plan.pools().get(i);
      long waiting = Math.max(0, poolClients[i] - pool.poolSize());
      poolStats.get(pool.database()).add(Counters.Pooler.TOTAL_WAIT_TIME_MS, waiting * seconds * 50);
    }
  }

  /** The interval the slower sections are read at: a multiple of the tick interval, as the collector rounds them. */
  long slowIntervalMs(long intervalMs) {
    return intervalMs >= SLOW_INTERVAL_MS ? intervalMs : Math.max(1, Math.round(SLOW_INTERVAL_MS / (double) intervalMs))
        * intervalMs;
  }

  /** Whether the slower sections are due at {@code at}: on the first tick, then on multiples of their interval. */
  boolean slowDue(Instant at, long intervalMs) {
    long every = slowIntervalMs(intervalMs) / intervalMs;
    return lastAt == null || every <= 1 || Math.floorMod(at.toEpochMilli() / intervalMs, every) == 0;
  }
}
