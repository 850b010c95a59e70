package dev.headroom.bench;

import dev.headroom.bench.CostMeters.Entry;
import dev.headroom.bench.CostMeters.RoleStatements;
import dev.headroom.bench.CostMeters.Samples;
import dev.headroom.collector.Collector;
import dev.headroom.collector.CollectorConfig;
import dev.headroom.collector.Section;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What does one collector snapshot cost a large instance, next to Debian's
 * prometheus-postgres-exporter scraping the same instance and a plain read of the same catalog?
 * Builds a PostgreSQL 15 with many tables and statements once, then measures each reader in
 * turn, alternating, several times: wall time, server execution time of the reader's own
 * statements (pg_stat_statements by role), CPU of the whole server, and CPU of the reader.
 */
@Command(name = "collector-cost-bench", mixinStandardHelpOptions = true,
    description = "Cost of a collector snapshot vs a prometheus-postgres-exporter scrape vs a plain catalog read.")
public final class CollectorCostBench implements Callable<Integer> {
  @Option(names = "--tables", description = "Tables in the application database, each with a primary key and one more index (default ${DEFAULT-VALUE}).")
  int tables = 10_000;

  @Option(names = "--schemas", description = "Schemas the tables are spread over (default ${DEFAULT-VALUE}).")
  int schemas = 5;

  @Option(names = "--statements", description = "Distinct statements put in pg_stat_statements (default ${DEFAULT-VALUE}).")
  int statements = 5_000;

  @Option(names = "--runs", description = "Measured runs of each reader (default ${DEFAULT-VALUE}).")
  int runs = 5;

  @Option(names = "--warmup", description = "Unmeasured runs of each reader first (default ${DEFAULT-VALUE}).")
  int warmup = 1;

  @Option(names = "--section-runs", description = "Measured runs of each single section (default ${DEFAULT-VALUE}).")
  int sectionRuns = 3;

  @Option(names = "--statements-max", description = "The collector's statements.max (default ${DEFAULT-VALUE}: every entry, as the exporter reads them).")
  int statementsMax = 10_000;

  @Option(names = "--query-text", description = "The collector's query.text: redacted, full or omit (default ${DEFAULT-VALUE}).")
  String queryText = "redacted";

  @Option(names = "--pg-bin", description = "PostgreSQL 15 binaries (default ${DEFAULT-VALUE}).")
  Path pgBin = Path.of("/usr/lib/postgresql/15/bin");

  @Option(names = "--exporter", description = "The prometheus-postgres-exporter binary (default ${DEFAULT-VALUE}).")
  Path exporterBinary = Path.of("/usr/bin/prometheus-postgres-exporter");

  @Option(names = "--exporter-queries", description = "Queries file for the exporter; default: Debian's example with the PostgreSQL 13+ pg_stat_statements columns.")
  Path exporterQueries;

  @Option(names = "--scrape-seconds", description = "Scrape interval for the per-hour figures (default ${DEFAULT-VALUE}, Prometheus' default).")
  int scrapeSeconds = 60;

  @Option(names = "--data-dir", description = "Keep the instance here and reuse it on the next run (default: a temporary directory, removed at the end).")
  Path dataDir;

  @Option(names = "--max-minutes", description = "The command stops itself (servers included) after this long (default ${DEFAULT-VALUE}).")
  double maxMinutes = 14;

  private static final long SETTLE_MS = 150;
  private final PrintStream out = System.out;
  private final PrintStream err = System.err;
  private final Deque<AutoCloseable> cleanup = new ArrayDeque<>();
  private boolean cleanedUp;

  public static void main(String[] args) {
    System.exit(new CommandLine(new CollectorCostBench()).execute(args));
  }

  /** One reader under test: what it runs once, as which role, and where its CPU is counted. */
  private interface Run {
    Output run() throws Exception;
  }

  /** What one run produced: messages (or series, or rows) and bytes; the collector's own section timers. */
  private record Output(long items, long bytes, Map<String, Double> sectionMs) {
    Output(long items, long bytes) {
      this(items, bytes, Map.of());
    }
  }

  private static final class Variant {
    final String label;
    final String role;
    final ExporterProcess exporter; // null: the reader runs in this JVM
    final Run run;
    final String itemsUnit;
    final Samples wall = new Samples();
    final Samples serverExec = new Samples();
    final Samples serverCpu = new Samples();
    final Samples readerCpu = new Samples();
    final Samples items = new Samples();
    final Samples bytes = new Samples();
    final Map<Long, double[]> byQueryId = new HashMap<>(); // calls, ms over the measured runs
    final Map<Long, String> texts = new HashMap<>();
    final Map<String, Samples> sectionMs = new LinkedHashMap<>();

    Variant(String label, String role, ExporterProcess exporter, String itemsUnit, Run run) {
      this.label = label;
      this.role = role;
      this.exporter = exporter;
      this.itemsUnit = itemsUnit;
      this.run = run;
    }
  }

  @Override
  public Integer call() throws Exception {
    validate();
    long started = System.nanoTime();
    Thread hook = new Thread(this::cleanUp, "bench-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    startWatchdog();
    try {
      return measure(started);
    } finally {
      cleanUp();
    }
  }

  private int measure(long started) throws Exception {
    Path base = dataDir != null ? dataDir.toAbsolutePath() : Files.createTempDirectory("headroom-cost-");
    Path work = Files.createTempDirectory("headroom-cost-work-");
    boolean reuse = LocalPostgres.initialized(base);
    if (!reuse && Files.exists(base.resolve("data"))) {
      throw new IllegalStateException("a half-made instance is in " + base + " (its setup did not finish): remove it");
    }
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("shared_preload_libraries", "pg_stat_statements");
    settings.put("pg_stat_statements.max", "10000");
    settings.put("track_io_timing", "on");
    settings.put("max_connections", "50");
    // Setup speed only: the measured reads write nothing. Autovacuum off keeps 10,000 fresh
    // tables from being vacuumed and analyzed while the readers are measured.
    settings.put("fsync", "off");
    settings.put("synchronous_commit", "off");
    settings.put("autovacuum", "off");
    err.println("bench: " + (reuse ? "reusing the instance in " : "creating an instance in ") + base);
    LocalPostgres pg = LocalPostgres.start(pgBin, base, settings, CatalogFixture.PASSWORD);
    cleanup.push(() -> {
      pg.close();
      if (dataDir == null) {
        pg.delete();
      }
    });
    cleanup.push(() -> deleteTree(work));
    CatalogFixture fixture = new CatalogFixture(pg, tables, schemas, statements);
    String setupNote;
    if (reuse) {
      setupNote = "instance reused from " + base + " (its setup is not timed again)";
    } else {
      long t0 = System.nanoTime();
      fixture.create();
      pg.markReady();
      double seconds = (System.nanoTime() - t0) / 1e9;
      setupNote = String.format(Locale.ROOT, "setup (roles, %d databases, %,d tables, %,d statements) took %.0f s",
          CatalogFixture.databases().size(), tables, statements, seconds);
      err.println("bench: " + setupNote);
    }
    try (Connection c = fixture.superuser("postgres"); Statement s = c.createStatement()) {
      s.execute("CHECKPOINT"); // the setup's dirty buffers are written now, not during a measured run
    }
    String instance = fixture.describe();
    err.println("bench: " + instance);
    long postmaster = pg.postmasterPid();

    Connection admin = fixture.superuser(CatalogFixture.APP_DB);
    cleanup.push(admin);
    RoleStatements roles = new RoleStatements(admin);

    // Headroom's collector, as configured by a user of a large instance.
    Map<String, Object> props = new HashMap<>();
    props.put(CollectorConfig.INSTANCE_ID, "bench/cost");
    props.put(CollectorConfig.AGENT_ID, "bench");
    props.put(CollectorConfig.TARGET_URL, pg.url(CatalogFixture.APP_DB));
    props.put(CollectorConfig.TARGET_USER, CatalogFixture.HEADROOM);
    props.put(CollectorConfig.TARGET_PASSWORD, CatalogFixture.PASSWORD);
    props.put(CollectorConfig.STATEMENTS_MAX, Integer.toString(statementsMax));
    props.put(CollectorConfig.QUERY_TEXT, queryText);
    props.put(CollectorConfig.PROBE_INTERVAL_MS, "0");
    CollectorConfig config = new CollectorConfig(props);
    CountingOutbox outbox = new CountingOutbox();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Collector collector = new Collector(config, Clock.systemUTC(), outbox, registry);
    cleanup.push(collector);
    SectionSnapshots sections = new SectionSnapshots(config, outbox, pg.dataDirectory());
    cleanup.push(sections);
    Set<Section> tick = regularTick(config);

    // The exporter: Debian's package, our own processes, never the service.
    Path queries = work.resolve("queries.yaml");
    if (exporterQueries != null) {
      Files.copy(exporterQueries, queries);
    } else {
      Files.writeString(queries, ExporterProcess.fixedQueries(ExporterProcess.DEBIAN_QUERIES), StandardCharsets.UTF_8);
    }
    String dsn = "postgresql://" + CatalogFixture.EXPORTER + ":" + CatalogFixture.PASSWORD + "@127.0.0.1:" + pg.port()
        + "/" + CatalogFixture.APP_DB + "?sslmode=disable";
    ExporterProcess exporterFull = ExporterProcess.start("queries", exporterBinary, dsn, queries, work);
    cleanup.push(exporterFull);
    ExporterProcess exporterDefault = ExporterProcess.start("default", exporterBinary, dsn, null, work);
    cleanup.push(exporterDefault);
    List<String> families = List.of("pg_stat_statements_", "pg_stat_user_tables_", "pg_statio_user_tables_",
        "pg_settings_", "pg_stat_database_", "pg_database_size");
    Map<String, Map<String, Long>> familiesSeen = new LinkedHashMap<>();

    PlainCatalogRead.Connector plainConnector = db -> fixture.connect(db, CatalogFixture.PLAIN, CatalogFixture.PASSWORD,
        "bench-plain-read");
    PlainCatalogRead plainWarm = new PlainCatalogRead(plainConnector, CatalogFixture.APP_DB, true,
        config.getInt(CollectorConfig.QUERY_MAX_LENGTH), statementsMax);
    cleanup.push(plainWarm);
    PlainCatalogRead plainFresh = new PlainCatalogRead(plainConnector, CatalogFixture.APP_DB, false,
        config.getInt(CollectorConfig.QUERY_MAX_LENGTH), statementsMax);

    Variant full = new Variant("Headroom collector, full snapshot (every section, sizes)", CatalogFixture.HEADROOM, null,
        "messages", () -> {
          long r0 = outbox.records();
          long b0 = outbox.bytes();
          Map<String, Double> timers0 = sectionTimers(registry);
          collector.snapshotOnce();
          Map<String, Double> timers = sectionTimers(registry);
          timers.replaceAll((section, ms) -> ms - timers0.getOrDefault(section, 0.0));
          return new Output(outbox.records() - r0, outbox.bytes() - b0, timers);
        });
    Variant regular = new Variant("Headroom collector, regular tick (" + keys(tick) + ")", CatalogFixture.HEADROOM, null,
        "messages", () -> {
          SectionSnapshots.Result r = sections.snapshot(tick);
          return new Output(r.messages(), r.bytes());
        });
    Set<Section> slowTick = EnumSet.copyOf(config.sections());
    slowTick.remove(Section.RELATION_SIZES);
    Variant slow = new Variant("Headroom collector, 5-minute read (every section but exact relation sizes)",
        CatalogFixture.HEADROOM, null, "messages", () -> {
          SectionSnapshots.Result r = sections.snapshot(slowTick);
          return new Output(r.messages(), r.bytes());
        });
    Variant exporterQ = new Variant("prometheus-postgres-exporter, Debian queries file fixed for PG 13+",
        CatalogFixture.EXPORTER, exporterFull, "series", () -> {
          ExporterProcess.Scrape s = exporterFull.scrape(families);
          familiesSeen.put("queries", s.families());
          return new Output(s.series(), s.bytes());
        });
    Variant exporterD = new Variant("prometheus-postgres-exporter, default (no queries file)", CatalogFixture.EXPORTER,
        exporterDefault, "series", () -> {
          ExporterProcess.Scrape s = exporterDefault.scrape(families);
          familiesSeen.put("default", s.families());
          return new Output(s.series(), s.bytes());
        });
    Variant floor = new Variant("plain read of the same SQL, superuser, connections kept", CatalogFixture.PLAIN, null,
        "rows", () -> new Output(plainWarm.readAll(), 0));
    Variant floorFresh = new Variant("plain read of the same SQL, superuser, new connections each read",
        CatalogFixture.PLAIN, null, "rows", () -> new Output(plainFresh.readAll(), 0));
    List<Variant> variants = List.of(full, exporterQ, floor, slow, regular, exporterD, floorFresh);
    this.slow = slow;

    err.printf(Locale.ROOT, "bench: %d warm-up and %d measured runs of each reader, alternating ...%n", warmup, runs);
    for (int rep = 0; rep < warmup + runs; rep++) {
      boolean measured = rep >= warmup;
      for (int i = 0; i < variants.size(); i++) {
        Variant v = variants.get((i + rep) % variants.size()); // rotate so no reader always follows the same one
        measureOnce(v, measured, roles, postmaster);
      }
      err.printf(Locale.ROOT, "bench: round %d of %d done (full snapshot %.0f ms, exporter scrape %.0f ms)%n", rep + 1,
          warmup + runs, full.wall.isEmpty() ? Double.NaN : full.wall.median(),
          exporterQ.wall.isEmpty() ? Double.NaN : exporterQ.wall.median());
    }

    // Which section costs what: each read alone, the collector's way.
    err.println("bench: single sections ...");
    List<SectionCost> sectionCosts = new ArrayList<>();
    for (Map.Entry<String, Set<Section>> e : sectionGroups().entrySet()) {
      sectionCosts.add(measureSection(e.getKey(), e.getValue(), sections, roles, postmaster));
    }
    SectionCost connect = measureConnect(sections, roles, postmaster);
    double encodeMs = measureEncode(sections);
    err.println("bench: what inside the tables and indexes statements costs ...");
    List<SqlAnatomy.Cost> anatomy = SqlAnatomy.measure(plainConnector, CatalogFixture.APP_DB, roles, CatalogFixture.PLAIN,
        sectionRuns);

    List<String> exporterErrors = new ArrayList<>(exporterFull.errors());
    exporterErrors.addAll(exporterDefault.errors());

    report(instance, setupNote, config, tick, variants, full, regular, exporterQ, exporterD, floor, floorFresh,
        familiesSeen, sectionCosts, connect, encodeMs, anatomy, exporterErrors);
    out.printf(Locale.ROOT, "%nWall time of the command %.0f s.%n", (System.nanoTime() - started) / 1e9);
    return 0;
  }

  /** Total time of each section so far, from the collector's Timer {@code headroom.collector.section.duration}. */
  private static Map<String, Double> sectionTimers(SimpleMeterRegistry registry) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (Timer t : registry.find("headroom.collector.section.duration").timers()) {
      out.put(t.getId().getTag("section"), t.totalTime(TimeUnit.MILLISECONDS));
    }
    return out;
  }

  /** What a collector with this configuration reads on a tick that is not the first: sections due every interval. */
  private static Set<Section> regularTick(CollectorConfig config) {
    Set<Section> due = EnumSet.noneOf(Section.class);
    long base = config.getLong(CollectorConfig.INTERVAL_MS);
    for (Section s : config.sections()) {
      if (Math.max(1, Math.round((double) config.sectionInterval(s) / base)) == 1) {
        due.add(s);
      }
    }
    return due;
  }

  private void measureOnce(Variant v, boolean record, RoleStatements roles, long postmaster) throws Exception {
    Map<String, Entry> before = roles.read(v.role);
    double server0 = CostMeters.serverCpuMs(postmaster);
    double reader0 = v.exporter != null ? CostMeters.processCpuMs(v.exporter.pid()) : CostMeters.jvmCpuMs();
    long t0 = System.nanoTime();
    Output o = v.run.run();
    long t1 = System.nanoTime();
    double reader1 = v.exporter != null ? CostMeters.processCpuMs(v.exporter.pid()) : CostMeters.jvmCpuMs();
    TimeUnit.MILLISECONDS.sleep(SETTLE_MS); // the postmaster reaps the reader's closed backends
    double server1 = CostMeters.serverCpuMs(postmaster);
    List<Entry> ran = RoleStatements.delta(before, roles.read(v.role));
    if (!record) {
      return;
    }
    v.wall.add((t1 - t0) / 1e6);
    v.serverExec.add(ran.stream().mapToDouble(Entry::totalExecMs).sum());
    v.serverCpu.add(server1 - server0);
    v.readerCpu.add(reader1 - reader0);
    v.items.add(o.items());
    v.bytes.add(o.bytes());
    o.sectionMs().forEach((section, ms) -> v.sectionMs.computeIfAbsent(section, k -> new Samples()).add(ms));
    for (Entry e : ran) {
      double[] acc = v.byQueryId.computeIfAbsent(e.queryId(), k -> new double[2]);
      acc[0] += e.calls();
      acc[1] += e.totalExecMs();
      v.texts.putIfAbsent(e.queryId(), e.query());
    }
  }

  /** A single section read alone through the collector's reader, then published. */
  private record SectionCost(String name, Samples readWall, Samples publish, Samples serverExec, Samples serverCpu,
      long rows, long bytes) {}

  private static Map<String, Set<Section>> sectionGroups() {
    Map<String, Set<Section>> g = new LinkedHashMap<>();
    g.put("statements (+ statements_info)", EnumSet.of(Section.STATEMENTS, Section.STATEMENTS_INFO));
    g.put("databases (no sizes)", EnumSet.of(Section.DATABASES));
    g.put("databases with sizes", EnumSet.of(Section.DATABASES, Section.DATABASE_SIZES));
    for (Section s : List.of(Section.ACTIVITY, Section.REPLICATION, Section.SLOTS, Section.SETTINGS, Section.WAL,
        Section.BGWRITER, Section.CHECKPOINTER, Section.TABLES, Section.INDEXES, Section.SEQUENCES)) {
      g.put(s.key() + (s.perDatabase() ? " (every database)" : ""), EnumSet.of(s));
    }
    return g;
  }

  private SectionCost measureSection(String name, Set<Section> due, SectionSnapshots sections, RoleStatements roles,
      long postmaster) throws Exception {
    Samples read = new Samples();
    Samples publish = new Samples();
    Samples exec = new Samples();
    Samples cpu = new Samples();
    long rows = 0;
    long bytes = 0;
    for (int i = 0; i < sectionRuns; i++) {
      Map<String, Entry> before = roles.read(CatalogFixture.HEADROOM);
      double s0 = CostMeters.serverCpuMs(postmaster);
      SectionSnapshots.Result r = sections.snapshot(due);
      TimeUnit.MILLISECONDS.sleep(SETTLE_MS);
      double s1 = CostMeters.serverCpuMs(postmaster);
      List<Entry> ran = RoleStatements.delta(before, roles.read(CatalogFixture.HEADROOM));
      read.add(r.readNanos() / 1e6);
      publish.add(r.publishNanos() / 1e6);
      exec.add(ran.stream().mapToDouble(Entry::totalExecMs).sum());
      cpu.add(s1 - s0);
      rows = due.stream().mapToLong(s -> r.catalog().sections().getOrDefault(s.key(), List.of()).size()).sum();
      bytes = r.bytes();
    }
    return new SectionCost(name, read, publish, exec, cpu, rows, bytes);
  }

  /** Opening (and closing) one connection as the collector's role: what each per-database read pays first. */
  private SectionCost measureConnect(SectionSnapshots sections, RoleStatements roles, long postmaster) throws Exception {
    Samples wall = new Samples();
    Samples cpu = new Samples();
    for (int i = 0; i < Math.max(3, sectionRuns); i++) {
      double s0 = CostMeters.serverCpuMs(postmaster);
      long t0 = System.nanoTime();
      try (Connection c = sections.openDatabase(CatalogFixture.APP_DB)) {
        c.isValid(5);
      }
      long t1 = System.nanoTime();
      TimeUnit.MILLISECONDS.sleep(SETTLE_MS);
      cpu.add(CostMeters.serverCpuMs(postmaster) - s0);
      wall.add((t1 - t0) / 1e6);
    }
    return new SectionCost("connect + disconnect (SCRAM)", wall, new Samples(), new Samples(), cpu, 0, 0);
  }

  /** Serializing a whole snapshot (every section) to the contract's JSON, alone: median ms. */
  private double measureEncode(SectionSnapshots sections) throws Exception {
    Samples publish = new Samples();
    Set<Section> all = EnumSet.allOf(Section.class);
    for (int i = 0; i < sectionRuns; i++) {
      publish.add(sections.snapshot(all).publishNanos() / 1e6);
    }
    return publish.median();
  }

  private Variant slow;

  private void report(String instance, String setupNote, CollectorConfig config, Set<Section> tick,
      List<Variant> variants, Variant full, Variant regular, Variant exporterQ, Variant exporterD, Variant floor,
      Variant floorFresh, Map<String, Map<String, Long>> familiesSeen, List<SectionCost> sectionCosts,
      SectionCost connect, double encodeMs, List<SqlAnatomy.Cost> anatomy, List<String> exporterErrors) {
    out.println("## Collector cost against prometheus-postgres-exporter");
    out.println();
    out.printf(Locale.ROOT, "%s. %d CPUs, Java %s. %s. Collector: statements.max=%d, query.text=%s, "
            + "databases.concurrency=%d, outbox that only counts (no Kafka). %d measured runs per reader after %d warm-up,"
            + " alternating; figures are median (min–max).%n%n",
        instance, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), setupNote,
        config.getInt(CollectorConfig.STATEMENTS_MAX), config.getString(CollectorConfig.QUERY_TEXT),
        config.getInt(CollectorConfig.DATABASES_CONCURRENCY), runs, warmup);
    out.println("| reader | wall ms | server execution ms (pg_stat_statements, own role) | server CPU ms (all postgres"
        + " processes) | reader CPU ms | output per run |");
    out.println("|---|---:|---:|---:|---:|---:|");
    for (Variant v : variants) {
      String output = String.format(Locale.ROOT, "%,.0f %s", v.items.median(), v.itemsUnit)
          + (v.bytes.median() > 0 ? String.format(Locale.ROOT, ", %,.0f kB", v.bytes.median() / 1024) : "");
      out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n", v.label, v.wall.format(0), v.serverExec.format(0),
          v.serverCpu.format(0), v.readerCpu.format(0), output);
    }
    out.println();
    out.println("Reader CPU: for the collector and the plain reads, this JVM's process CPU during the run (reader"
        + " threads, GC and JIT); for the exporter, its process's utime + stime from /proc. Server CPU: the postmaster"
        + " with its reaped children plus every live child, so it includes connection start-up and planning, which"
        + " pg_stat_statements' execution time leaves out.");
    out.println();

    out.println("| comparison (ratio of medians) | figure | goal |");
    out.println("|---|---:|---|");
    ratio("full snapshot ÷ exporter scrape (queries file), wall", full.wall, exporterQ.wall, 0.5);
    ratio("5-minute read (no exact relation sizes) ÷ exporter scrape, wall", slow.wall, exporterQ.wall, 0.5);
    ratio("5-minute read ÷ plain read (connections kept), server execution", slow.serverExec, floor.serverExec, 1.1);
    ratio("full snapshot ÷ plain read (connections kept), server execution", full.serverExec, floor.serverExec, 1.1);
    ratio("full snapshot ÷ plain read (new connections), server execution", full.serverExec, floorFresh.serverExec, 0);
    ratio("full snapshot ÷ exporter scrape, server execution", full.serverExec, exporterQ.serverExec, 0);
    ratio("full snapshot ÷ exporter scrape, server CPU", full.serverCpu, exporterQ.serverCpu, 0);
    ratio("full snapshot ÷ exporter scrape, reader CPU", full.readerCpu, exporterQ.readerCpu, 0);
    ratio("full snapshot ÷ plain read (connections kept), wall", full.wall, floor.wall, 0);
    ratio("regular tick ÷ full snapshot, wall", regular.wall, full.wall, 0);
    ratio("regular tick ÷ full snapshot, server execution", regular.serverExec, full.serverExec, 0);
    ratio("regular tick ÷ exporter default scrape, wall", regular.wall, exporterD.wall, 0);
    out.println();
    out.printf(Locale.ROOT, "Regular tick: %s ms wall, %s ms of server execution, %s ms of agent CPU; %,.0f messages,"
            + " %,.0f kB. Full snapshot: %,.0f messages, %,.0f kB.%n%n",
        regular.wall.format(0), regular.serverExec.format(1), regular.readerCpu.format(0), regular.items.median(),
        regular.bytes.median() / 1024, full.items.median(), full.bytes.median() / 1024);
    perHour(config, full, regular, exporterQ, exporterD);
    familiesSeen.forEach((name, f) -> out.printf(Locale.ROOT, "Exporter (%s) series by family: %s.%n", name, f));
    out.println(exporterErrors.isEmpty() ? "The exporters logged no errors."
        : "The exporters logged " + exporterErrors.size() + " error line(s), e.g.: " + exporterErrors.get(0));
    out.println();

    out.println("### Where the collector's time goes");
    out.println();
    out.println("Inside the full snapshots above, from the collector's own Timer `headroom.collector.section.duration`"
        + " (per-database sections: summed over the databases, which are read two at a time; databases includes"
        + " database_sizes):");
    out.println();
    out.println("| section | ms per snapshot | share of the snapshot's wall time |");
    out.println("|---|---:|---:|");
    List<Map.Entry<String, Samples>> timed = new ArrayList<>(full.sectionMs.entrySet());
    timed.sort(Comparator.comparingDouble((Map.Entry<String, Samples> e) -> e.getValue().median()).reversed());
    for (Map.Entry<String, Samples> e : timed) {
      out.printf(Locale.ROOT, "| %s | %s | %.0f %% |%n", e.getKey(), e.getValue().format(1),
          100 * e.getValue().median() / full.wall.median());
    }
    out.println();
    out.println("Each section read alone, the collector's way (its reader and publisher, its kept connections per database),"
        + " with the server's share:");
    out.println();
    out.println("| section | read ms (wall, incl. transaction and per-database connections) | JSON + publish ms |"
        + " server execution ms | server CPU ms | rows | bytes published |");
    out.println("|---|---:|---:|---:|---:|---:|---:|");
    for (SectionCost s : sectionCosts) {
      out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %,d | %,d |%n", s.name(), s.readWall().format(1),
          s.publish().format(1), s.serverExec().format(1), s.serverCpu().format(0), s.rows(), s.bytes());
    }
    out.printf(Locale.ROOT, "| %s | %s | – | – | %s | – | – |%n", connect.name(), connect.readWall().format(1),
        connect.serverCpu().format(0));
    out.println();
    out.printf(Locale.ROOT, "JSON serialization and publishing of a whole snapshot alone: %.0f ms (median). Every single"
        + " section read above also carries the host section (a few hundred bytes).%n%n", encodeMs);

    out.printf(Locale.ROOT, "### Inside the two expensive statements (database %s only; plain reads by a superuser;"
        + " server execution ms)%n%n", CatalogFixture.APP_DB);
    out.println("| statement | on a new connection (what each collector snapshot does) | on a reused connection |");
    out.println("|---|---:|---:|");
    for (SqlAnatomy.Cost c : anatomy) {
      out.printf(Locale.ROOT, "| %s | %s | %s |%n", c.variant().name(), c.fresh().format(0), c.reused().format(0));
    }
    out.println();

    statementTable("Server execution per statement inside the full snapshot", full, 12);
    statementTable("Server execution per statement inside the exporter scrape (queries file)", exporterQ, 8);
    statementTable("Server execution per statement inside the plain read (connections kept)", floor, 8);

    Set<Long> floorIds = new TreeSet<>(floor.byQueryId.keySet());
    Set<Long> floorOnly = new TreeSet<>(floorIds);
    floorOnly.removeAll(full.byQueryId.keySet());
    Set<Long> collectorOnly = new TreeSet<>(full.byQueryId.keySet());
    collectorOnly.removeAll(floorIds);
    List<String> extra = collectorOnly.stream().map(id -> label(full.texts.get(id))).distinct().sorted().toList();
    out.printf(Locale.ROOT, "Same SQL check: the plain read ran %d distinct statements, %d of them with a queryid the"
            + " collector also ran%s; the collector's statements beyond them: %s.%n",
        floorIds.size(), floorIds.size() - floorOnly.size(),
        floorOnly.isEmpty() ? "" : " (NOT the same SQL: " + floorOnly.stream().map(id -> label(floor.texts.get(id)))
            .toList() + ")",
        extra);
  }

  /**
   * The cost of an hour, computed from the medians: the collector takes a full snapshot whenever
   * the slow sections are due (every tables.interval.ms) and a regular tick otherwise; the
   * exporter does all its work on every scrape.
   */
  private void perHour(CollectorConfig config, Variant full, Variant regular, Variant exporterQ, Variant exporterD) {
    long interval = config.getLong(CollectorConfig.INTERVAL_MS);
    long ticks = 3_600_000 / interval;
    long slowEvery = Math.max(1, Math.round((double) config.getLong(CollectorConfig.TABLES_INTERVAL_MS) / interval));
    long fullEvery = Math.max(slowEvery,
        Math.round((double) config.getLong(CollectorConfig.RELATION_SIZES_INTERVAL_MS) / interval));
    long fulls = ticks / fullEvery;
    long slows = ticks / slowEvery - fulls;
    long regulars = ticks - fulls - slows;
    long scrapes = 3600 / scrapeSeconds;
    out.printf(Locale.ROOT, "Per hour, computed from the medians: the collector at its defaults (interval.ms=%d, the"
        + " slow sections every %d ms, exact relation sizes every %d ms: %d full snapshots, %d 5-minute reads and %d"
        + " regular ticks), the exporter scraped every %d s (%d scrapes).%n%n", interval,
        config.getLong(CollectorConfig.TABLES_INTERVAL_MS), config.getLong(CollectorConfig.RELATION_SIZES_INTERVAL_MS),
        fulls, slows, regulars, scrapeSeconds, scrapes);
    out.println("| per hour | busy (wall) s | server execution s | server CPU s | reader CPU s | MB out |");
    out.println("|---|---:|---:|---:|---:|---:|");
    hourRow("Headroom collector", fulls, full, regulars, regular, slows, slow);
    hourRow("exporter, queries file", scrapes, exporterQ, 0, null);
    hourRow("exporter, default", scrapes, exporterD, 0, null);
    out.println();
  }

  private void hourRow(String name, long n, Variant a, long m, Variant b) {
    hourRow(name, n, a, m, b, 0, null);
  }

  private void hourRow(String name, long n, Variant a, long m, Variant b, long k, Variant c) {
    double[] f = new double[5];
    Samples[] sa = {a.wall, a.serverExec, a.serverCpu, a.readerCpu, a.bytes};
    for (int i = 0; i < 5; i++) {
      f[i] = n * sa[i].median();
      if (b != null) {
        Samples[] sb = {b.wall, b.serverExec, b.serverCpu, b.readerCpu, b.bytes};
        f[i] += m * sb[i].median();
      }
      if (c != null) {
        Samples[] sc = {c.wall, c.serverExec, c.serverCpu, c.readerCpu, c.bytes};
        f[i] += k * sc[i].median();
      }
    }
    out.printf(Locale.ROOT, "| %s | %,.1f | %,.1f | %,.1f | %,.1f | %,.0f |%n", name, f[0] / 1000, f[1] / 1000,
        f[2] / 1000, f[3] / 1000, f[4] / 1e6);
  }

  private void ratio(String what, Samples a, Samples b, double goal) {
    double r = a.median() / b.median();
    String verdict = goal <= 0 ? "–" : String.format(Locale.ROOT, "≤ %.1f×: %s", goal, r <= goal ? "met" : "**missed**");
    out.printf(Locale.ROOT, "| %s | %.2f× | %s |%n", what, r, verdict);
  }

  private void statementTable(String title, Variant v, int top) {
    out.println("#### " + title);
    out.println();
    out.println("| statement | calls per run | ms per run | share |");
    out.println("|---|---:|---:|---:|");
    double total = v.byQueryId.values().stream().mapToDouble(a -> a[1]).sum();
    List<Map.Entry<Long, double[]>> rows = new ArrayList<>(v.byQueryId.entrySet());
    rows.sort(Comparator.comparingDouble((Map.Entry<Long, double[]> e) -> e.getValue()[1]).reversed());
    double rest = 0;
    int restCount = 0;
    for (int i = 0; i < rows.size(); i++) {
      double[] a = rows.get(i).getValue();
      if (i < top) {
        out.printf(Locale.ROOT, "| %s | %.0f | %.1f | %.0f %% |%n", label(v.texts.get(rows.get(i).getKey())),
            a[0] / runs, a[1] / runs, 100 * a[1] / total);
      } else {
        rest += a[1];
        restCount++;
      }
    }
    if (restCount > 0) {
      out.printf(Locale.ROOT, "| %d other statements | | %.1f | %.0f %% |%n", restCount, rest / runs, 100 * rest / total);
    }
    out.println();
  }

  /** A short name for a catalog statement, from what it reads. */
  static String label(String query) {
    if (query == null) {
      return "?";
    }
    String q = query.replaceAll("\\s+", " ").trim();
    String[][] known = {
        {"pg_stat_statements_info", "statements_info"},
        {"FROM pg_stat_statements", "statements"},
        {"pg_database_size", "database sizes"},
        {"pg_stat_database", "databases"},
        {"process_idle_seconds", "idle backends histogram (queries file)"},
        {"pg_stat_activity", "activity"},
        {"max_connections", "activity: connection limits"},
        {"pg_stat_user_tables t JOIN pg_statio_user_tables", "tables (stats, statio, sizes)"},
        {"FROM pg_statio_user_tables", "per-table statio"},
        {"FROM pg_stat_user_tables", "per-table stats"},
        {"pg_stat_user_indexes", "indexes"},
        {"pg_sequences", "sequences"},
        {"FROM pg_settings", "settings"},
        {"pg_stat_replication", "replication"},
        {"pg_replication_slots", "slots"},
        {"pg_stat_archiver", "wal (+ archiver)"},
        {"checkpoints_timed", "checkpointer"},
        {"pg_stat_bgwriter", "bgwriter"},
        {"NOT datistemplate", "connectable databases"},
        {"set_config('statement_timeout'", "transaction timeouts (set_config)"},
        {"pg_postmaster_start_time(), current_setting", "server info"},
        {"pg_control_system", "system identifier"},
        {"current_setting('data_directory')", "data directory"},
        {"pg_locks", "locks"},
    };
    for (String[] k : known) {
      if (q.contains(k[0])) {
        return k[1];
      }
    }
    return "`" + (q.length() > 60 ? q.substring(0, 60) + "…" : q) + "`";
  }

  private static String keys(Set<Section> sections) {
    return String.join(", ", sections.stream().filter(s -> s != Section.STATEMENTS_INFO).map(Section::key).toList());
  }

  private void validate() {
    CommandLine cl = new CommandLine(this);
    if (tables < 1 || schemas < 1 || statements < 0 || statements > tables) {
      throw new CommandLine.ParameterException(cl, "need --tables ≥ 1, --schemas ≥ 1 and 0 ≤ --statements ≤ --tables");
    }
    if (runs < 1 || warmup < 0 || sectionRuns < 1) {
      throw new CommandLine.ParameterException(cl, "need --runs ≥ 1, --warmup ≥ 0, --section-runs ≥ 1");
    }
    if (!(maxMinutes > 0)) {
      throw new CommandLine.ParameterException(cl, "--max-minutes must be positive");
    }
    if (!Files.isExecutable(pgBin.resolve("initdb"))) {
      throw new CommandLine.ParameterException(cl, "no initdb in " + pgBin + " (apt-get install postgresql-15)");
    }
    if (!Files.isExecutable(exporterBinary)) {
      throw new CommandLine.ParameterException(cl, exporterBinary
          + " is missing (apt-get install prometheus-postgres-exporter, then stop and disable its service)");
    }
  }

  /** The command bounds itself: past the limit it exits, and the shutdown hook stops the servers. */
  private void startWatchdog() {
    long limitMs = Math.round(maxMinutes * 60_000);
    Thread t = new Thread(() -> {
      try {
        TimeUnit.MILLISECONDS.sleep(limitMs);
        err.printf(Locale.ROOT, "bench: %.1f minutes passed, stopping (raise --max-minutes to allow more)%n", maxMinutes);
        System.exit(3);
      } catch (InterruptedException e) {
        // the command finished first
      }
    }, "bench-watchdog");
    t.setDaemon(true);
    t.start();
  }

  private synchronized void cleanUp() {
    if (cleanedUp) {
      return;
    }
    cleanedUp = true;
    while (!cleanup.isEmpty()) {
      try {
        cleanup.pop().close();
      } catch (Exception e) {
        err.println("bench: cleanup: " + e);
      }
    }
  }

  private static void deleteTree(Path root) throws java.io.IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
