package dev.headroom.bench;

import dev.headroom.bench.CostMeters.Samples;
import dev.headroom.schemas.Delta;
import dev.headroom.schemas.LatencyWindow;
import dev.headroom.schemas.Topic;
import dev.headroom.schemas.TopicAdmin;
import dev.headroom.schemas.Topics;
import dev.headroom.sink.HeadroomSink;
import dev.headroom.sink.ResultTable;
import dev.headroom.sink.SinkConfig;
import dev.headroom.testkit.KafkaBrokerProcess;
import dev.headroom.testkit.RepositoryRoot;
import dev.headroom.testkit.TimescaleFixture;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.postgresql.PGConnection;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Rows per second the sink writes into a hypertable, next to {@code psql \copy} of the same rows
 * into the same table, in one run. The input (deltas and latency windows as the streams app
 * writes them, {@link SinkTraffic}) is produced once to a real KRaft broker on 127.0.0.1. Per
 * table, a warm-up sink run writes it, and the rows it wrote are exported with COPY TO; then, in
 * rounds, each sink setting (a fresh consumer group every time) and {@code psql \copy} of the
 * export load the emptied table, in rotating order. The targets are TimescaleDB (the Debian 13
 * server of {@code scripts/timescaledb.sh}, testkit's {@link TimescaleFixture}) and an embedded
 * plain PostgreSQL, where the sink partitions the tables itself.
 *
 * <p>The sink's clock runs from its first committed batch to its last row, so broker start,
 * schema migration, group join and the first batch are outside it; {@code \copy}'s is the time
 * psql reports for the command ({@code \timing}), so its start-up and connection are outside it
 * too. The psql process's whole wall time is reported beside it.
 */
@Command(name = "sink-throughput-bench", mixinStandardHelpOptions = true,
    description = "Rows/s the sink writes into each table vs psql \\copy of the same rows, same run, same table.")
public final class SinkThroughputBench implements Callable<Integer> {
  @Option(names = "--deltas", description = "headroom.deltas.v1 records (default ${DEFAULT-VALUE}).")
  long deltas = 200_000;

  @Option(names = "--windows", description = "headroom.latency-windows.v1 records (default ${DEFAULT-VALUE}).")
  long windows = 50_000;

  @Option(names = "--instances", description = "Monitored instances; each reports " + (SinkTraffic.TABLES
      + SinkTraffic.INDEXES + SinkTraffic.STATEMENTS) + " objects per interval and " + SinkTraffic.SCOPES
      + " latency scopes per minute (default ${DEFAULT-VALUE}).")
  int instances = 20;

  @Option(names = "--span-hours", description = "The deltas' intervals are spread evenly over this many hours before"
      + " now (default ${DEFAULT-VALUE}); the latency windows are consecutive minutes up to now.")
  double spanHours = 3;

  @Option(names = "--partitions", description = "Partitions of the input topics (default ${DEFAULT-VALUE}, the"
      + " sink's topics.partitions default).")
  int partitions = 6;

  @Option(names = "--batch-sizes", split = ",", description = "batch.max.records of the sink rows, one row each"
      + " (default ${DEFAULT-VALUE}; 5000 is the sink's default).")
  List<Integer> batchSizes = List.of(5_000, 20_000);

  @Option(names = "--tables", split = ",", description = "Tables measured (default ${DEFAULT-VALUE}).")
  List<String> tables = List.of(ResultTable.DELTAS.tableName(), ResultTable.LATENCY_WINDOWS.tableName());

  @Option(names = "--targets", split = ",", description = "Databases: timescaledb (scripts/timescaledb.sh, started"
      + " if it is not running and then stopped again), postgres (embedded PostgreSQL 17, partitioned tables)"
      + " (default ${DEFAULT-VALUE}).")
  List<String> targets = List.of("timescaledb", "postgres");

  @Option(names = "--runs", description = "Measured runs of each sink row and of \\copy, alternating"
      + " (default ${DEFAULT-VALUE}).")
  int runs = 3;

  @Option(names = "--warm-up-runs", description = "Sink runs before the measured ones, per target and table, not"
      + " counted (default ${DEFAULT-VALUE}): the JIT compilers are still busy after one, and a sink runs for days;"
      + " each run's JIT time is reported beside it.")
  int warmUpRuns = 3;

  @Option(names = "--set", description = "A sink setting for every sink run, e.g. --set poll.timeout.ms=100"
      + " (repeatable).")
  Map<String, String> extraSettings = new LinkedHashMap<>();

  @Option(names = "--psql", description = "The psql client (default ${DEFAULT-VALUE}).")
  String psql = "/usr/bin/psql";

  @Option(names = "--seed", description = "Seed of the generated records (default ${DEFAULT-VALUE}).")
  long seed = 1;

  @Option(names = "--sink-log", description = "Log level of the sink's own logger (default ${DEFAULT-VALUE}: its"
      + " start and stop lines, repeated every run, are left out).")
  String sinkLogLevel = "WARN";

  @Option(names = "--max-minutes", description = "The command stops itself (broker and servers included) after this"
      + " long (default ${DEFAULT-VALUE}).")
  double maxMinutes = 30;

  @Spec
  CommandSpec spec;

  private static final Pattern COPY_COUNT = Pattern.compile("(?m)^COPY (\\d+)$");
  private static final Pattern TIMING = Pattern.compile("(?m)^Time: ([0-9.]+) ms");
  private static final long POLL_MS = 1;
  private final PrintStream out = System.out;
  private final PrintStream err = System.err;
  private final Samples loadAverage = new Samples();

  public static void main(String[] args) {
    // the broker's start-up is polled by clients that warn about every refused connection until it listens
    org.apache.logging.log4j.core.config.Configurator.setLevel("org.apache.kafka.clients.NetworkClient",
        org.apache.logging.log4j.Level.ERROR);
    System.exit(new CommandLine(new SinkThroughputBench()).execute(args));
  }

  /** A database the sink writes: one fresh database per target, dropped at the end. */
  private record Target(String name, String description, String host, int port, String database, String user,
      String password, long postmasterPid) {
    String url() {
      return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    Connection connect() throws SQLException {
      return DriverManager.getConnection(url(), user, password);
    }
  }

  /** One row of the results: one writer into one table of one target, measured several times. */
  private static final class Row {
    final String target;
    final ResultTable table;
    final Integer batch; // null: psql \copy
    final Samples rowsPerSecond = new Samples();
    final Samples seconds = new Samples();
    final Samples rowsMeasured = new Samples();
    final Samples clientCpu = new Samples();
    final Samples jitMs = new Samples();
    final Samples serverCpu = new Samples();
    final Samples rowsPerBatch = new Samples();
    final Samples startToLast = new Samples(); // sink: thread start to last row; \copy: psql process wall

    Row(String target, ResultTable table, Integer batch) {
      this.target = target;
      this.table = table;
      this.batch = batch;
    }

    String writer() {
      return batch == null ? "psql \\copy (one transaction)" : "sink, batch.max.records " + String.format(Locale.ROOT,
          "%,d", batch) + (batch.equals(defaultBatch()) ? " (default)" : "");
    }
  }

  @Override
  public Integer call() throws Exception {
    validate();
    long started = System.nanoTime();
    try (Teardown teardown = new Teardown(err)) {
      teardown.limit(maxMinutes);
      return measure(teardown, started);
    }
  }

  private void validate() {
    if (deltas < 1 || windows < 1 || instances < 1 || runs < 1 || partitions < 1 || spanHours <= 0) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--deltas, --windows, --instances, --runs, --partitions and --span-hours must be positive");
    }
    for (String t : tables) {
      table(t);
    }
    for (String t : targets) {
      if (!t.equals("timescaledb") && !t.equals("postgres")) {
        throw new CommandLine.ParameterException(spec.commandLine(), "unknown target " + t
            + " (timescaledb, postgres)");
      }
    }
    if (!Files.isExecutable(Path.of(psql))) {
      throw new CommandLine.ParameterException(spec.commandLine(), "no psql at " + psql + " (--psql)");
    }
  }

  private ResultTable table(String name) {
    for (ResultTable t : List.of(ResultTable.DELTAS, ResultTable.LATENCY_WINDOWS)) {
      if (t.tableName().equals(name)) {
        return t;
      }
    }
    throw new CommandLine.ParameterException(spec.commandLine(), "--tables: " + name + " is not deltas or"
        + " latency_windows");
  }

  private static Integer defaultBatch() {
    return (Integer) SinkConfig.CONFIG_DEF.defaultValues().get(SinkConfig.BATCH_MAX_RECORDS);
  }

  private int measure(Teardown teardown, long started) throws Exception {
    org.apache.logging.log4j.core.config.Configurator.setLevel("dev.headroom.sink",
        org.apache.logging.log4j.Level.toLevel(sinkLogLevel));
    Path work = Files.createTempDirectory("headroom-sink-bench-");
    teardown.add(() -> Teardown.deleteTree(work));
    long b0 = System.nanoTime();
    KafkaBrokerProcess broker = teardown.add(KafkaBrokerProcess.start(work.resolve("broker"),
        KafkaBrokerProcess.KAFKA_DEFAULT_JVM));
    err.printf(Locale.ROOT, "bench: broker at %s serving after %.1f s%n", broker.bootstrapServers(),
        (System.nanoTime() - b0) / 1e9);
    Map<String, Object> client = Map.of("bootstrap.servers", broker.bootstrapServers());

    Instant end = Instant.now().truncatedTo(ChronoUnit.MINUTES);
    SinkTraffic traffic = new SinkTraffic(instances, end, Duration.ofSeconds(Math.round(spanHours * 3600)), seed);
    List<ResultTable> measured = tables.stream().map(this::table).toList();
    Map<ResultTable, Long> expected = new LinkedHashMap<>();
    for (ResultTable t : measured) {
      expected.put(t, t == ResultTable.DELTAS ? deltas : windows);
    }
    Map<ResultTable, long[]> produced = produce(traffic, client, expected); // records, bytes

    List<Target> servers = new ArrayList<>();
    for (String name : targets) {
      servers.add(name.equals("timescaledb") ? timescale(teardown) : embedded(teardown));
    }
    List<Row> rows = new ArrayList<>();
    for (Target target : servers) {
      for (ResultTable table : measured) {
        rows.addAll(measureTable(target, table, expected.get(table), broker.bootstrapServers(), work));
      }
    }
    report(traffic, expected, produced, servers, rows);
    out.printf(Locale.ROOT, "%nWall time of the command %.0f s.%n", (System.nanoTime() - started) / 1e9);
    return 0;
  }

  /** Produces each table's records once, keyed as the streams app keys them (uncompressed: its default). */
  private Map<ResultTable, long[]> produce(SinkTraffic traffic, Map<String, Object> client,
      Map<ResultTable, Long> expected) throws Exception {
    List<Topic<?, ?>> topics = new ArrayList<>();
    expected.keySet().forEach(t -> topics.add(t.topic()));
    TopicAdmin.ensure(client, topics, partitions, (short) 1);
    Properties p = new Properties();
    p.putAll(client);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-sink-input");
    Map<ResultTable, long[]> produced = new LinkedHashMap<>();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, Topics.DELTAS.keySerde().serializer(),
        new ByteArraySerializer())) {
      for (ResultTable table : expected.keySet()) {
        long t0 = System.nanoTime();
        long[] counts = new long[2]; // records, bytes
        String topic = table.topic().name();
        if (table == ResultTable.DELTAS) {
          Serializer<Delta> values = Topics.DELTAS.valueSerde().serializer();
          traffic.deltas(expected.get(table), d -> send(producer, topic, d.instanceId(), values.serialize(topic, d),
              d.capturedAt(), counts));
        } else {
          Serializer<LatencyWindow> values = Topics.LATENCY_WINDOWS.valueSerde().serializer();
          traffic.latencyWindows(expected.get(table), w -> send(producer, topic, w.key(), values.serialize(topic, w),
              w.windowEnd(), counts));
        }
        producer.flush();
        if (counts[0] != expected.get(table)) {
          throw new IllegalStateException(counts[0] + " " + table.tableName() + " records generated, "
              + expected.get(table) + " asked for");
        }
        produced.put(table, counts);
        err.printf(Locale.ROOT, "bench: %,d %s records (%,.1f MB) produced in %.1f s%n", counts[0], topic,
            counts[1] / 1e6, (System.nanoTime() - t0) / 1e9);
      }
    }
    return produced;
  }

  private static void send(KafkaProducer<String, byte[]> producer, String topic, String key, byte[] value, Instant at,
      long[] counts) {
    producer.send(new ProducerRecord<>(topic, null, at.toEpochMilli(), key, value));
    counts[0]++;
    counts[1] += value.length;
  }

  // ---- targets ----

  /**
   * TimescaleDB from testkit's fixture, in a fresh database. The server is started here when it is
   * not running (and stopped again at the end), because the fixture would register its stop with
   * the JUnit launcher, which the bench leaves out of its classpath.
   */
  private Target timescale(Teardown teardown) throws Exception {
    Path script = RepositoryRoot.find().resolve("scripts/timescaledb.sh");
    if (script(script, "status") != 0) {
      err.println("bench: starting TimescaleDB (" + script + " start)");
      if (script(script, "start") != 0) {
        throw new IllegalStateException(script + " start failed");
      }
      teardown.add(() -> stopUnlessInUse(script));
    }
    TimescaleFixture tsdb = TimescaleFixture.get();
    String url = tsdb.createDatabase("sink_bench");
    String database = url.substring(url.lastIndexOf('/') + 1);
    String hostPort = url.substring("jdbc:postgresql://".length(), url.lastIndexOf('/'));
    String admin = tsdb.url("postgres");
    teardown.add(() -> dropDatabase(admin, tsdb.user(), tsdb.password(), database));
    Target t = new Target("timescaledb", null, hostPort.substring(0, hostPort.lastIndexOf(':')),
        Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1)), database, tsdb.user(), tsdb.password(), 0);
    return describe(t);
  }

  /** Embedded PostgreSQL 17 (the bench's zonky binaries): the sink's plain-PostgreSQL mode, range partitions. */
  private Target embedded(Teardown teardown) throws Exception {
    EmbeddedPostgres pg = teardown.add(EmbeddedPostgres.builder()
        .setServerConfig("listen_addresses", "127.0.0.1")
        .setServerConfig("max_connections", "20")
        .start());
    String database = "sink_bench_" + ProcessHandle.current().pid();
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres",
        "postgres", null); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + database);
    }
    Target t = new Target("postgres", null, "127.0.0.1", pg.getPort(), database, "postgres", "", 0);
    return describe(t);
  }

  /** The server's version and settings that bear on ingest, and its postmaster (the parent of a backend). */
  private Target describe(Target t) throws SQLException {
    try (Connection c = t.connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_backend_pid(), current_setting('server_version'),"
            + " (SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb' AND"
            + " current_setting('shared_preload_libraries') ~ 'timescaledb'),"
            + " current_setting('shared_buffers'), current_setting('synchronous_commit'), current_setting('fsync'),"
            + " current_setting('max_wal_size'), current_setting('wal_level')")) {
      rs.next();
      long backend = rs.getLong(1);
      long postmaster = ProcessHandle.of(backend).flatMap(ProcessHandle::parent).map(ProcessHandle::pid)
          .orElseThrow(() -> new IllegalStateException("cannot find the postmaster of backend " + backend));
      String description = String.format(Locale.ROOT, "PostgreSQL %s%s on %s:%d, shared_buffers %s,"
              + " synchronous_commit %s, fsync %s, max_wal_size %s, wal_level %s", rs.getString(2),
          rs.getString(3) == null ? "" : " + TimescaleDB " + rs.getString(3), t.host(), t.port(), rs.getString(4),
          rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8));
      err.println("bench: " + t.name() + ": " + description);
      return new Target(t.name(), description, t.host(), t.port(), t.database(), t.user(), t.password(), postmaster);
    }
  }

  private static void dropDatabase(String adminUrl, String user, String password, String database) throws SQLException {
    try (Connection c = DriverManager.getConnection(adminUrl, user, password); Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }
  }

  /**
   * Stops the server this command started, unless someone else connected to it meanwhile (other
   * test runs on the machine share it: a fixture that found it running leaves stopping it to us).
   */
  private void stopUnlessInUse(Path script) throws Exception {
    TimescaleFixture tsdb = TimescaleFixture.get();
    long others;
    try (Connection c = DriverManager.getConnection(tsdb.url("postgres"), tsdb.user(), tsdb.password());
        Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity"
            + " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")) {
      rs.next();
      others = rs.getLong(1);
    }
    if (others > 0) {
      err.printf(Locale.ROOT, "bench: TimescaleDB left running: %d other client connection(s)%n", others);
      return;
    }
    script(script, "stop");
  }

  private int script(Path script, String command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("bash", script.toString(), command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    if (!p.waitFor(15, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }

  // ---- one table of one target ----

  private List<Row> measureTable(Target target, ResultTable table, long expected, String bootstrap, Path work)
      throws Exception {
    List<Row> rows = new ArrayList<>();
    for (Integer batch : batchSizes) {
      rows.add(new Row(target.name(), table, batch));
    }
    Row copy = new Row(target.name(), table, null);
    rows.add(copy);

    // Not counted: migrates the schema, compiles the sink's paths, and writes the rows that are exported.
    Row warmUp = new Row(target.name(), table, defaultBatch());
    for (int w = 0; w < Math.max(1, warmUpRuns); w++) {
      runSink(warmUp, target, bootstrap, "warm-up-" + w);
    }
    List<String> columns = columns(target, table);
    Path file = work.resolve(target.name() + "-" + table.tableName() + ".copy");
    long exported = export(target, table, columns, file);
    if (exported != expected) {
      throw new IllegalStateException("exported " + exported + " rows of " + table.tableName() + ", expected "
          + expected);
    }
    err.printf(Locale.ROOT, "bench: %s.%s: %,d rows the sink wrote exported (%,.1f MB of COPY text)%n", target.name(),
        table.tableName(), exported, Files.size(file) / 1e6);
    runCopy(new Row(target.name(), table, null), target, columns, file, expected); // not counted either

    for (int round = 0; round < runs; round++) {
      for (int i = 0; i < rows.size(); i++) {
        Row r = rows.get((i + round) % rows.size()); // rotate so no writer always follows the same one
        if (r.batch == null) {
          runCopy(r, target, columns, file, expected);
        } else {
          runSink(r, target, bootstrap, Integer.toString(round));
        }
      }
    }
    Files.deleteIfExists(file);
    return rows;
  }

  /** The sink on a fresh consumer group, writing one table from the start of its topic into the emptied table. */
  private void runSink(Row r, Target target, String bootstrap, String round) throws Exception {
    long expected = r.table == ResultTable.DELTAS ? deltas : windows;
    prepare(target, r.table);
    Map<String, Object> props = new HashMap<>();
    props.put(SinkConfig.BOOTSTRAP_SERVERS, bootstrap);
    props.put(SinkConfig.URL, target.url());
    props.put(SinkConfig.USER, target.user());
    props.put(SinkConfig.PASSWORD, target.password());
    String group = "bench-sink-" + target.name() + "-" + r.table.tableName() + "-" + r.batch + "-" + round;
    props.put(SinkConfig.GROUP_ID, group);
    props.put(SinkConfig.TABLES, r.table.tableName());
    props.put(SinkConfig.BATCH_MAX_RECORDS, Integer.toString(r.batch));
    props.put(SinkConfig.METRICS_PORT, "0"); // the endpoint runs, as in production, but on a free port
    props.putAll(extraSettings);
    HeadroomSink sink = new HeadroomSink(new SinkConfig(props));
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread thread = new Thread(() -> {
      try {
        sink.run();
      } catch (Throwable e) {
        failure.set(e);
      }
    }, "bench-sink");
    long t0 = System.nanoTime();
    thread.start();
    long tFirst = 0;
    long firstRows = 0;
    double cpu0 = 0;
    long jit0 = 0;
    double server0 = 0;
    long batches0 = 0;
    long tLast;
    double cpu;
    long jit;
    double server;
    try {
      while (true) {
        long written = sink.rowsWritten(r.table);
        long now = System.nanoTime();
        if (tFirst == 0 && written > 0) {
          tFirst = now;
          firstRows = written;
          batches0 = sink.batchesWritten();
          cpu0 = CostMeters.jvmCpuMs();
          jit0 = jitMs();
          server0 = CostMeters.serverCpuMs(target.postmasterPid());
        }
        if (written >= expected) {
          tLast = now;
          // read while the sink's backend is alive: its CPU is a live child's until the postmaster reaps it
          cpu = (CostMeters.jvmCpuMs() - cpu0) / 1e3;
          jit = jitMs() - jit0;
          server = (CostMeters.serverCpuMs(target.postmasterPid()) - server0) / 1e3;
          break;
        }
        if (!thread.isAlive()) {
          throw new IllegalStateException("the sink stopped after " + written + " rows", failure.get());
        }
        TimeUnit.MILLISECONDS.sleep(POLL_MS); // a sink that never gets there is stopped by --max-minutes
      }
    } finally {
      sink.close();
      thread.join(TimeUnit.SECONDS.toMillis(90));
    }
    if (failure.get() != null) {
      throw new IllegalStateException("the sink failed", failure.get());
    }
    long written = sink.rowsWritten(r.table);
    long inTable = count(target, r.table);
    if (written != expected || inTable != expected || sink.deadLetters() != 0) {
      throw new IllegalStateException(String.format(Locale.ROOT, "%s: the sink wrote %d rows (%d dead letters),"
          + " the table holds %d, expected %d", group, written, sink.deadLetters(), inTable, expected));
    }
    if (sink.retries() != 0) {
      err.printf(Locale.ROOT, "bench: %s: the sink retried %d times%n", group, sink.retries());
    }
    double seconds = (tLast - tFirst) / 1e9;
    long measuredRows = expected - firstRows;
    if (measuredRows == 0) {
      err.printf(Locale.ROOT, "bench: %s: the first transaction held every row, so nothing was timed (more rows,"
          + " or smaller batches, give a figure)%n", group);
    }
    r.seconds.add(seconds);
    r.rowsMeasured.add(measuredRows);
    r.rowsPerSecond.add(measuredRows / seconds);
    r.clientCpu.add(cpu);
    r.jitMs.add(jit);
    r.serverCpu.add(server);
    double perBatch = (double) measuredRows / (sink.batchesWritten() - batches0);
    r.rowsPerBatch.add(perBatch);
    r.startToLast.add((tLast - t0) / 1e9);
    err.printf(Locale.ROOT, "bench: %s.%s sink batch %,d run %s: %,.0f rows/s (%,d rows after the first commit in"
            + " %.2f s; %.2f s from start), %.0f rows per transaction, JVM CPU %.2f s (JIT compiling %d ms),"
            + " server CPU %.2f s%n",
        r.target, r.table.tableName(), r.batch, round, measuredRows / seconds, measuredRows, seconds,
        (tLast - t0) / 1e9, perBatch, cpu, jit, server);
  }

  /** psql \copy of the exported rows into the emptied table; the password, if any, only in psql's environment. */
  private void runCopy(Row r, Target target, List<String> columns, Path file, long expected) throws Exception {
    prepare(target, r.table);
    String conninfo = "host=" + target.host() + " port=" + target.port() + " dbname=" + target.database() + " user="
        + target.user();
    ProcessBuilder pb = new ProcessBuilder(psql, conninfo, "-X", "-v", "ON_ERROR_STOP=1", "-c", "\\timing on", "-c",
        "\\copy " + r.table.tableName() + " (" + String.join(", ", columns) + ") FROM '" + file + "'")
        .redirectErrorStream(true);
    pb.environment().remove("PGPASSWORD");
    if (!target.password().isEmpty()) {
      pb.environment().put("PGPASSWORD", target.password());
    }
    java.util.Set<Long> backends = children(target.postmasterPid());
    double children0 = reapedChildrenCpuMs();
    double server0 = CostMeters.serverCpuMs(target.postmasterPid());
    long t0 = System.nanoTime();
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("psql \\copy did not finish within 10 minutes");
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    awaitReaped(target.postmasterPid(), backends);
    double server = (CostMeters.serverCpuMs(target.postmasterPid()) - server0) / 1e3;
    double client = (reapedChildrenCpuMs() - children0) / 1e3;
    Matcher copied = COPY_COUNT.matcher(output);
    Matcher timing = TIMING.matcher(output);
    if (p.exitValue() != 0 || !copied.find() || !timing.find()) {
      throw new IllegalStateException("psql \\copy failed (exit " + p.exitValue() + "): " + output.trim());
    }
    long inTable = count(target, r.table);
    if (Long.parseLong(copied.group(1)) != expected || inTable != expected) {
      throw new IllegalStateException("psql copied " + copied.group(1) + " rows, the table holds " + inTable
          + ", expected " + expected);
    }
    double seconds = Double.parseDouble(timing.group(1)) / 1e3;
    r.seconds.add(seconds);
    r.rowsMeasured.add(expected);
    r.rowsPerSecond.add(expected / seconds);
    r.clientCpu.add(client);
    r.serverCpu.add(server);
    r.rowsPerBatch.add(expected);
    r.startToLast.add(wall);
    err.printf(Locale.ROOT, "bench: %s.%s psql \\copy: %,.0f rows/s (%,d rows in %.2f s; psql process %.2f s),"
        + " psql CPU %.2f s, server CPU %.2f s%n", r.target, r.table.tableName(), expected / seconds, expected, seconds,
        wall, client, server);
  }

  /** Empties the table (a hypertable loses its chunks, a partitioned table keeps its partitions), then a checkpoint. */
  private void prepare(Target target, ResultTable table) throws Exception {
    try (Connection c = target.connect(); Statement s = c.createStatement()) {
      if (exists(c, table.tableName())) {
        s.execute("TRUNCATE " + table.tableName());
      }
      // not inside anyone's clock: a checkpoint of the previous load would otherwise land in the next one
      s.execute("CHECKPOINT");
    }
    loadAverage.add(loadAverage1());
  }

  private static boolean exists(Connection c, String table) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
      s.setString(1, table);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  private static long count(Target target, ResultTable table) throws SQLException {
    try (Connection c = target.connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table.tableName())) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The columns a writer fills: those without a default (latency_windows.written_at is now()). */
  private static List<String> columns(Target target, ResultTable table) throws SQLException {
    List<String> columns = new ArrayList<>();
    try (Connection c = target.connect(); PreparedStatement s = c.prepareStatement("SELECT column_name FROM"
        + " information_schema.columns WHERE table_schema = current_schema() AND table_name = ?"
        + " AND column_default IS NULL ORDER BY ordinal_position")) {
      s.setString(1, table.tableName());
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          columns.add(rs.getString(1));
        }
      }
    }
    return columns;
  }

  /** COPY … TO STDOUT of the rows in the table, in event-time order (as they arrived), into {@code file}. */
  private static long export(Target target, ResultTable table, List<String> columns, Path file) throws Exception {
    String cols = String.join(", ", columns);
    try (Connection c = target.connect(); OutputStream o = Files.newOutputStream(file)) {
      // the SELECT form: COPY TO of a hypertable or a partitioned table itself reads no rows
      return c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (SELECT " + cols + " FROM " + table.tableName()
          + " ORDER BY " + table.timeColumn() + ") TO STDOUT", o);
    }
  }

  /**
   * Waits (up to 2 s) until the postmaster has reaped the server processes that were not there
   * before (psql's backend): until then a backend's CPU may be in neither the postmaster's
   * reaped-children time nor a live child's.
   */
  private static void awaitReaped(long postmasterPid, java.util.Set<Long> before) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (System.nanoTime() < deadline && !before.containsAll(children(postmasterPid))) {
      TimeUnit.MILLISECONDS.sleep(5);
    }
  }

  private static java.util.Set<Long> children(long pid) {
    return ProcessHandle.of(pid).map(h -> h.children().map(ProcessHandle::pid)
        .collect(java.util.stream.Collectors.toSet())).orElse(java.util.Set.of());
  }

  /**
   * Each round's sink rows per second over the same round's {@code \copy}: the two ran minutes apart
   * at most, so a slow phase of a shared host touches both.
   */
  private static Samples paired(Row sink, Row copy) {
    Samples ratios = new Samples();
    for (int i = 0; i < Math.min(sink.rowsPerSecond.size(), copy.rowsPerSecond.size()); i++) {
      ratios.add(sink.rowsPerSecond.get(i) / copy.rowsPerSecond.get(i));
    }
    return ratios;
  }

  /** Time the JIT compilers have spent so far, in milliseconds. */
  private static long jitMs() {
    return ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
  }

  /** CPU of this JVM's children that have exited and been waited for (the psql runs), in milliseconds. */
  private static double reapedChildrenCpuMs() throws IOException {
    String s = Files.readString(Path.of("/proc/self/stat"));
    String[] f = s.substring(s.lastIndexOf(')') + 2).trim().split(" ");
    // f[0] is field 3 (state): cutime and cstime are fields 16 and 17
    return (Long.parseLong(f[13]) + Long.parseLong(f[14])) * 1000.0 / CostMeters.CLK_TCK;
  }

  private static double loadAverage1() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  // ---- the report ----

  private void report(SinkTraffic traffic, Map<ResultTable, Long> expected, Map<ResultTable, long[]> produced,
      List<Target> targetList, List<Row> rows) {
    out.println("## Sink throughput");
    out.println();
    out.printf(Locale.ROOT, "%d CPUs, Java %s, JVM max heap %,d MB, Kafka clients %s; a KRaft broker process on"
            + " 127.0.0.1 (testkit's KafkaBrokerProcess, Kafka's default JVM options), %d partition(s) per topic.%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        Runtime.getRuntime().maxMemory() >> 20, org.apache.kafka.common.utils.AppInfoParser.getVersion(), partitions);
    for (Target t : targetList) {
      out.printf(Locale.ROOT, "- %s: %s%n", t.name(), t.description());
    }
    out.println();
    for (Map.Entry<ResultTable, Long> e : expected.entrySet()) {
      long[] p = produced.get(e.getKey());
      out.printf(Locale.ROOT, "- %s: %,d records, %,.1f MB of JSON (%,.0f bytes each)%s%n", e.getKey().topic().name(),
          p[0], p[1] / 1e6, (double) p[1] / p[0], e.getKey() == ResultTable.DELTAS
              ? String.format(Locale.ROOT, ": %d instances × %d objects (%d tables, %d indexes, %d statements) × %d"
                  + " intervals over %.1f h", instances, SinkTraffic.TABLES + SinkTraffic.INDEXES
                  + SinkTraffic.STATEMENTS, SinkTraffic.TABLES, SinkTraffic.INDEXES, SinkTraffic.STATEMENTS,
                  traffic.deltaIntervals(e.getValue()), spanHours)
              : String.format(Locale.ROOT, ": %d instances × %d scopes × %d one-minute windows, sketches of %d"
                  + " samples", instances, SinkTraffic.SCOPES, traffic.windowMinutes(e.getValue()),
                  SinkTraffic.SAMPLES_PER_WINDOW));
    }
    out.printf(Locale.ROOT, "%nMedians of %d runs (min–max); load average (1 min) before the loads: median %.1f"
        + " (%.1f–%.1f).%n%n", runs, loadAverage.median(), loadAverage.min(), loadAverage.max());
    out.println("| target | table | writer | rows/s | ÷ \\copy | seconds timed | rows timed | rows per transaction"
        + " | client CPU s | of it JIT s | server CPU s | start to last row s | ÷ \\copy of the same round |");
    out.println("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (Row r : rows) {
      Row copy = rows.stream().filter(c -> c.batch == null && c.target.equals(r.target) && c.table == r.table)
          .findFirst().orElseThrow();
      out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %,.0f | %,.0f | %.2f | %s | %.2f | %s | %s |%n", r.target,
          r.table.tableName(), r.writer(), r.rowsPerSecond.format(0),
          r.batch == null ? "1" : Report.ratio(r.rowsPerSecond.median() / copy.rowsPerSecond.median()),
          r.seconds.format(2), r.rowsMeasured.median(), r.rowsPerBatch.median(), r.clientCpu.median(),
          r.batch == null ? "" : String.format(Locale.ROOT, "%.2f", r.jitMs.median() / 1e3), r.serverCpu.median(),
          r.startToLast.format(2), r.batch == null ? "" : paired(r, copy).format(2));
    }
    out.println();
    out.println("rows/s: the sink's from its first committed transaction to its last row (the rows of the first"
        + " transaction are not counted); \\copy's over the time psql's \\timing reports for the command."
        + " client CPU: the sink's whole JVM (consumer, encoding, JDBC, GC, JIT) or the psql process; of it JIT: the"
        + " JVM's compilers' time (CompilationMXBean), which a long-running sink no longer spends; server CPU: every"
        + " process of the database server over the same time. start to last row: the sink from its thread's start"
        + " (schema check, group join, first batch included); \\copy: the psql process's wall time. ÷ \\copy of the"
        + " same round: each measured sink run over the \\copy run of its round, median (min–max).");
    out.println();
    for (Target t : targetList) {
      for (ResultTable table : expected.keySet()) {
        Row copy = rows.stream().filter(c -> c.batch == null && c.target.equals(t.name()) && c.table == table)
            .findFirst().orElse(null);
        Row sink = rows.stream().filter(c -> c.batch != null && c.batch.equals(defaultBatch())
            && c.target.equals(t.name()) && c.table == table).findFirst().orElse(null);
        if (copy == null || sink == null) {
          continue;
        }
        double ratio = sink.rowsPerSecond.median() / copy.rowsPerSecond.median();
        out.printf(Locale.ROOT, "- %s, %s, default batch: sink ÷ \\copy = %s (each round's sink ÷ that round's \\copy:"
            + " median %s)%s%n", t.name(), table.tableName(), Report.pct(ratio), Report.pct(paired(sink, copy).median()),
            table == ResultTable.DELTAS
                ? (ratio >= 0.8 ? " (goal ≥ 80 %: met)" : " (goal ≥ 80 %: **missed**)")
                : " (upsert through a staging table vs a plain insert: informative, no goal)");
      }
    }
    out.println();
    out.println("Command:");
    out.println();
    out.println("```");
    out.println("java -cp \"bench/target/headroom-bench.jar:bench/target/lib/*\" " + getClass().getName()
        + (spec.commandLine().getParseResult().originalArgs().isEmpty() ? ""
            : " " + String.join(" ", spec.commandLine().getParseResult().originalArgs())));
    out.println("```");
  }
}
