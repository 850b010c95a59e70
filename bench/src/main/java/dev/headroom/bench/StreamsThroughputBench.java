package dev.headroom.bench;

import dev.headroom.bench.CostMeters.Samples;
import dev.headroom.bench.FleetTraffic.Encoded;
import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.Topic;
import dev.headroom.schemas.TopicAdmin;
import dev.headroom.schemas.Topics;
import dev.headroom.streams.HeadroomStreams;
import dev.headroom.streams.HeadroomStreamsConfig;
import dev.headroom.testkit.KafkaBrokerProcess;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * How many input records per second one stream thread of the full topology gets through, next
 * to the ceiling: a plain consumer that only reads and deserializes the same records. The
 * input (a fleet's snapshots and latency samples, {@link FleetTraffic}) is produced once to a
 * real KRaft broker on 127.0.0.1; then the ceiling and the topology (each processing guarantee,
 * a fresh application id and state directory every time) read all of it, alternating, several
 * times. Also the state the topology keeps per monitored instance, on disk and in changelogs.
 */
@Command(name = "streams-throughput-bench", mixinStandardHelpOptions = true,
    description = "Records/s per stream thread of the full topology vs a plain consumer that only deserializes.")
public final class StreamsThroughputBench implements Callable<Integer> {
  @Option(names = "--instances", description = "Monitored instances (default ${DEFAULT-VALUE}).")
  int instances = 20;

  @Option(names = "--intervals", description = "One-minute snapshot intervals per instance; the last ends at 10:05,"
      + " so an hour window closes (default ${DEFAULT-VALUE}).")
  int intervals = 10;

  @Option(names = "--statements", description = "pg_stat_statements entries per instance (default ${DEFAULT-VALUE}).")
  int statements = 500;

  @Option(names = "--tables", description = "Tables per instance (default ${DEFAULT-VALUE}).")
  int tables = 200;

  @Option(names = "--indexes", description = "Indexes per instance, one primary key per table first"
      + " (default ${DEFAULT-VALUE}).")
  int indexes = 300;

  @Option(names = "--settings", description = "pg_settings rows (default ${DEFAULT-VALUE}).")
  int settings = 360;

  @Option(names = "--samples-per-minute", description = "Exact latency samples per instance and minute: 6 probes, the"
      + " rest CDC rows (default ${DEFAULT-VALUE}).")
  int samplesPerMinute = 30;

  @Option(names = "--slow-every", description = "Tables, indexes and settings every this many intervals"
      + " (default ${DEFAULT-VALUE}: every interval; the collector's defaults read them every 5).")
  int slowEvery = 1;

  @Option(names = "--partitions", description = "Partitions of every topic (default ${DEFAULT-VALUE}). With more, the"
      + " one stream thread works through its tasks' backlogs at different paces of event time, and observations that"
      + " reach the shared repartition topic more than the grace behind are dropped as late (counted in the output).")
  int partitions = 1;

  @Option(names = "--runs", description = "Measured runs of the ceiling and of the topology per guarantee, alternating"
      + " (default ${DEFAULT-VALUE}).")
  int runs = 3;

  @Option(names = "--guarantees", split = ",", description = "Processing guarantees of the topology rows"
      + " (default ${DEFAULT-VALUE}).")
  List<String> guarantees = List.of(StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE);

  @Option(names = "--alos-commit-ms", description = "commit.interval.ms of the at_least_once rows"
      + " (default ${DEFAULT-VALUE}; Kafka's default, 30 s, would put up to 30 s of waiting for the commit that ends"
      + " the clock into the figure). exactly_once_v2 keeps its default, 100 ms.")
  long alosCommitMs = 1_000;

  @Option(names = "--warm-up-runs", description = "Unmeasured topology runs per guarantee before the measured ones"
      + " (default ${DEFAULT-VALUE}): after one, C2 still took 1-7 s of CPU in the next run, on the stream thread's two"
      + " cores, and an app runs for days.")
  int warmUpRuns = 2;

  @Option(names = "--seed", description = "Seed of the generated traffic (default ${DEFAULT-VALUE}).")
  long seed = 1;

  @Option(names = "--jfr", description = "Record each topology run with Java Flight Recorder (profile settings) into"
      + " this folder.")
  Path jfrDir;

  @Option(names = "--set", description = "A Headroom streams setting for the topology runs, e.g."
      + " --set commit.interval.ms=1000 --set kafka.producer.compression.type=lz4 (repeatable).")
  Map<String, String> extraSettings = new LinkedHashMap<>();

  @Option(names = "--broker-jvm", description = "The broker process's JVM: kafka (1 GB heap, G1, full JIT, as Kafka's"
      + " start script runs it) or test (256 MB, serial GC, C1 only, as the tests run it) (default ${DEFAULT-VALUE}).")
  String brokerJvm = "kafka";

  @Option(names = "--max-minutes", description = "The command stops itself (broker included) after this long"
      + " (default ${DEFAULT-VALUE}).")
  double maxMinutes = 9.5;

  private static final long POLL_MS = 100;
  private static final List<Topic<?, ?>> INPUTS = List.of(Topics.SNAPSHOTS, Topics.LATENCY);
  private static final List<Topic<?, ?>> OUTPUTS = List.of(Topics.DELTAS, Topics.LATENCY_WINDOWS, Topics.ALERTS,
      Topics.FINDINGS, Topics.DEADLETTER);
  private final PrintStream out = System.out;
  private final PrintStream err = System.err;

  public static void main(String[] args) {
    // the broker's start-up is polled by clients that warn about every refused connection until it listens
    org.apache.logging.log4j.core.config.Configurator.setLevel("org.apache.kafka.clients.NetworkClient",
        org.apache.logging.log4j.Level.ERROR);
    // a line per late record; the report counts them (dropped-records-total)
    org.apache.logging.log4j.core.config.Configurator.setLevel(
        "org.apache.kafka.streams.kstream.internals.KStreamWindowAggregate", org.apache.logging.log4j.Level.ERROR);
    System.exit(new CommandLine(new StreamsThroughputBench()).execute(args));
  }

  /** What was produced: records, rows and bytes per topic and per section. */
  private static final class Input {
    final Map<String, long[]> bySection = new TreeMap<>(); // messages, rows, bytes
    long records;
    long rows;
    long bytes;
    long samples;
    double produceSeconds;
    Map<TopicPartition, Long> end;

    void add(Encoded e) {
      records++;
      rows += e.rows();
      bytes += e.value().length;
      String key = e.section() == null ? "(latency samples)" : e.section();
      long[] s = bySection.computeIfAbsent(key, k -> new long[3]);
      s[0]++;
      s[1] += e.rows();
      s[2] += e.value().length;
      if (e.section() == null) {
        samples++;
      }
    }
  }

  /** One row of the results: a reader measured several times. */
  private static final class Reader {
    final String label;
    final String guarantee; // null: the ceiling
    final Samples seconds = new Samples();
    final Samples jvmCpu = new Samples();
    final Samples brokerCpu = new Samples();
    final Samples toRunning = new Samples();
    final Samples deltas = new Samples();
    final Samples deltaBytes = new Samples();
    final Samples whileRunning = new Samples();
    final Samples stateBytes = new Samples();
    final Samples changelogOnBroker = new Samples();
    final Samples changelogWritten = new Samples();
    final Samples dropped = new Samples();
    final Map<String, Samples> stateByStore = new TreeMap<>();
    final Map<String, Samples> changelogOnBrokerByStore = new TreeMap<>();
    final Map<String, Samples> changelogWrittenByStore = new TreeMap<>();
    final Map<String, Samples> changelogRecordsByStore = new TreeMap<>();
    final Map<String, Samples> produced = new TreeMap<>();

    boolean floor; // the ceiling's read plus the deltas the contract asks for, without Kafka Streams

    Reader(String label, String guarantee) {
      this.label = label;
      this.guarantee = guarantee;
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

  private int measure(Teardown teardown, long started) throws Exception {
    Path work = Files.createTempDirectory("headroom-streams-bench-");
    teardown.add(() -> Teardown.deleteTree(work));
    long b0 = System.nanoTime();
    KafkaBrokerProcess broker = teardown.add(KafkaBrokerProcess.start(work.resolve("broker"),
        brokerJvm.equals("test") ? KafkaBrokerProcess.TEST_JVM : KafkaBrokerProcess.KAFKA_DEFAULT_JVM));
    double brokerStart = (System.nanoTime() - b0) / 1e9;
    long brokerPid = brokerPid();
    err.printf(Locale.ROOT, "bench: broker at %s (pid %d) serving after %.1f s%n", broker.bootstrapServers(), brokerPid,
        brokerStart);
    Map<String, Object> client = Map.of("bootstrap.servers", broker.bootstrapServers());
    Admin admin = teardown.add(Admin.create(client));

    FleetTraffic traffic = new FleetTraffic(new FleetTraffic.Options(instances, intervals, statements, tables, indexes,
        settings, samplesPerMinute, slowEvery, seed));
    Input input = produce(traffic, client, admin);
    err.printf(Locale.ROOT, "bench: %,d records (%,d snapshot messages, %,d samples), %,.1f MB produced in %.1f s%n",
        input.records, input.records - input.samples, input.samples, input.bytes / 1e6, input.produceSeconds);

    Reader ceiling = new Reader("plain consumer: read + deserialize (the ceiling)", null);
    Reader floor = new Reader("plain consumer: read + deserialize + deltas in a HashMap + write them as JSON (the"
        + " contract's floor)", null);
    floor.floor = true;
    List<Reader> readers = new ArrayList<>(List.of(ceiling, floor));
    for (String g : guarantees) {
      readers.add(new Reader("full topology, " + g + ", 1 stream thread", g));
    }
    Path states = work.resolve("state");
    Reader warmUp = new Reader("warm-up", null);
    warmUp.floor = true;
    runCeiling(warmUp, client, input, brokerPid); // not counted: loads and compiles the JSON and delta paths
    warmCoordinators(client);
    // not counted either: the topology's code gets compiled (C2 took 13 s of CPU in a first run,
    // on the same two cores as the stream thread), as the ceiling's did in its unmeasured read
    for (int w = 0; w < warmUpRuns; w++) {
      for (String g : guarantees) {
        runTopology(new Reader("warm-up", g), "warm-up-" + w, client, admin, states, input, brokerPid);
      }
    }
    for (int round = 0; round < runs; round++) {
      for (int i = 0; i < readers.size(); i++) {
        Reader r = readers.get((i + round) % readers.size()); // rotate so no reader always follows the same one
        if (r.guarantee == null) {
          runCeiling(r, client, input, brokerPid);
        } else {
          runTopology(r, Integer.toString(round), client, admin, states, input, brokerPid);
        }
      }
      StringBuilder medians = new StringBuilder();
      readers.forEach(r -> medians.append(String.format(Locale.ROOT, ", %s %.1f s",
          r.guarantee != null ? r.guarantee : r.floor ? "floor" : "ceiling", r.seconds.median())));
      err.printf(Locale.ROOT, "bench: round %d of %d done (medians so far%s)%n", round + 1, runs, medians);
    }
    report(traffic.options(), traffic.start(), input, brokerStart, readers, ceiling);
    out.printf(Locale.ROOT, "%nWall time of the command %.0f s.%n", (System.nanoTime() - started) / 1e9);
    return 0;
  }

  /** Generates the fleet's records interval by interval and produces them as the collector does (zstd, acks=all). */
  private Input produce(FleetTraffic traffic, Map<String, Object> client, Admin admin) throws Exception {
    TopicAdmin.ensure(client, INPUTS, partitions, (short) 1);
    Properties p = new Properties();
    p.putAll(client);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * FleetTraffic.MESSAGE_MAX_BYTES);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-fleet");
    Input input = new Input();
    long t0 = System.nanoTime();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
        new ByteArraySerializer())) {
      for (int k = 0; k < traffic.options().intervals(); k++) {
        for (Encoded e : traffic.interval(k)) {
          producer.send(new ProducerRecord<>(e.topic(), null, e.timestampMs(), e.key().getBytes(StandardCharsets.UTF_8),
              e.value()));
          input.add(e);
        }
      }
      producer.flush();
    }
    input.produceSeconds = (System.nanoTime() - t0) / 1e9;
    input.end = endOffsets(admin, partitionsOf(admin, INPUTS.stream().map(Topic::name).toList()),
        IsolationLevel.READ_UNCOMMITTED);
    long total = input.end.values().stream().mapToLong(Long::longValue).sum();
    if (total != input.records) {
      throw new IllegalStateException("the input topics hold " + total + " records, " + input.records + " were sent");
    }
    return input;
  }

  /**
   * Makes the broker create its group and transaction coordinators' topics (50 partitions each),
   * as any broker that has served a consumer group and a transactional producer has them; otherwise
   * the first topology run would wait seconds for them inside its clock.
   */
  private void warmCoordinators(Map<String, Object> client) {
    Properties c = new Properties();
    c.putAll(client);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-warm-up");
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(Topics.LATENCY.name(), 0);
      consumer.assign(List.of(tp));
      consumer.commitSync(Map.of(tp, new OffsetAndMetadata(0)), Duration.ofMinutes(2));
    }
    Properties p = new Properties();
    p.putAll(client);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-warm-up");
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
        new ByteArraySerializer())) {
      producer.initTransactions();
    }
  }

  /**
   * The ceiling: assign every input partition, read from the beginning, deserialize key and value
   * of each record. With {@code r.floor}, also the least any implementation of the deltas contract
   * does on top: difference each object's counters against its last reading in a HashMap and write
   * each delta with the contract's serde (no Kafka Streams, no store, no producer).
   */
  private void runCeiling(Reader r, Map<String, Object> client, Input input, long brokerPid) {
    Map<String, dev.headroom.streams.deltas.CounterState> last = new HashMap<>();
    dev.headroom.streams.deltas.DeltaProcessor.Readings readings = new dev.headroom.streams.deltas.DeltaProcessor
        .Readings() {
      @Override
      public dev.headroom.streams.deltas.CounterState get(String key) {
        return last.get(key);
      }

      @Override
      public void put(String key, dev.headroom.streams.deltas.CounterState reading) {
        last.put(key, reading);
      }
    };
    org.apache.kafka.common.serialization.Serializer<dev.headroom.schemas.Delta> deltaWriter =
        Topics.DELTAS.valueSerde().serializer();
    long deltaBytes = 0;
    long deltas = 0;
    Properties p = new Properties();
    p.putAll(client);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "bench-ceiling");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1_000); // what Kafka Streams sets for its consumers
    Deserializer<String> keys = Serdes.String().deserializer();
    String snapshots = Topics.SNAPSHOTS.name();
    long records = 0;
    long rows = 0;
    long misKeyed = 0;
    double cpu0 = CostMeters.jvmCpuMs();
    double broker0 = CostMeters.processCpuMs(brokerPid);
    long t0 = System.nanoTime();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      consumer.assign(input.end.keySet());
      consumer.seekToBeginning(input.end.keySet());
      Set<TopicPartition> remaining = new HashSet<>(input.end.keySet());
      remaining.removeIf(tp -> input.end.get(tp) == 0);
      while (!remaining.isEmpty()) {
        for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(POLL_MS))) {
          String key = keys.deserialize(rec.topic(), rec.key());
          String instance;
          if (rec.topic().equals(snapshots)) {
            Snapshot s = Topics.SNAPSHOT_SERDE.read(rec.value());
            rows += s.rows().size();
            instance = s.instanceId();
            if (r.floor) {
              for (dev.headroom.schemas.Delta d : dev.headroom.streams.deltas.DeltaProcessor.difference(s, readings)) {
                deltaBytes += deltaWriter.serialize(Topics.DELTAS.name(), d).length;
                deltas++;
              }
            }
          } else {
            rows++;
            instance = Topics.LATENCY_SAMPLE_SERDE.read(rec.value()).instanceId();
          }
          misKeyed += key.equals(instance) ? 0 : 1; // uses what was read, so none of it is dead code
          records++;
        }
        remaining.removeIf(tp -> consumer.position(tp) >= input.end.get(tp));
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    r.jvmCpu.add((CostMeters.jvmCpuMs() - cpu0) / 1e3);
    r.brokerCpu.add((CostMeters.processCpuMs(brokerPid) - broker0) / 1e3);
    if (records != input.records || rows != input.rows || misKeyed != 0) {
      throw new IllegalStateException("the ceiling read " + records + " records and " + rows + " rows (" + misKeyed
          + " keyed by another instance), expected " + input.records + " and " + input.rows);
    }
    r.seconds.add(seconds);
    if (r.floor) {
      r.deltas.add(deltas);
      r.deltaBytes.add(deltaBytes);
    }
    err.printf(Locale.ROOT, "bench: %s %.1f s, %,.0f records/s%s%n", r.floor ? "floor" : "ceiling", seconds,
        records / seconds, r.floor ? String.format(Locale.ROOT, ", %,d deltas, %,.1f MB of JSON written", deltas,
            deltaBytes / 1e6) : "");
  }

  /**
   * The full topology on a fresh application id and state directory. The clock starts before the
   * app is constructed (it checks its topics, builds the topology, joins the group, restores
   * nothing) and stops at the first check that finds every input offset committed and every
   * repartition record consumed and committed: all the input has gone through every processor.
   */
  private void runTopology(Reader r, String round, Map<String, Object> client, Admin admin, Path states, Input input,
      long brokerPid) throws Exception {
    String appId = "bench-" + (r.guarantee.startsWith("exactly") ? "eos" : "alos") + "-" + round;
    Path stateDir = states.resolve(appId);
    Files.createDirectories(stateDir);
    TopicAdmin.ensure(client, OUTPUTS, partitions, (short) 1);
    Map<String, Object> props = new HashMap<>();
    props.put(HeadroomStreamsConfig.BOOTSTRAP_SERVERS, client.get("bootstrap.servers"));
    props.put(HeadroomStreamsConfig.APPLICATION_ID, appId);
    props.put(HeadroomStreamsConfig.PROCESSING_GUARANTEE, r.guarantee);
    props.put(HeadroomStreamsConfig.STATE_DIR, stateDir.toString());
    props.put(HeadroomStreamsConfig.NUM_STREAM_THREADS, "1");
    props.put(HeadroomStreamsConfig.TOPICS_PARTITIONS, Integer.toString(partitions));
    props.put(HeadroomStreamsConfig.TOPICS_REPLICATION_FACTOR, "1");
    if (r.guarantee.equals(StreamsConfig.AT_LEAST_ONCE)) {
      props.put(HeadroomStreamsConfig.COMMIT_INTERVAL_MS, Long.toString(alosCommitMs));
    }
    props.putAll(extraSettings);
    HeadroomStreamsConfig config = new HeadroomStreamsConfig(props);
    jdk.jfr.Recording jfr = startJfr();
    double cpu0 = CostMeters.jvmCpuMs();
    double broker0 = CostMeters.processCpuMs(brokerPid);
    long t0 = System.nanoTime();
    HeadroomStreams app = new HeadroomStreams(config);
    double seconds;
    double running = Double.NaN;
    Map<String, Double> produced;
    double dropped;
    Map<String, Double> sentBytes;
    Map<String, Double> sentRecords;
    try {
      app.start();
      try (Drain drain = new Drain(client, admin, appId, input.end)) {
        while (true) {
          KafkaStreams.State state = app.state();
          if (Double.isNaN(running) && state == KafkaStreams.State.RUNNING) {
            running = (System.nanoTime() - t0) / 1e9;
          }
          if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING) {
            throw new IllegalStateException("the streams app stopped (" + state + ")");
          }
          if (drain.done()) {
            break; // a topology that never gets there is stopped by --max-minutes
          }
          TimeUnit.MILLISECONDS.sleep(POLL_MS);
        }
      }
      seconds = (System.nanoTime() - t0) / 1e9;
      r.jvmCpu.add((CostMeters.jvmCpuMs() - cpu0) / 1e3);
      r.brokerCpu.add((CostMeters.processCpuMs(brokerPid) - broker0) / 1e3);
      produced = clientMetric("kafka.streams:type=stream-topic-metrics", "thread-id", appId, "records-produced-total",
          "topic");
      dropped = clientMetric("kafka.streams:type=stream-task-metrics", "thread-id", appId, "dropped-records-total", null)
          .getOrDefault("all", 0.0);
      sentBytes = clientMetric("kafka.producer:type=producer-topic-metrics", "client-id", appId, "byte-total", "topic");
      sentRecords = clientMetric("kafka.producer:type=producer-topic-metrics", "client-id", appId, "record-send-total",
          "topic");
    } finally {
      app.close();
      stopJfr(jfr, appId);
    }
    r.seconds.add(seconds);
    r.toRunning.add(running);
    r.whileRunning.add(seconds - running);
    r.dropped.add(dropped);
    produced.forEach((topic, n) -> r.produced.computeIfAbsent(topic.replace(appId + "-", "<app>-"),
        k -> new Samples()).add(n));

    Map<String, Long> local = StateFootprint.local(stateDir.resolve(appId));
    Map<String, Long> onBroker = StateFootprint.changelogs(admin, appId);
    r.stateBytes.add(local.values().stream().mapToLong(Long::longValue).sum());
    r.changelogOnBroker.add(onBroker.values().stream().mapToLong(Long::longValue).sum());
    local.forEach((store, bytes) -> r.stateByStore.computeIfAbsent(store, k -> new Samples()).add(bytes));
    onBroker.forEach((store, bytes) -> r.changelogOnBrokerByStore.computeIfAbsent(store, k -> new Samples()).add(bytes));
    String prefix = appId + "-";
    String suffix = "-changelog";
    double written = 0;
    for (Map.Entry<String, Double> e : sentBytes.entrySet()) {
      String topic = e.getKey();
      if (topic.startsWith(prefix) && topic.endsWith(suffix)) {
        String store = topic.substring(prefix.length(), topic.length() - suffix.length());
        r.changelogWrittenByStore.computeIfAbsent(store, k -> new Samples()).add(e.getValue());
        r.changelogRecordsByStore.computeIfAbsent(store, k -> new Samples()).add(sentRecords.getOrDefault(topic, 0.0));
        written += e.getValue();
      }
    }
    r.changelogWritten.add(written);
    err.printf(Locale.ROOT, "bench: %s %.1f s, %,.0f records/s (RUNNING after %.1f s), %,.0f records dropped,"
        + " state %,.1f MB%n", appId, seconds, input.records / seconds, running, dropped, r.stateBytes.max() / 1e6);

    // Not measured: the next run starts on empty output topics and a clean disk.
    deleteTopics(admin, appId);
    Teardown.deleteTree(stateDir);
  }

  /**
   * Whether the app has consumed and committed everything: every input partition's committed
   * offset is its end, and every repartition partition either is committed to its end or holds
   * nothing readable (under exactly-once, the offset a transaction marker takes) past its
   * committed offset.
   */
  private static final class Drain implements AutoCloseable {
    private final Admin admin;
    private final String appId;
    private final Map<TopicPartition, Long> inputEnd;
    private final KafkaConsumer<byte[], byte[]> probe;

    Drain(Map<String, Object> client, Admin admin, String appId, Map<TopicPartition, Long> inputEnd) {
      this.admin = admin;
      this.appId = appId;
      this.inputEnd = inputEnd;
      Properties p = new Properties();
      p.putAll(client);
      p.put(ConsumerConfig.CLIENT_ID_CONFIG, "bench-drain-probe");
      p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
      this.probe = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    boolean done() throws Exception {
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(appId)
          .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
      for (Map.Entry<TopicPartition, Long> e : inputEnd.entrySet()) {
        OffsetAndMetadata c = committed.get(e.getKey());
        if (e.getValue() > 0 && (c == null || c.offset() < e.getValue())) {
          return false;
        }
      }
      List<TopicPartition> repartition = partitionsOf(admin, admin.listTopics().names().get(30, TimeUnit.SECONDS)
          .stream().filter(t -> t.startsWith(appId + "-") && t.endsWith("-repartition")).toList());
      Map<TopicPartition, Long> end = endOffsets(admin, repartition, IsolationLevel.READ_COMMITTED);
      List<TopicPartition> behind = new ArrayList<>();
      for (TopicPartition tp : repartition) {
        OffsetAndMetadata c = committed.get(tp);
        long from = c == null ? 0 : c.offset();
        if (from < end.get(tp)) {
          behind.add(tp);
        }
      }
      if (behind.isEmpty()) {
        return true;
      }
      // read_committed: a partition whose only offsets past the committed one are markers returns nothing
      probe.assign(behind);
      for (TopicPartition tp : behind) {
        OffsetAndMetadata c = committed.get(tp);
        probe.seek(tp, c == null ? 0 : c.offset());
      }
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
      while (System.nanoTime() < until) {
        if (!probe.poll(Duration.ofMillis(50)).isEmpty()) {
          return false;
        }
        boolean allAtEnd = true;
        for (TopicPartition tp : behind) {
          allAtEnd &= probe.position(tp) >= end.get(tp);
        }
        if (allAtEnd) {
          return true;
        }
      }
      return false;
    }

    @Override
    public void close() {
      probe.close();
    }
  }

  /**
   * Sums of one metric of one application's Kafka Streams or its clients over their MBeans (read
   * before the app closes), by the value of one key property; MBeans of other applications (told
   * by {@code owner}, the thread or client id) and MBeans without the attribute (a source node's
   * topic metrics have no produced counts) are passed over.
   */
  private static Map<String, Double> clientMetric(String mbeans, String owner, String appId, String attribute,
      String by) throws Exception {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    Map<String, Double> out = new TreeMap<>();
    for (ObjectName name : server.queryNames(new ObjectName(mbeans + ",*"), null)) {
      String id = name.getKeyProperty(owner);
      if (id == null || !id.startsWith(appId + "-")) {
        continue;
      }
      boolean has = java.util.Arrays.stream(server.getMBeanInfo(name).getAttributes())
          .anyMatch(a -> a.getName().equals(attribute));
      if (has && server.getAttribute(name, attribute) instanceof Number n) {
        out.merge(by == null ? "all" : name.getKeyProperty(by), n.doubleValue(), Double::sum);
      }
    }
    return out;
  }

  /** The application's internal topics and the shared output topics: each run writes on empty ones. */
  private static void deleteTopics(Admin admin, String appId) throws Exception {
    Set<String> outputs = new HashSet<>(OUTPUTS.stream().map(Topic::name).toList());
    List<String> doomed = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
        .filter(t -> t.startsWith(appId + "-") || outputs.contains(t)).toList();
    admin.deleteTopics(doomed).all().get(60, TimeUnit.SECONDS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      Set<String> left = new HashSet<>(admin.listTopics().names().get(30, TimeUnit.SECONDS));
      left.retainAll(doomed);
      if (left.isEmpty()) {
        return;
      }
      TimeUnit.MILLISECONDS.sleep(200);
    }
    throw new IllegalStateException("topics still there 60 s after deletion: " + doomed);
  }

  private static List<TopicPartition> partitionsOf(Admin admin, List<String> topics) throws Exception {
    List<TopicPartition> out = new ArrayList<>();
    if (topics.isEmpty()) {
      return out;
    }
    admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).forEach((name, d) ->
        d.partitions().forEach(p -> out.add(new TopicPartition(name, p.partition()))));
    out.sort(Comparator.comparing(TopicPartition::toString));
    return out;
  }

  private static Map<TopicPartition, Long> endOffsets(Admin admin, List<TopicPartition> partitions,
      IsolationLevel isolation) throws Exception {
    Map<TopicPartition, OffsetSpec> spec = new HashMap<>();
    partitions.forEach(tp -> spec.put(tp, OffsetSpec.latest()));
    Map<TopicPartition, Long> out = new LinkedHashMap<>();
    if (spec.isEmpty()) {
      return out;
    }
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> r = admin.listOffsets(spec,
        new org.apache.kafka.clients.admin.ListOffsetsOptions(isolation)).all().get(30, TimeUnit.SECONDS);
    partitions.forEach(tp -> out.put(tp, r.get(tp).offset()));
    return out;
  }

  /** The broker: this JVM's child that runs {@code kafka.Kafka} (from /proc; ProcessHandle.Info leaves it out). */
  private static long brokerPid() {
    return ProcessHandle.current().children().filter(ProcessHandle::isAlive).filter(h -> {
      try {
        String cmdline = Files.readString(Path.of("/proc", Long.toString(h.pid()), "cmdline"), StandardCharsets.UTF_8);
        return List.of(cmdline.split("\u0000")).contains("kafka.Kafka");
      } catch (java.io.IOException e) {
        return false;
      }
    }).findFirst().orElseThrow(() -> new IllegalStateException("no broker process among this JVM's children")).pid();
  }

  private jdk.jfr.Recording startJfr() throws Exception {
    if (jfrDir == null) {
      return null;
    }
    jdk.jfr.Recording recording = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
    recording.start();
    return recording;
  }

  private void stopJfr(jdk.jfr.Recording recording, String appId) throws Exception {
    if (recording == null) {
      return;
    }
    recording.stop();
    Files.createDirectories(jfrDir);
    Path file = jfrDir.resolve(appId + ".jfr");
    recording.dump(file);
    recording.close();
    err.println("bench: flight recording in " + file);
  }

  // ---- the report ----

  private void report(FleetTraffic.Options o, java.time.Instant start, Input input, double brokerStart,
      List<Reader> readers, Reader ceiling) {
    out.println("## Streams throughput");
    out.println();
    out.printf(Locale.ROOT, "%d CPUs, Java %s, Kafka Streams %s; a KRaft broker process on 127.0.0.1 (testkit's"
            + " KafkaBrokerProcess, JVM options %s, serving after %.1f s), %d partition(s) per topic, replication 1.%n%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        org.apache.kafka.common.utils.AppInfoParser.getVersion(),
        String.join(" ", brokerJvm.equals("test") ? KafkaBrokerProcess.TEST_JVM : KafkaBrokerProcess.KAFKA_DEFAULT_JVM),
        brokerStart, partitions);
    if (!extraSettings.isEmpty()) {
      out.printf(Locale.ROOT, "Topology settings besides the defaults: %s.%n%n", extraSettings);
    }
    out.printf(Locale.ROOT, "Input: %d instances × %d one-minute intervals (%s to %s), %d statements, %d tables, %d"
            + " indexes, %d settings per instance, tables/indexes/settings every %d interval(s), %d latency samples per"
            + " instance and minute; %,d records, %,d rows, %,.1f MB of JSON (zstd on the broker), generated and"
            + " produced once in %.1f s.%n%n",
        o.instances(), o.intervals(), start, FleetTraffic.END,
        o.statements(), o.tables(), o.indexes(), o.settings(), o.slowEvery(), o.samplesPerMinute(), input.records,
        input.rows, input.bytes / 1e6, input.produceSeconds);
    out.println("| input | messages | rows | MB | kB per message |");
    out.println("|---|---:|---:|---:|---:|");
    input.bySection.forEach((section, s) -> out.printf(Locale.ROOT, "| %s | %,d | %,d | %,.1f | %,.1f |%n", section,
        s[0], s[1], s[2] / 1e6, s[2] / 1e3 / s[0]));
    out.println();
    out.printf(Locale.ROOT, "%d measured runs of each after one unmeasured read by the contract's floor (which includes the"
        + " ceiling's work) and " + warmUpRuns + " unmeasured run(s) of the topology per guarantee (so the JIT"
        + " has compiled both), alternating; median"
        + " (min–max). The clock of a topology run"
        + " starts before `new HeadroomStreams(config)` (topic check, topology build, group join, task and store"
        + " creation) and stops at the first check (every %d ms) that finds every input offset committed by the app"
        + " and every repartition record consumed and committed; closing the app is not timed. \"While RUNNING\" is"
        + " that clock from the first time the app reports RUNNING (group joined, tasks and stores created): the"
        + " stream thread's throughput without the one-off start-up. The ceiling's clock"
        + " covers creating the consumer, assigning every input partition and reading and deserializing every"
        + " record. CPU: this JVM's process CPU (stream thread, clients, GC, JIT) and the broker process's, from"
        + " /proc, over the clocked span.%n%n", runs, POLL_MS);
    out.println("| reader | seconds | records/s | rows/s | MB/s | JVM CPU s | broker CPU s | records per JVM CPU-second |"
        + " RUNNING after s | seconds while RUNNING | records/s while RUNNING | records dropped (late) |");
    out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (Reader r : readers) {
      double s = r.seconds.median();
      boolean app = r.guarantee != null;
      out.printf(Locale.ROOT, "| %s | %s | %,.0f | %,.0f | %,.1f | %s | %s | %,.0f | %s | %s | %s | %s |%n", r.label,
          r.seconds.format(1), input.records / s, input.rows / s, input.bytes / 1e6 / s, r.jvmCpu.format(1),
          r.brokerCpu.format(1), input.records / r.jvmCpu.median(), app ? r.toRunning.format(1) : "–",
          app ? r.whileRunning.format(1) : "–",
          app ? String.format(Locale.ROOT, "%,.0f", input.records / r.whileRunning.median()) : "–",
          app ? r.dropped.format(0) : "–");
    }
    out.println();
    out.println("| comparison (ratio of medians) | figure | goal |");
    out.println("|---|---:|---|");
    Reader floor = readers.stream().filter(r -> r.floor).findFirst().orElseThrow();
    out.printf(Locale.ROOT, "| contract's floor ÷ ceiling, records/s (%,.0f deltas, %,.1f MB of JSON out for %,.1f MB"
            + " in) | %.2f× | – |%n", floor.deltas.median(), floor.deltaBytes.median() / 1e6, input.bytes / 1e6,
        ceiling.seconds.median() / floor.seconds.median());
    for (Reader r : readers) {
      if (r.guarantee == null) {
        continue;
      }
      out.printf(Locale.ROOT, "| topology (%s) ÷ contract's floor, records/s while RUNNING | %.2f× | – |%n",
          r.guarantee, floor.seconds.median() / r.whileRunning.median());
      double ratio = ceiling.seconds.median() / r.seconds.median();
      out.printf(Locale.ROOT, "| topology (%s) ÷ ceiling, records/s (start-up included) | %.2f× | – |%n",
          r.guarantee, ratio);
      double steady = ceiling.seconds.median() / r.whileRunning.median();
      out.printf(Locale.ROOT, "| topology (%s) ÷ ceiling, records/s while RUNNING | %.2f× | ≥ 0.5×: %s |%n",
          r.guarantee, steady, steady >= 0.5 ? "met" : "**missed**");
      out.printf(Locale.ROOT, "| topology (%s) ÷ ceiling, records per JVM CPU-second | %.2f× | – |%n", r.guarantee,
          ceiling.jvmCpu.median() / r.jvmCpu.median());
    }
    out.println();
    for (Reader r : readers) {
      if (r.guarantee == null) {
        continue;
      }
      out.printf(Locale.ROOT, "#### State of the topology, %s (after the run, app closed)%n%n", r.guarantee);
      out.printf(Locale.ROOT, "State directory %s MB in all, **%s kB per monitored instance**. Changelogs: %s MB"
              + " written (%s kB per instance; the producer's byte-total), %s MB on the broker after the run (the log"
              + " cleaner compacts segments once they roll).%n%n", mb(r.stateBytes), kbPer(r.stateBytes, o.instances()),
          mb(r.changelogWritten), kbPer(r.changelogWritten, o.instances()), mb(r.changelogOnBroker));
      out.println("| store | state dir MB | kB per instance | changelog records written | changelog MB written |"
          + " bytes per record | changelog MB on the broker |");
      out.println("|---|---:|---:|---:|---:|---:|---:|");
      List<String> stores = new ArrayList<>(r.stateByStore.keySet());
      r.changelogWrittenByStore.keySet().stream().filter(s -> !stores.contains(s)).forEach(stores::add);
      stores.sort(Comparator.comparingDouble((String s) -> r.stateByStore.containsKey(s)
          ? r.stateByStore.get(s).median() : 0).reversed());
      for (String store : stores) {
        Samples local = r.stateByStore.getOrDefault(store, new Samples());
        Samples written = r.changelogWrittenByStore.getOrDefault(store, new Samples());
        Samples records = r.changelogRecordsByStore.getOrDefault(store, new Samples());
        Samples onBroker = r.changelogOnBrokerByStore.getOrDefault(store, new Samples());
        out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s |%n", store, local.isEmpty() ? "–" : mb(local),
            local.isEmpty() ? "–" : kbPer(local, o.instances()),
            records.isEmpty() ? "–" : String.format(Locale.ROOT, "%,.0f", records.median()),
            written.isEmpty() ? "–" : mb(written),
            written.isEmpty() || !(records.median() > 0) ? "–"
                : String.format(Locale.ROOT, "%,.0f", written.median() / records.median()),
            onBroker.isEmpty() ? "–" : mb(onBroker));
      }
      out.println();
      out.print("Records written per run (Kafka Streams' records-produced-total, median): ");
      List<String> parts = new ArrayList<>();
      r.produced.forEach((topic, n) -> parts.add(String.format(Locale.ROOT, "%s %,.0f", topic, n.median())));
      out.println(String.join(", ", parts) + ".");
      out.println();
    }
  }

  private static String mb(Samples s) {
    return String.format(Locale.ROOT, "%,.1f", s.median() / 1e6);
  }

  private static String kbPer(Samples s, int instances) {
    return String.format(Locale.ROOT, "%,.0f", s.median() / 1e3 / instances);
  }

  private void validate() {
    CommandLine cl = new CommandLine(this);
    if (instances < 1 || intervals < 2 || statements < 0 || tables < 1 || indexes < 0 || settings < 0
        || samplesPerMinute < 0 || slowEvery < 1 || partitions < 1) {
      throw new CommandLine.ParameterException(cl, "need --instances ≥ 1, --intervals ≥ 2, --tables ≥ 1, --slow-every ≥ 1,"
          + " --partitions ≥ 1 and no negative counts");
    }
    if (runs < 1 || guarantees.isEmpty() || !(maxMinutes > 0) || alosCommitMs < 1) {
      throw new CommandLine.ParameterException(cl, "need --runs ≥ 1, a guarantee, --max-minutes > 0, --alos-commit-ms ≥ 1");
    }
    if (!brokerJvm.equals("kafka") && !brokerJvm.equals("test")) {
      throw new CommandLine.ParameterException(cl, "--broker-jvm takes kafka or test, not " + brokerJvm);
    }
    for (String g : guarantees) {
      if (!g.equals(StreamsConfig.EXACTLY_ONCE_V2) && !g.equals(StreamsConfig.AT_LEAST_ONCE)) {
        throw new CommandLine.ParameterException(cl, "--guarantees takes exactly_once_v2 and at_least_once, not " + g);
      }
    }
  }
}
