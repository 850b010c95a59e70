package dev.headroom.bench;

import dev.headroom.collector.internals.CatalogSnapshot;
import dev.headroom.collector.internals.SnapshotPublisher;
import dev.headroom.schemas.LatencySample;
import dev.headroom.schemas.SchemaValidator;
import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.Topics;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The input a fleet of PostgreSQL 17 instances' collectors would write, generated rather than
 * read: per instance and one-minute interval the snapshot sections the collector publishes
 * (statements with statements_info, databases, activity, replication, slots, settings, wal,
 * bgwriter, checkpointer, tables and indexes, with the columns {@code CatalogQueries} reads for
 * version 17), their cumulative counters growing the way a busy server's do, plus exact latency
 * samples (probes every 10 s and CDC rows). Snapshot messages go through the collector's own
 * {@link SnapshotPublisher} (parts of bounded size, the envelope written by
 * {@link Topics#SNAPSHOT_SERDE}); samples through {@link Topics#LATENCY_SAMPLE_SERDE}. Each
 * record is encoded once. Deterministic for a seed.
 */
final class FleetTraffic {
  /**
   * The last interval ends five minutes past an hour, late enough for the hour window before it
   * to close (a minute window closes 90 s after it starts plus its length, and feeds the hour).
   * It is yesterday's 10:05 UTC, not a fixed date: the broker deletes segments whose newest
   * timestamp is older than its retention (7 days), and once a fixed date was that old the input
   * vanished in the middle of a run.
   */
  static final Instant END = LocalDate.now(ZoneOffset.UTC).minusDays(1).atTime(10, 5).toInstant(ZoneOffset.UTC);
  static final long MINUTE_MS = 60_000;
  static final int SERVER_VERSION = 170_005;
  /** The collector's default message.max.bytes. */
  static final int MESSAGE_MAX_BYTES = 900_000;
  static final int PROBES_PER_MINUTE = 6;

  record Options(int instances, int intervals, int statements, int tables, int indexes, int settings,
      int samplesPerMinute, int slowEvery, long seed) {}

  /** One encoded input record, keyed by instance id, its timestamp the event time. */
  record Encoded(String topic, String key, long timestampMs, byte[] value, int rows, String section) {}

  private final Options options;
  private final Instant start;
  private final List<Instance> fleet = new ArrayList<>();
  private final SnapshotPublisher publisher = new SnapshotPublisher(MESSAGE_MAX_BYTES);
  private boolean checked;

  FleetTraffic(Options options) {
    this.options = options;
    this.start = END.minusSeconds(60L * options.intervals());
    for (int i = 0; i < options.instances(); i++) {
      fleet.add(new Instance(i, options, start, new SplittableRandom(options.seed() * 1_000_003L + i)));
    }
  }

  Options options() {
    return options;
  }

  /** When the first interval starts. */
  Instant start() {
    return start;
  }

  static String instanceId(int i) {
    return String.format(java.util.Locale.ROOT, "bench-eu/pg-%02d", i);
  }

  /**
   * Every record of interval {@code k} (0-based) of every instance, in event-time order as a
   * fleet writes them: each instance's samples of the minute before its capture, then its
   * snapshot messages stamped with captured_at.
   */
  List<Encoded> interval(int k) {
    List<Encoded> out = new ArrayList<>();
    for (Instance instance : fleet) {
      long capture = instance.captureMs(k);
      out.addAll(instance.samples(k, capture));
      boolean slow = k % options.slowEvery() == 0;
      CatalogSnapshot catalog = instance.advance(k, capture, slow);
      List<SnapshotPublisher.Part> parts = publisher.parts(catalog, instance.info, instance.agent,
          section -> isSlow(section) ? options.slowEvery() * MINUTE_MS : MINUTE_MS);
      for (SnapshotPublisher.Part p : parts) {
        if (!checked) {
          check(p);
        }
        out.add(new Encoded(Topics.SNAPSHOTS.name(), instance.id, capture, p.json(), p.snapshot().rows().size(),
            p.snapshot().section()));
      }
      checked = true;
    }
    out.sort(Comparator.comparingLong(Encoded::timestampMs)); // stable: a message's parts keep their order
    return out;
  }

  static boolean isSlow(String section) {
    return section.equals("tables") || section.equals("indexes") || section.equals("settings");
  }

  /** The first instance's first messages: what the serde would write, and valid against the contract. */
  private static void check(SnapshotPublisher.Part p) {
    byte[] whole = Topics.SNAPSHOT_SERDE.write(p.snapshot());
    if (!Arrays.equals(whole, p.json())) {
      throw new IllegalStateException("the publisher's bytes of section " + p.snapshot().section()
          + " differ from the serde's");
    }
    List<String> violations = SchemaValidator.violations(p.json());
    if (!violations.isEmpty()) {
      throw new IllegalStateException("section " + p.snapshot().section() + " breaks the contract: " + violations);
    }
  }

  // ---- one instance and its objects ----

  private static final String[] WORDS = {"orders", "order_items", "customers", "payments", "invoices", "shipments",
      "products", "inventory", "carts", "sessions", "events", "audit_log", "users", "accounts", "addresses",
      "refunds", "coupons", "reviews", "notifications", "subscriptions", "warehouses", "suppliers", "prices",
      "tax_rates", "ledger_entries"};
  private static final String[] COLUMNS = {"customer_id", "created_at", "status", "updated_at", "account_id",
      "external_ref", "product_id", "email"};
  private static final String[] DATABASES = {"app", "postgres", "reporting", "template0", "template1"};

  private static final class Instance {
    final int index;
    final String id;
    final Snapshot.InstanceInfo info;
    final Snapshot.AgentInfo agent;
    final SplittableRandom random;
    final long offsetMs;
    final int samplesPerMinute;
    final Instant start;
    final Instant postmasterStart;
    final Instant statsReset;
    final Statement[] statements;
    final Table[] tables;
    final Index[] indexes;
    final List<Map<String, Object>> settings;
    final Map<String, double[]> databases = new TreeMap<>(); // datname -> counters
    final double[] wal = new double[11];
    final double[] bgwriter = new double[3];
    final double[] checkpointer = new double[8];
    long xid;
    long lsn;
    long sampleSeq;

    Instance(int index, Options o, Instant start, SplittableRandom random) {
      this.index = index;
      this.start = start;
      this.id = instanceId(index);
      this.random = random;
      this.info = new Snapshot.InstanceInfo(id, "bench-eu", "primary", Long.toString(7_300_000_000_000_000_000L
          + random.nextLong(99_999_999_999_999_999L)), SERVER_VERSION, Map.of("env", "bench", "team", "checkout"));
      this.agent = new Snapshot.AgentInfo("bench-agent-" + index, "0.1.0");
      // collectors are not in step: each instance's capture has its own second within the minute
      this.offsetMs = (index * 7_919L) % MINUTE_MS;
      this.samplesPerMinute = o.samplesPerMinute();
      this.postmasterStart = start.minusSeconds(86_400L * (3 + random.nextInt(40)));
      this.statsReset = postmasterStart.minusSeconds(86_400L * random.nextInt(100));
      this.xid = 50_000_000L + random.nextLong(900_000_000L);
      this.lsn = (long) random.nextInt(4096) << 32;
      this.tables = new Table[o.tables()];
      for (int t = 0; t < tables.length; t++) {
        tables[t] = new Table(t, start, random);
      }
      this.indexes = new Index[o.indexes()];
      for (int x = 0; x < indexes.length; x++) {
        Table table = x < tables.length ? tables[x] : tables[random.nextInt(tables.length)];
        indexes[x] = new Index(x, x < tables.length, table, random);
      }
      this.statements = new Statement[o.statements()];
      for (int s = 0; s < statements.length; s++) {
        statements[s] = new Statement(tables[random.nextInt(tables.length)], random, statsReset);
      }
      this.settings = Settings.rows(o.settings(), random);
      for (String db : DATABASES) {
        databases.put(db, new double[24]);
      }
      for (int i = 0; i < wal.length; i++) {
        wal[i] = random.nextInt(1_000_000);
      }
    }

    long captureMs(int k) {
      return start.toEpochMilli() + k * MINUTE_MS + offsetMs + random.nextInt(250);
    }

    /** Probes every 10 s and CDC rows spread over the minute before the capture. */
    List<Encoded> samples(int k, long capture) {
      int n = samplesPerMinute;
      List<Encoded> out = new ArrayList<>(n);
      for (int j = 0; j < n; j++) {
        LatencySample s;
        if (j < PROBES_PER_MINUTE) {
          long at = capture - MINUTE_MS + (j + 1) * (MINUTE_MS / PROBES_PER_MINUTE) - 500;
          s = new LatencySample(LatencySample.SCHEMA, "probe:" + id + ":" + at, id, Instant.ofEpochMilli(at),
              "instance", "probe", 0.2 * Math.exp(0.3 * random.nextGaussian()), 1);
        } else {
          long at = capture - MINUTE_MS + random.nextLong(MINUTE_MS);
          long row = ++sampleSeq;
          String app = row % 3 == 0 ? "search" : "checkout";
          s = new LatencySample(LatencySample.SCHEMA, "cdc:" + Long.toHexString(lsn + row * 512) + ":public.request_log:"
              + row, id, Instant.ofEpochMilli(at), "app:" + app, "cdc", (app.equals("search") ? 35 : 80)
              * Math.exp(0.6 * random.nextGaussian()), 1);
        }
        out.add(new Encoded(Topics.LATENCY.name(), id, s.observedAt().toEpochMilli(),
            Topics.LATENCY_SAMPLE_SERDE.write(s), 1, null));
      }
      return out;
    }

    /** One minute of work, then what the collector would read at {@code capture}. */
    CatalogSnapshot advance(int k, long capture, boolean slow) {
      Instant at = Instant.ofEpochMilli(capture);
      double load = 1 + 0.35 * Math.sin(2 * Math.PI * (k + index) / 45.0); // the load breathes
      for (double[] db : databases.values()) {
        db[0] = 0; // numbackends, set below
      }
      for (Statement s : statements) {
        s.advance(load, random, at);
        double[] db = databases.get(s.datname);
        db[1] += s.lastCalls * 0.7; // xact_commit
        db[2] += s.lastCalls * 0.002; // xact_rollback
        db[3] += s.lastRead; // blks_read
        db[4] += s.lastHit; // blks_hit
        db[5] += s.lastRows * 8; // tup_returned
        db[6] += s.lastRows; // tup_fetched
        db[19] += s.lastExecMs; // active_time_ms
      }
      for (Table t : tables) {
        t.advance(load, random, at);
        double[] db = databases.get(t.datname);
        db[7] += t.lastIns;
        db[8] += t.lastUpd;
        db[9] += t.lastDel;
      }
      for (Index x : indexes) {
        x.advance(load, random, at);
      }
      xid += (long) (2_000 * load + random.nextInt(500));
      long walBytes = (long) (6_000_000 * load + random.nextInt(1_000_000));
      lsn += walBytes;

      Map<String, List<Map<String, Object>>> sections = new LinkedHashMap<>();
      List<Statement> ordered = new ArrayList<>(Arrays.asList(statements));
      ordered.sort(Comparator.comparingDouble((Statement s) -> s.total).reversed()); // ORDER BY total_exec_time DESC
      List<Map<String, Object>> statementRows = new ArrayList<>(ordered.size());
      for (Statement s : ordered) {
        statementRows.add(s.row());
      }
      sections.put("statements", statementRows);
      sections.put("statements_info", List.of(rowOf("dealloc", 0L, "stats_reset", statsReset, "max", 5_000L,
          "entries", (long) statements.length)));
      sections.put("databases", databaseRows(k, load));
      sections.put("activity", List.of(activity(load)));
      sections.put("replication", List.of(replication(at)));
      sections.put("slots", List.of(slot()));
      if (slow) {
        sections.put("settings", settings);
      }
      sections.put("wal", List.of(wal(walBytes, at)));
      sections.put("bgwriter", List.of(bgwriter(load)));
      sections.put("checkpointer", List.of(checkpointer(k)));
      if (slow) {
        boolean sizes = k % 15 == 0; // exact relation sizes every 15 minutes, estimates always
        List<Map<String, Object>> tableRows = new ArrayList<>(tables.length);
        for (Table t : tables) {
          tableRows.add(t.row(sizes, xid));
        }
        List<Map<String, Object>> indexRows = new ArrayList<>(indexes.length);
        for (Index x : indexes) {
          indexRows.add(x.row(sizes));
        }
        sections.put("tables", tableRows);
        sections.put("indexes", indexRows);
      }
      return new CatalogSnapshot(at, postmasterStart, SERVER_VERSION, info.systemIdentifier(), false, statsReset,
          sections, Map.of("statements", false), Map.of());
    }

    private List<Map<String, Object>> databaseRows(int k, double load) {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (Map.Entry<String, double[]> e : databases.entrySet()) {
        String name = e.getKey();
        double[] c = e.getValue();
        boolean template = name.startsWith("template");
        if (!template) {
          c[10] += random.nextInt(3); // temp_files
          c[11] += random.nextInt(3) * 8_388_608.0; // temp_bytes
          c[14] += 60_000 * (name.equals("app") ? 40 : 4) * load; // session_time_ms
          c[16] += random.nextInt(200); // idle_in_transaction_time_ms
          c[17] += name.equals("app") ? 30 + random.nextInt(20) : random.nextInt(3); // sessions
        }
        Long size = k % 5 == 0 && !name.equals("template0") // database sizes every 5 minutes
            ? (long) (7_500_000 + c[7] * 120 + (name.equals("app") ? 48L << 30 : 0)) : null;
        rows.add(rowOf("datname", name,
            "numbackends", template ? 0L : name.equals("app") ? 30L + random.nextInt(40) : (long) random.nextInt(4),
            "xact_commit", (long) c[1], "xact_rollback", (long) c[2], "blks_read", (long) c[3], "blks_hit", (long) c[4],
            "tup_returned", (long) c[5], "tup_fetched", (long) c[6], "tup_inserted", (long) c[7],
            "tup_updated", (long) c[8], "tup_deleted", (long) c[9], "conflicts", 0L, "temp_files", (long) c[10],
            "temp_bytes", (long) c[11], "deadlocks", 0L, "checksum_failures", null, // data checksums off
            "blk_read_time_ms", c[3] * 0.08, "blk_write_time_ms", c[8] * 0.001, "session_time_ms", c[14],
            "active_time_ms", c[19], "idle_in_transaction_time_ms", c[16], "sessions", (long) c[17],
            "sessions_abandoned", 0L, "sessions_fatal", 0L, "sessions_killed", 0L, "stats_reset", null,
            "frozen_xid_age", template ? 200_000_000L + k : xid % 180_000_000L, "min_mxid_age", 1_000L + k,
            "allow_connections", !name.equals("template0"), "size_bytes", size));
      }
      return rows;
    }

    private Map<String, Object> activity(double load) {
      long active = 3 + random.nextInt((int) (6 * load) + 1);
      long idle = 40 + random.nextInt(30);
      long idleTx = random.nextInt(4);
      long connections = active + idle + idleTx;
      return rowOf("connections", connections, "max_connections", 200L, "reserved_connections", 3L,
          "by_state", new TreeMap<>(Map.of("active", active, "idle", idle, "idle in transaction", idleTx)),
          "waiting", new TreeMap<>(Map.of("IO", (long) random.nextInt(3), "Lock", (long) random.nextInt(2))),
          "by_database", new TreeMap<>(Map.of("app", connections - 2, "reporting", 2L)),
          "by_backend_type", new TreeMap<>(Map.of("autovacuum launcher", 1L, "background writer", 1L,
              "checkpointer", 1L, "client backend", connections, "walsender", 1L, "walwriter", 1L)),
          "oldest_xact_age_s", random.nextDouble() * 30, "longest_query_s", random.nextDouble() * 5,
          "oldest_xmin_age", (long) random.nextInt(50_000));
    }

    private Map<String, Object> replication(Instant at) {
      long lag = random.nextInt(2_000_000);
      return rowOf("kind", "sender", "application_name", "standby-1",
          "client_addr", "192.0.2.10", // documentation address: nothing is contacted
          "state", "streaming", "sync_state", "async", "sent_lag_bytes", lag / 4, "write_lag_bytes", lag / 2,
          "flush_lag_bytes", lag / 2, "replay_lag_bytes", lag, "write_lag_s", 0.001 * random.nextInt(50),
          "flush_lag_s", 0.001 * random.nextInt(80), "replay_lag_s", 0.001 * random.nextInt(500),
          "reply_time", at.minusMillis(random.nextInt(1_000)));
    }

    private Map<String, Object> slot() {
      return rowOf("slot_name", "standby_1", "slot_type", "physical", "plugin", null, "database", null, "active", true,
          "temporary", false, "retained_wal_bytes", (long) random.nextInt(64 << 20),
          "confirmed_flush_lag_bytes", null, "wal_status", "reserved", "safe_wal_size_bytes", null, "xmin_age", null,
          "catalog_xmin_age", null, "conflicting", null, "inactive_since", null);
    }

    private Map<String, Object> wal(long walBytes, Instant at) {
      wal[0] += 1 + random.nextInt(2); // archived_count
      wal[1] += walBytes / 120; // wal_records
      wal[2] += walBytes / 40_000; // wal_fpi
      wal[3] += walBytes; // wal_bytes
      wal[4] += random.nextInt(3); // wal_buffers_full
      wal[5] += 1_500 + random.nextInt(500); // wal_write
      wal[6] += 1_400 + random.nextInt(500); // wal_sync
      wal[7] += 300 * random.nextDouble(); // wal_write_time_ms
      wal[8] += 900 * random.nextDouble(); // wal_sync_time_ms
      return rowOf("wal_position_bytes", lsn, "archived_count", (long) wal[0], "archive_failed_count", 0L,
          "last_archived_time", at.minusSeconds(random.nextInt(60)), "last_archive_failed_time", null,
          "archiver_stats_reset", null, "wal_records", (long) wal[1], "wal_fpi", (long) wal[2],
          "wal_bytes", (long) wal[3], "wal_buffers_full", (long) wal[4], "wal_write", (long) wal[5],
          "wal_sync", (long) wal[6], "wal_write_time_ms", wal[7], "wal_sync_time_ms", wal[8],
          "stats_reset", statsReset);
    }

    private Map<String, Object> bgwriter(double load) {
      bgwriter[0] += (long) (800 * load) + random.nextInt(200); // buffers_clean
      bgwriter[1] += random.nextInt(2); // maxwritten_clean
      bgwriter[2] += (long) (20_000 * load) + random.nextInt(5_000); // buffers_alloc
      return rowOf("buffers_clean", (long) bgwriter[0], "maxwritten_clean", (long) bgwriter[1],
          "buffers_alloc", (long) bgwriter[2], "stats_reset", statsReset);
    }

    private Map<String, Object> checkpointer(int k) {
      if ((k + index) % 5 == 0) { // checkpoint_timeout = 5min
        checkpointer[0] += 1;
        checkpointer[5] += 120_000 + random.nextInt(30_000);
        checkpointer[6] += 50 + random.nextInt(300);
        checkpointer[7] += 20_000 + random.nextInt(20_000);
      }
      return rowOf("checkpoints_timed", (long) checkpointer[0], "checkpoints_req", (long) checkpointer[1],
          "restartpoints_timed", 0L, "restartpoints_req", 0L, "restartpoints_done", 0L,
          "checkpoint_write_time_ms", checkpointer[5], "checkpoint_sync_time_ms", checkpointer[6],
          "buffers_checkpoint", (long) checkpointer[7], "stats_reset", statsReset);
    }
  }

  // ---- pg_stat_statements entries ----

  private static final class Statement {
    final long queryid;
    final String datname;
    final String usename;
    final String query;
    final double rate; // calls per minute
    final double meanMs;
    final double cv;
    final double rowsPerCall;
    final double hitPerCall;
    final double readPerCall;
    final boolean writes;
    final Instant since;
    long calls;
    double total;
    double sumSq;
    double min = Double.MAX_VALUE;
    double max;
    long rows;
    long hit;
    long read;
    long dirtied;
    long written;
    long tempRead;
    long tempWritten;
    double blkReadTime;
    long walRecords;
    long walFpi;
    long walBytes;
    long lastCalls;
    long lastHit;
    long lastRead;
    long lastRows;
    double lastExecMs;

    Statement(Table table, SplittableRandom random, Instant statsReset) {
      this.queryid = random.nextLong();
      double d = random.nextDouble();
      this.datname = table.datname;
      this.usename = d < 0.8 ? "app" : d < 0.95 ? "app_ro" : "postgres";
      int shape = random.nextInt(6);
      this.writes = shape >= 3 && shape <= 4;
      this.query = Queries.text(shape, table, random);
      this.rate = Math.exp(Math.log(8) + 2.0 * random.nextGaussian());
      this.meanMs = Math.exp(Math.log(shape == 5 ? 12 : 0.4) + 1.2 * random.nextGaussian());
      this.cv = 0.3 + 2.0 * random.nextDouble();
      this.rowsPerCall = shape == 1 ? 50 * random.nextDouble() : shape == 5 ? 10 : 1;
      this.hitPerCall = 4 + meanMs * 30 * random.nextDouble();
      this.readPerCall = hitPerCall * (table.datname.equals("reporting") ? 0.05 : 0.002) * random.nextDouble();
      this.since = statsReset;
      // history since the last reset
      long minutes = 1_000 + random.nextInt(20_000);
      this.calls = (long) (rate * minutes);
      if (calls > 0) {
        this.total = calls * meanMs;
        this.sumSq = calls * meanMs * meanMs * (1 + cv * cv);
        this.min = meanMs * 0.05;
        this.max = meanMs * (4 + 10 * cv);
        this.rows = (long) (calls * rowsPerCall);
        this.hit = (long) (calls * hitPerCall);
        this.read = (long) (calls * readPerCall);
      }
    }

    void advance(double load, SplittableRandom random, Instant at) {
      long n = Poisson.sample(rate * load, random);
      lastCalls = n;
      if (n == 0) {
        lastHit = lastRead = lastRows = 0;
        lastExecMs = 0;
        return;
      }
      double mean = meanMs * Math.exp(0.15 * random.nextGaussian()) * (0.8 + 0.2 * load);
      double sd = cv * mean;
      double sum = n * mean;
      calls += n;
      total += sum;
      sumSq += n * (sd * sd + mean * mean);
      min = Math.min(min, mean * (0.05 + 0.2 * random.nextDouble()));
      max = Math.max(max, mean * (1 + cv * (1 + 3 * random.nextDouble() * Math.log1p(n))));
      lastRows = (long) Math.ceil(n * rowsPerCall);
      lastHit = (long) Math.ceil(n * hitPerCall);
      lastRead = (long) (n * readPerCall + random.nextDouble());
      lastExecMs = sum;
      rows += lastRows;
      hit += lastHit;
      read += lastRead;
      blkReadTime += lastRead * 0.08;
      if (writes) {
        dirtied += n;
        written += n / 20;
        walRecords += 2 * n;
        walFpi += n / 50;
        walBytes += 180 * n;
      }
      if (rowsPerCall > 30) {
        tempRead += n;
        tempWritten += n;
      }
    }

    Map<String, Object> row() {
      double mean = calls == 0 ? 0 : total / calls;
      double stddev = calls == 0 ? 0 : Math.sqrt(Math.max(0, sumSq / calls - mean * mean));
      return rowOf("queryid", queryid, "datname", datname, "usename", usename, "toplevel", true, "query", query,
          "calls", calls, "total_exec_time_ms", total, "min_exec_time_ms", calls == 0 ? 0.0 : min,
          "max_exec_time_ms", max, "mean_exec_time_ms", mean, "stddev_exec_time_ms", stddev, "plans", 0L,
          "total_plan_time_ms", 0.0, "rows", rows, "shared_blks_hit", hit, "shared_blks_read", read,
          "shared_blks_dirtied", dirtied, "shared_blks_written", written, "local_blks_hit", 0L, "local_blks_read", 0L,
          "temp_blks_read", tempRead, "temp_blks_written", tempWritten, "blk_read_time_ms", blkReadTime,
          "blk_write_time_ms", 0.0, "wal_records", walRecords, "wal_fpi", walFpi, "wal_bytes", walBytes,
          "stats_since", since, "minmax_stats_since", since);
    }
  }

  /** Normalized statement texts as pg_stat_statements keeps them (constants as $n). */
  private static final class Queries {
    static String text(int shape, Table t, SplittableRandom random) {
      String c = COLUMNS[random.nextInt(COLUMNS.length)];
      String name = t.schema + "." + t.name;
      return switch (shape) {
        case 0 -> "SELECT t.id, t." + c + ", t.status, t.amount, t.updated_at FROM " + name + " t WHERE t.id = $1";
        case 1 -> "SELECT t.id, t." + c + ", t.amount FROM " + name + " t WHERE t." + c + " >= $1 AND t." + c
            + " < $2 ORDER BY t." + c + " LIMIT $3";
        case 2 -> "SELECT count(*), sum(t.amount), max(t.created_at) FROM " + name + " t WHERE t." + c + " = $1";
        case 3 -> "UPDATE " + name + " SET status = $1, amount = amount + $2, updated_at = now() WHERE id = $3";
        case 4 -> "INSERT INTO " + name + " (" + c + ", status, amount, payload, created_at) VALUES ($1, $2, $3, $4,"
            + " now()) RETURNING id";
        default -> "SELECT date_trunc($1, t.created_at) AS day, t.status, count(*), avg(t.amount) FROM " + name
            + " t JOIN public.customers c ON c.id = t.customer_id WHERE t.created_at >= now() - $2::interval AND"
            + " c.region = ANY($3) GROUP BY 1, 2 ORDER BY 1 DESC, 3 DESC";
      };
    }
  }

  // ---- pg_stat_user_tables with pg_statio_user_tables ----

  private static final class Table {
    final String datname;
    final String schema;
    final String name;
    final double insRate;
    final double updRate;
    final double delRate;
    final double seqRate;
    final double idxRate;
    final double rowWidth;
    final double[] c = new double[19]; // the counters, in Sections.TABLES order
    double live;
    double dead;
    double bytes;
    double modSinceAnalyze;
    double insSinceVacuum;
    Instant lastSeqScan;
    Instant lastIdxScan;
    Instant lastAutovacuum;
    Instant lastAutoanalyze;
    long frozenAgeAt;
    long lastIns;
    long lastUpd;
    long lastDel;

    Table(int t, Instant start, SplittableRandom random) {
      double d = random.nextDouble();
      this.datname = d < 0.85 ? "app" : "reporting";
      this.schema = t % 10 == 9 ? "audit" : "public";
      this.name = WORDS[t % WORDS.length] + (t >= WORDS.length ? "_" + (t / WORDS.length) : "");
      this.live = Math.exp(Math.log(50_000) + 2.2 * random.nextGaussian());
      this.rowWidth = 80 + random.nextInt(400);
      this.bytes = Math.max(8_192, live * rowWidth * 1.2);
      this.insRate = live * 0.0002 * random.nextDouble();
      this.updRate = live * 0.0005 * random.nextDouble() * (t % 7 == 0 ? 20 : 1); // a few hot tables
      this.delRate = insRate * 0.3 * random.nextDouble();
      this.seqRate = t % 13 == 0 ? 3 + random.nextInt(10) : 0.05 * random.nextDouble();
      this.idxRate = 50 * Math.exp(2 * random.nextGaussian());
      this.dead = live * 0.05 * random.nextDouble();
      for (int i = 0; i < c.length; i++) {
        c[i] = (long) (live * random.nextDouble() * 10);
      }
      this.frozenAgeAt = random.nextLong(100_000_000L);
      this.lastAutovacuum = start.minusSeconds(random.nextInt(86_400));
      this.lastAutoanalyze = lastAutovacuum;
    }

    void advance(double load, SplittableRandom random, Instant at) {
      lastIns = Poisson.sample(insRate * load, random);
      lastUpd = Poisson.sample(updRate * load, random);
      lastDel = Math.min((long) live, Poisson.sample(delRate * load, random));
      long seq = Poisson.sample(seqRate * load, random);
      long idx = Poisson.sample(idxRate * load, random);
      long hot = (long) (lastUpd * 0.7);
      c[0] += seq; // seq_scan
      c[1] += seq * live; // seq_tup_read
      c[2] += idx; // idx_scan
      c[3] += idx * 3; // idx_tup_fetch
      c[4] += lastIns;
      c[5] += lastUpd;
      c[6] += lastDel;
      c[7] += hot; // n_tup_hot_upd
      c[8] += lastUpd - hot; // n_tup_newpage_upd
      c[13] += (seq * bytes / 8_192) * 0.01 + idx * 0.05; // heap_blks_read
      c[14] += seq * bytes / 8_192 + idx * 3; // heap_blks_hit
      c[15] += idx * 0.02; // idx_blks_read
      c[16] += idx * 4; // idx_blks_hit
      c[18] += idx * 0.1; // toast_blks_hit
      live += lastIns - lastDel;
      dead += lastUpd + lastDel;
      bytes += lastIns * rowWidth;
      modSinceAnalyze += lastIns + lastUpd + lastDel;
      insSinceVacuum += lastIns;
      if (seq > 0) {
        lastSeqScan = at;
      }
      if (idx > 0) {
        lastIdxScan = at;
      }
      if (dead > 50 + 0.2 * live && random.nextDouble() < 0.3) { // autovacuum comes round
        dead = 0;
        insSinceVacuum = 0;
        c[10] += 1;
        lastAutovacuum = at;
      }
      if (modSinceAnalyze > 50 + 0.1 * live && random.nextDouble() < 0.3) {
        modSinceAnalyze = 0;
        c[12] += 1;
        lastAutoanalyze = at;
      }
    }

    Map<String, Object> row(boolean sizes, long xid) {
      return rowOf("datname", datname, "schema", schema, "table", name, "seq_scan", (long) c[0],
          "seq_tup_read", (long) c[1], "idx_scan", (long) c[2], "idx_tup_fetch", (long) c[3],
          "n_tup_ins", (long) c[4], "n_tup_upd", (long) c[5], "n_tup_del", (long) c[6], "n_tup_hot_upd", (long) c[7],
          "n_live_tup", (long) live, "n_dead_tup", (long) dead, "n_mod_since_analyze", (long) modSinceAnalyze,
          "n_ins_since_vacuum", (long) insSinceVacuum, "n_tup_newpage_upd", (long) c[8], "last_seq_scan", lastSeqScan,
          "last_idx_scan", lastIdxScan, "last_vacuum", null, "last_autovacuum", lastAutovacuum, "last_analyze", null,
          "last_autoanalyze", lastAutoanalyze, "vacuum_count", (long) c[9], "autovacuum_count", (long) c[10],
          "analyze_count", (long) c[11], "autoanalyze_count", (long) c[12], "heap_blks_read", (long) c[13],
          "heap_blks_hit", (long) c[14], "idx_blks_read", (long) c[15], "idx_blks_hit", (long) c[16],
          "toast_blks_read", (long) c[17], "toast_blks_hit", (long) c[18], "table_bytes", sizes ? (long) bytes : null,
          "total_bytes", sizes ? (long) (bytes * 1.4) : null, "estimated_bytes", (long) (bytes / 8_192) * 8_192,
          "frozen_xid_age", (xid + frozenAgeAt) % 200_000_000L,
          "reloptions", updRate > live * 0.005 ? "autovacuum_vacuum_scale_factor=0.05" : null);
    }
  }

  // ---- pg_stat_user_indexes with pg_statio_user_indexes and pg_index ----

  private static final class Index {
    final Table table;
    final String name;
    final boolean primary;
    final String columns;
    final double scanShare;
    final double bytes;
    long scans;
    long tupRead;
    long tupFetch;
    long blksRead;
    long blksHit;
    Instant lastScan;

    Index(int x, boolean primary, Table table, SplittableRandom random) {
      this.table = table;
      this.primary = primary;
      String column = COLUMNS[x % COLUMNS.length];
      this.name = primary ? table.name + "_pkey" : table.name + "_" + column + "_idx" + (x % 17 == 0 ? "1" : "");
      this.columns = primary ? "1" : Integer.toString(2 + x % COLUMNS.length);
      // some secondary indexes are never used (the unused-index finding), most share the table's scans
      this.scanShare = primary ? 0.6 : x % 11 == 0 ? 0 : 0.4 * random.nextDouble();
      this.bytes = Math.max(16_384, table.live * 40);
    }

    void advance(double load, SplittableRandom random, Instant at) {
      long n = Poisson.sample(table.idxRate * scanShare * load, random);
      scans += n;
      tupRead += 3 * n;
      tupFetch += 2 * n;
      blksHit += 4 * n;
      blksRead += n / 50;
      if (n > 0) {
        lastScan = at;
      }
    }

    Map<String, Object> row(boolean sizes) {
      String column = primary ? "id" : name.substring(table.name.length() + 1, name.lastIndexOf("_idx"));
      String definition = "CREATE " + (primary ? "UNIQUE " : "") + "INDEX " + name + " ON " + table.schema + "."
          + table.name + " USING btree (" + column + ")";
      return rowOf("datname", table.datname, "schema", table.schema, "table", table.name, "index", name,
          "idx_scan", scans, "idx_tup_read", tupRead, "idx_tup_fetch", tupFetch, "last_idx_scan", lastScan,
          "idx_blks_read", blksRead, "idx_blks_hit", blksHit, "size_bytes", sizes ? (long) bytes : null,
          "estimated_bytes", (long) (bytes / 8_192) * 8_192, "is_unique", primary, "is_primary", primary,
          "is_valid", true, "backs_constraint", primary, "key_columns", columns, "is_partial", false,
          "definition", definition);
    }
  }

  /** A row as the collector's reader makes it: columns in query order, nulls kept. */
  static Map<String, Object> rowOf(Object... columnsAndValues) {
    Map<String, Object> r = new LinkedHashMap<>();
    for (int i = 0; i < columnsAndValues.length; i += 2) {
      r.put((String) columnsAndValues[i], columnsAndValues[i + 1]);
    }
    return r;
  }

  /** pg_settings rows: the real names first, then more of the same shape to the count a server has. */
  private static final class Settings {
    private static final String[][] KNOWN = {
        {"autovacuum", "on", null, "bool"}, {"autovacuum_max_workers", "3", null, "integer"},
        {"autovacuum_naptime", "60", "s", "integer"}, {"autovacuum_vacuum_scale_factor", "0.2", null, "real"},
        {"checkpoint_timeout", "300", "s", "integer"}, {"effective_cache_size", "524288", "8kB", "integer"},
        {"log_min_duration_statement", "250", "ms", "integer"}, {"maintenance_work_mem", "65536", "kB", "integer"},
        {"max_connections", "200", null, "integer"}, {"max_wal_size", "1024", "MB", "integer"},
        {"random_page_cost", "1.1", null, "real"}, {"shared_buffers", "131072", "8kB", "integer"},
        {"shared_preload_libraries", "pg_stat_statements", null, "string"}, {"statement_timeout", "0", "ms", "integer"},
        {"wal_level", "replica", null, "enum"}, {"work_mem", "4096", "kB", "integer"}};

    static List<Map<String, Object>> rows(int n, SplittableRandom random) {
      List<Map<String, Object>> rows = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        String[] k = KNOWN[i % KNOWN.length];
        rows.add(rowOf("name", i < KNOWN.length ? k[0] : k[0] + "_" + i, "setting", k[1], "unit", k[2], "vartype", k[3],
            "source", random.nextInt(4) == 0 ? "configuration file" : "default", "pending_restart", false));
      }
      return rows;
    }
  }

  /** Poisson counts (Knuth below 30, a rounded normal above). */
  private static final class Poisson {
    static long sample(double mean, SplittableRandom random) {
      if (!(mean > 0)) {
        return 0;
      }
      if (mean > 30) {
        return Math.max(0, Math.round(mean + Math.sqrt(mean) * random.nextGaussian()));
      }
      double limit = Math.exp(-mean);
      double p = 1;
      long k = 0;
      do {
        k++;
        p *= random.nextDouble();
      } while (p > limit);
      return k - 1;
    }
  }
}
