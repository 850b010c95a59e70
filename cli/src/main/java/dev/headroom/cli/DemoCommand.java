package dev.headroom.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.headroom.collector.Collector;
import dev.headroom.collector.CollectorConfig;
import dev.headroom.schemas.JdbcUrls;
import dev.headroom.schemas.Json;
import dev.headroom.schemas.Topics;
import dev.headroom.sink.HeadroomSink;
import dev.headroom.sink.ResultTable;
import dev.headroom.sink.SinkConfig;
import dev.headroom.streams.HeadroomStreams;
import dev.headroom.streams.HeadroomStreamsConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"The whole pipeline on embedded defaults: a Kafka broker, a monitored PostgreSQL with a synthetic",
        "workload, the collector, the streams app and the sink into TimescaleDB (--sink-url) or an embedded",
        "PostgreSQL; then a summary of the top statements by p95. Stops everything it started, also on Ctrl-C."})
final class DemoCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--duration", defaultValue = "120", description = "Seconds of workload (default: ${DEFAULT-VALUE}).")
  int durationSeconds;

  @Option(names = "--interval", defaultValue = "5", description = "Seconds between snapshots (default: ${DEFAULT-VALUE}).")
  int intervalSeconds;

  @Option(names = "--threads", defaultValue = "4", description = "Workload connections (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--sink-url", description = "JDBC URL of a TimescaleDB (or PostgreSQL) database for the results; "
      + "without it, an embedded PostgreSQL in plain-table mode.")
  String sinkUrl;

  @Option(names = "--sink-user", defaultValue = "postgres", description = "Role for --sink-url (default: ${DEFAULT-VALUE}); "
      + "its password comes from HEADROOM_SINK_PASSWORD.")
  String sinkUser;

  @Option(names = "--json", description = "Print a final single-line JSON summary on standard output.")
  boolean json;

  @Option(names = "--history-days", defaultValue = "0", description = "Days of simulated history for --sim-instances"
      + " more instances, replayed in event time before the live workload, so capacity projections and trends have"
      + " data; then a fleet runway summary (default: ${DEFAULT-VALUE}, none).")
  int historyDays;

  @Option(names = "--sim-instances", defaultValue = "5", description = "Simulated instances with --history-days"
      + " (default: ${DEFAULT-VALUE}).")
  int simInstances;

  /** What the demo started, closed in reverse order, whether it ends normally or by Ctrl-C. */
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private volatile boolean stopping;

  @Override
  public Integer call() throws Exception {
    validate();
    PrintStream err = System.err;
    Path work = Files.createTempDirectory("headroom-demo-");
    Thread hook = new Thread(this::stopAll, "demo-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    long t0 = System.nanoTime();
    try {
      err.println("demo: starting a Kafka broker (KRaft) on 127.0.0.1 ...");
      int port = freePort();
      int controllerPort = freePort();
      KafkaBroker broker = KafkaBroker.start(new KafkaBroker.Settings(work.resolve("broker"), port, controllerPort,
          "512m", work.resolve("broker.log"), false), Duration.ofSeconds(90));
      started.push(broker);

      err.println("demo: starting the monitored PostgreSQL (embedded, pg_stat_statements) ...");
      EmbeddedPostgres monitored = EmbeddedPostgres.builder()
          .setServerConfig("listen_addresses", "127.0.0.1")
          .setServerConfig("shared_preload_libraries", "pg_stat_statements")
          .setServerConfig("pg_stat_statements.track", "top")
          .setServerConfig("max_connections", "40")
          .start();
      started.push(monitored);
      DemoWorkload.prepare(monitored.getPostgresDatabase());

      String url;
      String mode;
      if (sinkUrl != null) {
        url = sinkUrl;
        mode = "external";
      } else {
        err.println("demo: starting the sink database (embedded PostgreSQL, plain tables) ...");
        EmbeddedPostgres sinkDb = EmbeddedPostgres.builder().setServerConfig("listen_addresses", "127.0.0.1").start();
        started.push(sinkDb);
        url = "jdbc:postgresql://127.0.0.1:" + sinkDb.getPort() + "/postgres";
        mode = "embedded";
      }

      String instanceId = "demo/orders-1";
      Map<String, Object> streamsProps = new HashMap<>();
      streamsProps.put(HeadroomStreamsConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers());
      streamsProps.put(HeadroomStreamsConfig.APPLICATION_ID, "headroom-demo");
      streamsProps.put(HeadroomStreamsConfig.STATE_DIR, work.resolve("streams-state").toString());
      streamsProps.put(HeadroomStreamsConfig.LATENCY_GRACE_MS, "5000");
      streamsProps.put(HeadroomStreamsConfig.TOPICS_PARTITIONS, "1");
      streamsProps.put(HeadroomStreamsConfig.COMMIT_INTERVAL_MS, "1000");
      HeadroomStreams streams = new HeadroomStreams(new HeadroomStreamsConfig(streamsProps));
      started.push(streams);
      streams.start();

      Map<String, Object> sinkProps = new HashMap<>();
      sinkProps.put(SinkConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers());
      sinkProps.put(SinkConfig.URL, url);
      sinkProps.put(SinkConfig.USER, sinkUrl != null ? sinkUser : "postgres");
      sinkProps.put(SinkConfig.GROUP_ID, "headroom-demo-sink");
      sinkProps.put(SinkConfig.TOPICS_PARTITIONS, "1");
      sinkProps.put(SinkConfig.METRICS_PORT, "0"); // a free port: the demo must not clash with a running sink
      HeadroomSink sink = new HeadroomSink(new SinkConfig(sinkProps));
      Thread sinkThread = new Thread(sink, "sink");
      started.push(() -> {
        sink.close();
        sinkThread.join(30_000);
      });
      sinkThread.start();

      Map<String, Object> collectorProps = new HashMap<>();
      collectorProps.put(CollectorConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers());
      collectorProps.put(CollectorConfig.INSTANCE_ID, instanceId);
      collectorProps.put(CollectorConfig.TARGET_URL, "jdbc:postgresql://127.0.0.1:" + monitored.getPort() + "/postgres");
      collectorProps.put(CollectorConfig.TARGET_USER, "postgres");
      collectorProps.put(CollectorConfig.INTERVAL_MS, Long.toString(intervalSeconds * 1000L));
      collectorProps.put(CollectorConfig.TOPICS_PARTITIONS, "1");
      Collector collector = new Collector(new CollectorConfig(collectorProps));
      Thread collectorThread = new Thread(collector, "collector");
      started.push(collector);

      if (!streams.awaitRunning(Duration.ofSeconds(60))) {
        throw new IllegalStateException("the streams app did not start: " + streams.state());
      }
      FleetHistory history = null;
      if (historyDays > 0) {
        history = FleetHistory.replay(broker.bootstrapServers(), simInstances, historyDays, err);
        history.awaitProcessed("headroom-demo", Duration.ofMinutes(15), err);
      }
      DemoWorkload workload = new DemoWorkload(monitored.getPostgresDatabase(), threads);
      started.push(workload);
      workload.start();
      collectorThread.start();
      err.printf("demo: pipeline up in %.1f s (sink: %s %s); running the workload for %d s ...%n",
          (System.nanoTime() - t0) / 1e9, mode, JdbcUrls.redact(url), durationSeconds);

      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(durationSeconds);
      long nextReport = System.nanoTime();
      while (!stopping && System.nanoTime() < end) {
        if (System.nanoTime() >= nextReport) {
          long elapsed = durationSeconds - TimeUnit.NANOSECONDS.toSeconds(end - System.nanoTime());
          err.printf("demo: [%3d/%d s] statements run %,d · snapshots %d · latency windows in sink %d · errors %d%n",
              elapsed, durationSeconds, workload.executed(), collector.snapshots(), windowsInSink(url),
              collector.failures() + sink.deadLetters());
          nextReport += TimeUnit.SECONDS.toNanos(10);
        }
        Thread.sleep(250);
      }
      if (stopping) {
        return 130;
      }
      workload.close();
      collector.close();
      long deadLetters = deadLetters(broker.bootstrapServers());
      Summary summary = summarize(url, monitored, instanceId);
      long errors = collector.failures() + deadLetters;
      printSummary(err, summary, collector, workload, errors);
      List<FleetHistory.Runway> runways = history == null ? List.of() : history.runways(err);
      if (json) {
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("snapshots", collector.snapshots());
        out.put("snapshot_messages", collector.messages());
        out.put("latency_windows", summary.windows());
        out.put("errors", errors);
        out.put("dead_letters", deadLetters);
        out.put("statements_executed", workload.executed());
        out.put("workload_errors", workload.failed());
        out.put("duration_s", durationSeconds);
        out.put("elapsed_s", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
        out.put("sink", mode);
        ObjectNode rows = out.putObject("sink_rows");
        for (ResultTable table : ResultTable.values()) {
          rows.put(table.tableName(), sink.rowsWritten(table));
        }
        if (history != null) {
          out.put("simulated_instances", simInstances);
          out.put("history_days", historyDays);
          out.put("projections", history.projections());
          ArrayNode fleet = out.putArray("fleet_runway");
          runways.forEach(r -> fleet.addObject().put("instance_id", r.instanceId()).put("bottleneck", r.resource())
              .put("time_to_saturation_days", r.days()).put("saturation_at", r.at().toString())
              .put("model", r.model()).put("truth_days", r.truthDays()));
        }
        ArrayNode top = out.putArray("top_statements");
        summary.top().forEach(t -> top.addObject().put("queryid", t.queryid()).put("query", t.query())
            .put("p95_ms", round(t.p95())).put("p99_ms", round(t.p99())).put("calls", t.count())
            .put("window_end", t.windowEnd().toString()));
        System.out.println(Json.mapper().writeValueAsString(out));
      }
      boolean projected = history == null || history.projections() > 0;
      return summary.windows() > 0 && errors == 0 && projected ? 0 : 1;
    } finally {
      stopAll();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException alreadyShuttingDown) {
        // the hook is running
      }
      deleteTree(work);
    }
  }

  private void validate() {
    if (durationSeconds < 10 || durationSeconds > 86_400) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--duration must be between 10 and 86400 seconds");
    }
    if (intervalSeconds < 1 || intervalSeconds > 60) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--interval must be between 1 and 60 seconds");
    }
    if (threads < 1 || threads > 32) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be between 1 and 32");
    }
    if (sinkUrl != null && !sinkUrl.startsWith("jdbc:postgresql:")) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--sink-url must start with jdbc:postgresql:");
    }
  }

  private synchronized void stopAll() {
    stopping = true;
    while (!started.isEmpty()) {
      AutoCloseable c = started.pop();
      try {
        c.close();
      } catch (Exception e) {
        System.err.println("demo: while stopping: " + e);
      }
    }
  }

  record Top(String queryid, String query, double p95, double p99, long count, Instant windowEnd) {}

  record Summary(long windows, List<Top> top, List<Top> instance) {}

  private Connection sinkConnection(String url) throws SQLException {
    String password = System.getenv("HEADROOM_SINK_PASSWORD");
    return DriverManager.getConnection(url, sinkUrl != null ? sinkUser : "postgres", password == null ? "" : password);
  }

  private long windowsInSink(String url) {
    try (Connection c = sinkConnection(url);
        PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM latency_windows");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      return 0; // not migrated yet
    }
  }

  private Summary summarize(String url, EmbeddedPostgres monitored, String instanceId) throws SQLException {
    Map<String, String> texts = new HashMap<>();
    try (Connection c = monitored.getPostgresDatabase().getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT queryid::text, query FROM pg_stat_statements");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        texts.put(rs.getString(1), rs.getString(2));
      }
    }
    Map<String, Top> best = new LinkedHashMap<>();
    List<Top> instance = new java.util.ArrayList<>();
    long windows;
    try (Connection c = sinkConnection(url)) {
      try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM latency_windows WHERE instance_id = ?")) {
        ps.setString(1, instanceId);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          windows = rs.getLong(1);
        }
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT scope, p95_ms, p99_ms, count, window_end"
          + " FROM latency_windows WHERE instance_id = ? ORDER BY window_end DESC, p95_ms DESC")) {
        ps.setString(1, instanceId);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String scope = rs.getString(1);
            Instant windowEnd = rs.getTimestamp(5).toInstant();
            if (scope.equals("instance")) {
              instance.add(new Top(null, "(all statements)", rs.getDouble(2), rs.getDouble(3), rs.getLong(4), windowEnd));
            } else if (scope.startsWith("query:")) {
              String queryid = scope.substring("query:".length());
              // the most recent closed window of each statement
              best.putIfAbsent(queryid, new Top(queryid, texts.getOrDefault(queryid, "?"), rs.getDouble(2),
                  rs.getDouble(3), rs.getLong(4), windowEnd));
            }
          }
        }
      }
    }
    List<Top> top = best.values().stream().sorted(Comparator.comparingDouble(Top::p95).reversed()).limit(10).toList();
    return new Summary(windows, top, instance);
  }

  private static void printSummary(PrintStream out, Summary s, Collector collector, DemoWorkload workload, long errors) {
    out.println();
    out.printf("Headroom demo: %,d statements run, %d snapshots (%d messages), %d latency windows in the sink, %d errors%n",
        workload.executed(), collector.snapshots(), collector.messages(), s.windows(), errors);
    if (!s.instance().isEmpty()) {
      out.println();
      out.println("Instance latency, 1-minute windows:");
      out.printf("  %-25s %10s %10s %10s%n", "window end", "calls", "p95 ms", "p99 ms");
      s.instance().stream().sorted(Comparator.comparing(Top::windowEnd)).forEach(t ->
          out.printf("  %-25s %,10d %10.2f %10.2f%n", t.windowEnd(), t.count(), t.p95(), t.p99()));
    }
    if (!s.top().isEmpty()) {
      out.println();
      out.println("Top statements by p95 (latest closed 1-minute window of each):");
      out.printf("  %10s %10s %8s  %-20s  %s%n", "p95 ms", "p99 ms", "calls", "window end", "query");
      for (Top t : s.top()) {
        String q = t.query() == null ? "?" : t.query().replaceAll("\\s+", " ");
        out.printf("  %10.2f %10.2f %8d  %-20s  %s%n", t.p95(), t.p99(), t.count(),
            t.windowEnd().toString().substring(11, 19) + "Z", q.length() > 80 ? q.substring(0, 77) + "..." : q);
      }
    } else {
      out.println("No latency window has closed yet: run the demo longer (a 1-minute window closes about 70 s after it starts).");
    }
    out.println();
  }

  private static long deadLetters(String bootstrap) {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      TopicPartition tp = new TopicPartition(Topics.DEADLETTER.name(), 0);
      return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get(10, TimeUnit.SECONDS).offset();
    } catch (Exception e) {
      return 0;
    }
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp folder; the OS cleans it eventually
    }
  }
}
