package dev.headroom.bench;

import dev.headroom.bench.Evaluation.CallSeries;
import dev.headroom.bench.Evaluation.Outcome;
import dev.headroom.bench.Evaluation.Windowing;
import dev.headroom.bench.StatementSnapshots.Snapshot;
import dev.headroom.bench.Workload.Kind;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * How close does the moment method (pg_stat_statements deltas → fitted log-normal → DDSketch)
 * come to the true per-call latency quantiles? Runs a real PostgreSQL with every execution's
 * duration logged, a bounded workload, and pg_stat_statements snapshots, then compares per
 * (statement, window) against the exact quantiles of the logged durations, next to two
 * baselines (mean only; normal fit).
 */
@Command(name = "moment-accuracy-bench", mixinStandardHelpOptions = true,
    description = "Moment method vs exact per-call durations (pg_stat_statements -> p50/p95/p99).")
public final class MomentAccuracyBench implements Callable<Integer> {
  @Option(names = "--minutes", description = "Workload duration in minutes (default ${DEFAULT-VALUE}).")
  double minutes = 4;

  @Option(names = "--threads", description = "Concurrent workload connections (default ${DEFAULT-VALUE}).")
  int threads = 6;

  @Option(names = "--think-ms", description = "Mean think time between a worker's statements (default ${DEFAULT-VALUE}).")
  double thinkMs = 3;

  @Option(names = "--snapshot-seconds", description = "pg_stat_statements snapshot interval (default ${DEFAULT-VALUE}).")
  int snapshotSeconds = 10;

  @Option(names = "--window-seconds", description = "Sketch window (default ${DEFAULT-VALUE}).")
  int windowSeconds = 60;

  @Option(names = "--min-calls", description = "Windows with fewer logged calls are left out of the figures (default ${DEFAULT-VALUE}).")
  int minCalls = 20;

  @Option(names = "--log-format", description = "csv or json: PostgreSQL's log_destination (default ${DEFAULT-VALUE}).")
  String logFormat = "csv";

  @Option(names = "--keep-logs", description = "Keep the server's duration logs (their folder is printed).")
  boolean keepLogs;

  private final PrintStream out = System.out;
  private final PrintStream err = System.err;

  public static void main(String[] args) {
    System.exit(new CommandLine(new MomentAccuracyBench()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    validate();
    long wallStart = System.nanoTime();
    Path work = Files.createTempDirectory("headroom-bench-");
    Path logDir = Files.createDirectories(work.resolve("pglog"));
    err.println("bench: starting embedded PostgreSQL (duration logging to " + logDir + ") ...");
    EmbeddedPostgres pg = EmbeddedPostgres.builder()
        .setServerConfig("listen_addresses", "127.0.0.1")
        .setServerConfig("max_connections", "40")
        .setServerConfig("shared_preload_libraries", "pg_stat_statements")
        .setServerConfig("pg_stat_statements.track", "top")
        .setServerConfig("compute_query_id", "on")
        .setServerConfig("logging_collector", "on")
        .setServerConfig("log_destination", logFormat.equals("json") ? "jsonlog" : "csvlog")
        .setServerConfig("log_directory", logDir.toString())
        .setServerConfig("log_filename", "postgresql.log")
        .setServerConfig("log_rotation_age", "0")
        .setServerConfig("log_rotation_size", "0")
        .setServerConfig("log_min_duration_statement", "0")
        .setServerConfig("log_timezone", "UTC")
        .start();
    String url = "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres";
    String serverVersion;
    Map<Long, Kind> kindOfQueryId = new HashMap<>();
    List<Snapshot> snapshots;
    Workload workload = new Workload(url, threads, thinkMs);
    AtomicLong maxLagMs = new AtomicLong();
    try {
      try (Connection c = DriverManager.getConnection(url, "postgres", null); Statement s = c.createStatement()) {
        s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        try (ResultSet rs = s.executeQuery("SHOW server_version")) {
          rs.next();
          serverVersion = rs.getString(1);
        }
        err.println("bench: PostgreSQL " + serverVersion + "; loading 100k rows ...");
        Workload.prepare(c);
      }
      try (StatementSnapshots snapshotter = new StatementSnapshots(url)) {
        snapshotter.reset();
        snapshotter.take();
        long runMs = Math.round(minutes * 60_000);
        err.printf(Locale.ROOT, "bench: %d workers for %.1f min, snapshots every %d s ...%n", threads, minutes, snapshotSeconds);
        workload.start();
        Instant deadline = Instant.now().plusMillis(runMs);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "bench-snapshotter");
          t.setDaemon(true);
          return t;
        });
        long periodMs = snapshotSeconds * 1000L;
        long now = System.currentTimeMillis();
        long firstTick = (now / periodMs + 1) * periodMs; // on the wall clock's 10-s marks, so windows start on minutes
        scheduler.scheduleAtFixedRate(() -> {
          long scheduled = System.currentTimeMillis() / periodMs * periodMs;
          try {
            Snapshot snap = snapshotter.take();
            maxLagMs.accumulateAndGet(snap.capturedAt().toEpochMilli() - scheduled, Math::max);
            Map<Kind, Long> done = workload.executed();
            err.printf(Locale.ROOT, "bench: %s snapshot %d, %d statements run%n", snap.capturedAt(),
                snapshotter.taken().size() - 1, done.values().stream().mapToLong(Long::longValue).sum());
          } catch (SQLException e) {
            err.println("bench: snapshot failed: " + e.getMessage());
          }
        }, firstTick - now, periodMs, TimeUnit.MILLISECONDS);
        long remaining = Duration.between(Instant.now(), deadline).toMillis();
        if (remaining > 0) {
          TimeUnit.MILLISECONDS.sleep(remaining); // the command's own run time, not a test wait
        }
        workload.stopAndJoin();
        scheduler.submit(() -> snapshotter.take()).get(); // the tail after the last tick
        scheduler.shutdownNow();
        snapshots = snapshotter.taken();
      }
      Snapshot last = snapshots.get(snapshots.size() - 1);
      last.rows().values().forEach(row -> Kind.ofText(row.query()).ifPresent(k -> kindOfQueryId.put(row.queryId(), k)));
    } finally {
      pg.close(); // stopping the server flushes the logging collector
    }

    err.println("bench: reading the duration log ...");
    TruthLog truth = readTruth(logDir, kindOfQueryId);
    Outcome byWindow = Evaluation.run(snapshots, kindOfQueryId, truth.series, Windowing.byCaptureTime(Duration.ofSeconds(windowSeconds)));
    Outcome byInterval = Evaluation.run(snapshots, kindOfQueryId, truth.series, Windowing.perInterval());
    Report windows = new Report(byWindow, minCalls, false);
    Report aligned = new Report(byWindow, minCalls, true);
    Report intervals = new Report(byInterval, minCalls, false);

    out.println("## Moment method vs exact per-call durations");
    out.println();
    out.printf(Locale.ROOT, "PostgreSQL %s (embedded), %d CPUs, Java %s; %d workers, %.1f min, think time %.1f ms;"
            + " snapshots every %d s (%d taken, capture at most %d ms after the mark), %d-s windows, min %d calls per window.%n",
        serverVersion, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), threads, minutes,
        thinkMs, snapshotSeconds, snapshots.size(), maxLagMs.get(), windowSeconds, minCalls);
    out.printf(Locale.ROOT, "Log: %d execution lines from workers (%d with query_id 0, %d whose query_id disagreed with the tag),"
            + " %d other duration lines ignored (parse/bind phases, setup, snapshotter), %d calls outside the snapshot span;"
            + " %d workload errors.%n",
        truth.kept, truth.zeroQueryId, truth.mismatchedQueryId, truth.ignored, byWindow.callsOutsideIntervals(),
        workload.failures());
    out.println();
    out.println("### Workload");
    out.println();
    out.println(windows.workloadTable(byWindow));
    out.printf(Locale.ROOT, "### Relative error per %d-s window (|estimate / exact − 1|: median and p90 over windows; bias = median signed error)%n",
        windowSeconds);
    out.println();
    out.printf(Locale.ROOT, "%d windows used, %d excluded (< %d logged calls).%n%n", windows.included(), windows.excluded(), minCalls);
    out.println(windows.errorTable(true));
    out.println("### Moment error ÷ baseline error (median |e| / p90 |e|; below 1 = moment method better)");
    out.println();
    out.println(windows.ratioTable(true));
    out.printf(Locale.ROOT, "### Shape only: estimates shifted so each window's mean is the log's mean%n%n");
    out.println("(pg_stat_statements times ExecutorRun and ExecutorFinish; the log's execute line also times the portal"
        + " and, for INSERT/UPDATE, executor start-up and shut-down: a visible share of a sub-0.1 ms statement."
        + " Shifting by the difference of the means removes that offset and leaves the error of the fitted shape.)");
    out.println();
    out.println(aligned.errorTable(false));
    out.println(aligned.ratioTable(false));
    out.printf(Locale.ROOT, "### Same, per %d-s snapshot interval (one interval per sketch)%n%n", snapshotSeconds);
    out.printf(Locale.ROOT, "%d intervals used, %d excluded (< %d logged calls).%n%n", intervals.included(), intervals.excluded(), minCalls);
    out.println(intervals.errorTable(false));
    out.println(intervals.ratioTable(false));
    out.printf(Locale.ROOT, "Wall time %.0f s.%n", (System.nanoTime() - wallStart) / 1e9);

    if (keepLogs) {
      err.println("bench: logs kept in " + logDir);
    } else {
      deleteTree(work);
    }
    return 0;
  }

  private void validate() {
    if (!(minutes > 0) || minutes > 60) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--minutes must be in (0, 60]");
    }
    if (threads < 1 || threads > 32) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--threads must be in [1, 32]");
    }
    if (snapshotSeconds < 1 || windowSeconds < snapshotSeconds || windowSeconds % snapshotSeconds != 0) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--window-seconds must be a positive multiple of --snapshot-seconds");
    }
    if (!logFormat.equals("csv") && !logFormat.equals("json")) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--log-format must be csv or json");
    }
  }

  /** The workers' logged executions per kind, and what was left out. */
  private static final class TruthLog {
    final Map<Kind, CallSeries> series = new EnumMap<>(Kind.class);
    long kept;
    long ignored;
    long zeroQueryId;
    long mismatchedQueryId;
  }

  private TruthLog readTruth(Path logDir, Map<Long, Kind> kindOfQueryId) throws IOException {
    TruthLog truth = new TruthLog();
    String suffix = logFormat.equals("json") ? ".json" : ".csv";
    List<Path> files;
    try (Stream<Path> s = Files.list(logDir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted(Comparator.naturalOrder()).toList();
    }
    if (files.isEmpty()) {
      throw new IllegalStateException("no " + suffix + " log in " + logDir);
    }
    for (Path file : files) {
      try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        Consumer<DurationLog.Call> sink = call -> accept(truth, call, kindOfQueryId);
        if (logFormat.equals("json")) {
          DurationLog.readJson(r, sink);
        } else {
          DurationLog.readCsv(r, sink);
        }
      }
    }
    return truth;
  }

  /**
   * Keeps a workers' execution line. The statement's tag names its kind; the log's query_id
   * (PostgreSQL 14+, compute_query_id = on) is the join key to pg_stat_statements and is
   * checked against the tag, which also covers lines where the server logged query_id 0.
   */
  private static void accept(TruthLog truth, DurationLog.Call call, Map<Long, Kind> kindOfQueryId) {
    Optional<Kind> tagged = Kind.ofText(call.statement());
    if (!call.applicationName().startsWith(Workload.APPLICATION_PREFIX) || tagged.isEmpty()) {
      truth.ignored++;
      return;
    }
    Kind kind = tagged.get();
    if (call.queryId() == 0) {
      truth.zeroQueryId++;
    } else if (kindOfQueryId.get(call.queryId()) != kind) {
      truth.mismatchedQueryId++;
    }
    truth.series.computeIfAbsent(kind, k -> new CallSeries()).add(call.loggedAt(), call.durationMs());
    truth.kept++;
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
