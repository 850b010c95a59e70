package dev.headroom.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.headroom.schemas.Alert;
import dev.headroom.schemas.DeadLetter;
import dev.headroom.schemas.Delta;
import dev.headroom.schemas.DeployCheck;
import dev.headroom.schemas.Finding;
import dev.headroom.schemas.Json;
import dev.headroom.schemas.JsonSerde;
import dev.headroom.schemas.LatencySketches;
import dev.headroom.schemas.LatencyWindow;
import dev.headroom.schemas.Message;
import dev.headroom.schemas.Projection;
import dev.headroom.schemas.TopicAdmin;
import dev.headroom.schemas.Topics;
import dev.headroom.schemas.Trend;
import dev.headroom.schemas.Usage;
import dev.headroom.testkit.KafkaFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import java.util.function.ToIntFunction;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract every database the sink writes must meet, extended once per kind of database.
 * Real services only: the shared in-JVM Kafka broker and a real PostgreSQL or TimescaleDB server,
 * with a fresh database, consumer group and (but for the first case) topic per case.
 */
abstract class AbstractSinkWriterIT {
  static final KafkaFixture KAFKA = KafkaFixture.get();
  private static final Duration AT_MOST = Duration.ofSeconds(60);
  private static final AtomicInteger CASES = new AtomicInteger();
  /**
   * The first window's start: yesterday, on the hour. Not a fixed date: the broker deletes records
   * older than its retention (7 days), and a fixed date once made the windows vanish from the topic.
   */
  private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofDays(1));

  /** A database for one case. */
  interface TestDatabase {
    String url();

    String user();

    String password();
  }

  /** A database the case can take down and bring back, its data kept. */
  interface StoppableDatabase extends TestDatabase {
    void stop();

    void start();
  }

  /** A new, empty database; {@code name} is short, lower case, letters, digits and underscores. */
  protected abstract TestDatabase freshDatabase(String name);

  /** A new, empty database that can be stopped. */
  protected abstract StoppableDatabase stoppableDatabase(String name);

  /** Removes the case's databases; called once its sinks have stopped. */
  protected abstract void dropDatabases();

  protected abstract StorageMode expectedMode();

  /** Runs a statement as the superuser on the server that holds the case's databases (roles are the server's). */
  protected abstract void onServer(String sql);

  /** Checks how latency_windows is stored (hypertable or plain table). */
  protected abstract void assertStorageLayout(Connection connection) throws SQLException;

  /** Brings materialized aggregates up to date, where there are any (continuous aggregates). */
  protected void refreshAggregates(Connection connection) throws SQLException {}

  private final List<RunningSink> sinks = new ArrayList<>();
  private final List<String> roles = new ArrayList<>();
  /** Unique per case, for topics, groups and instance ids. */
  private String name;
  /** Unique per case too, but short: database names are cut at 63 bytes. */
  private String databaseName;
  private String group;
  private KafkaProducer<String, byte[]> producer;

  private record RunningSink(HeadroomSink sink, Thread thread, AtomicReference<Throwable> failure) {}

  @BeforeEach
  void setUp(TestInfo info) {
    int number = CASES.incrementAndGet();
    name = (expectedMode().name() + "_" + info.getTestMethod().orElseThrow().getName() + "_" + number).toLowerCase();
    databaseName = "sink_it_" + number;
    group = "sink-it-" + name;
    Properties props = new Properties();
    props.put("bootstrap.servers", KAFKA.bootstrapServers());
    props.put("acks", "all");
    producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }

  @AfterEach
  void tearDown() {
    sinks.forEach(s -> s.sink().close());
    producer.close();
    dropDatabases();
    roles.forEach(role -> onServer("DROP ROLE IF EXISTS " + role));
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void shouldWriteEachWindowExactlyOnceWithItsValues() throws Exception {
    TopicAdmin.ensure(KAFKA.clientConfig(), List.of(Topics.LATENCY_WINDOWS), 2, (short) 1);
    // The real topic is shared by the cases of every subclass: these rows are told apart by instance.
    String instance = name + "/orders-1";
    List<LatencyWindow> sent = new ArrayList<>();
    for (int minute = 0; minute < 6; minute++) {
      sent.add(window(instance, "instance", minute, 40 + minute));
      sent.add(window(instance, "db:orders", minute, 80 + minute));
    }
    produce(Topics.LATENCY_WINDOWS.name(), sent);
    long end = endOffsets(Topics.LATENCY_WINDOWS.name());
    TestDatabase db = freshDatabase(databaseName);

    HeadroomSink sink = start(new HeadroomSink(config(db)));
    awaitStoredOffsets(sink, db, Topics.LATENCY_WINDOWS.name(), end);

    assertThat(windowsIn(db, instance)).containsExactlyInAnyOrderElementsOf(sent);
    LatencyWindow first = sent.get(0);
    try (Connection c = connect(db); PreparedStatement s = c.prepareStatement(
        "SELECT sketch, p95_ms, window_size FROM latency_windows WHERE instance_id = ? AND scope = ? AND window_end = ?")) {
      s.setString(1, first.instanceId());
      s.setString(2, first.scope());
      s.setObject(3, OffsetDateTime.ofInstant(first.windowEnd(), ZoneOffset.UTC));
      try (ResultSet rs = s.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getBytes(1)).isEqualTo(Base64.getDecoder().decode(first.sketch()));
        assertThat(rs.getDouble(2)).isEqualTo(first.p95Ms());
        assertThat(rs.getString(3)).isEqualTo("PT1M");
      }
      assertStorageLayout(c);
    }
    assertThat(sink.storageMode()).contains(expectedMode());
    assertThat(sink.rowsWritten()).isGreaterThanOrEqualTo(sent.size());
    assertThat(sink.deadLetters()).isZero();
  }

  @Test
  void shouldWriteEveryResultTopicToItsTableWithEveryValue() throws Exception {
    String a = name + "/db-a";
    String b = name + "/db-b";
    Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(3_600);
    Map<ResultTable, List<Message>> sent = new EnumMap<>(ResultTable.class);
    sent.put(ResultTable.DELTAS, List.of(
        new Delta(Delta.SCHEMA, a, "tables", "orders.public.t1", t, t.minusSeconds(60), 60_000, false, true,
            Map.of("datname", "orders", "schema", "public"), Map.of("seq_scan", 3.0, "n_tup_ins", 120.0),
            Map.of("seq_scan", 0.05, "n_tup_ins", 2.0)),
        new Delta(Delta.SCHEMA, a, "statements", "tab\there\nnew line", t, t.minusSeconds(60), 60_000, true, false,
            Map.of(), Map.of("calls", 0.5), Map.of("calls", 0.5 / 60))));
    sent.put(ResultTable.LATENCY_WINDOWS, List.of(window(a, "instance", 0, 42.5)));
    sent.put(ResultTable.ALERTS, List.of(
        new Alert(Alert.SCHEMA, a, "p95-warning", "instance", "p95_ms", "warning", "pending", t, t, 85, 80, 600_000),
        new Alert(Alert.SCHEMA, a, "p95-warning", "instance", "p95_ms", "warning", "firing", t, t.plusSeconds(600), 90,
            80, 600_000),
        new Alert(Alert.SCHEMA, a, "p95-critical", "instance", "p95_ms", "critical", "firing", t, t.plusSeconds(300),
            99, 95, 300_000),
        new Alert(Alert.SCHEMA, b, "cache-hit", "db:x", "cache_hit_ratio", "warning", "pending", t, t, 0.9, 0.99, 0),
        new Alert(Alert.SCHEMA, b, "cache-hit", "db:x", "cache_hit_ratio", "warning", "resolved", t,
            t.plusSeconds(60), 0.995, 0.99, 0)));
    sent.put(ResultTable.FINDINGS, List.of(
        new Finding(Finding.SCHEMA, a, "unused_index", "orders.public.t1_idx", "warning", 0, 0, "Drop it.", t),
        new Finding(Finding.SCHEMA, a, "xid_age", "orders", "critical", 1.6e9, 1.2e9, "VACUUM FREEZE it.", t),
        new Finding(Finding.SCHEMA, a, "unused_index", "orders.public.t1_idx", "ok", 4, 0, null, t.plusSeconds(60))));
    sent.put(ResultTable.TRENDS, List.of(
        new Trend(Trend.SCHEMA, a, "p95_ms", "instance", "PT1H", t, 40, t.minusSeconds(7 * 86_400), 32, 25.0),
        new Trend(Trend.SCHEMA, a, "p95_ms", "instance", "PT1H", t.plusSeconds(3_600), 30, t.minusSeconds(7 * 86_400 - 3_600),
            0, null)));
    sent.put(ResultTable.USAGE, List.of(
        new Usage(Usage.SCHEMA, a, "storage", t, 5.0e11, 1.0e12, "bytes"),
        new Usage(Usage.SCHEMA, a, "wal", t, 3.2e9, null, "bytes/day")));
    sent.put(ResultTable.PROJECTIONS, List.of(
        projection(a, "storage", "baseline", 40.0, t.minusSeconds(86_400)),
        projection(a, "storage", "baseline", 30.0, t), // the latest of its key
        projection(a, "connections", "baseline", 12.5, t),
        projection(a, "connections", "traffic-x3", 3.0, t),
        projection(b, "cpu", "baseline", null, t),
        projection(b, "xid", "baseline", 200.0, t)));
    sent.put(ResultTable.DEPLOY_CHECKS, List.of(
        new DeployCheck(DeployCheck.SCHEMA, a, "V42__orders", t, 900_000, "p95_ms", "instance", 40.0, 52.0, 30.0,
            "regressed"),
        new DeployCheck(DeployCheck.SCHEMA, a, null, t, 900_000, "tps", null, null, null, null, "unknown")));
    Map<ResultTable, String> topics = new EnumMap<>(ResultTable.class);
    long total = 0;
    for (Map.Entry<ResultTable, List<Message>> e : sent.entrySet()) {
      String topic = "it-sink-" + name + "-" + e.getKey().tableName();
      createTopic(topic, 2);
      topics.put(e.getKey(), topic);
      for (Message m : e.getValue()) {
        send(topic, (String) columns(m).get("instance_id"), serde(e.getKey()).write(m));
      }
      total += e.getValue().size();
    }
    TestDatabase db = freshDatabase(databaseName);

    HeadroomSink sink = start(new HeadroomSink(config(db), topics));
    awaitStoredOffsets(sink, db, topics.values(), total);

    try (Connection c = connect(db)) {
      for (ResultTable table : ResultTable.values()) {
        List<Map<String, Object>> expected = sent.get(table).stream().map(AbstractSinkWriterIT::columns).toList();
        assertThat(rows(c, table.tableName(), expected.get(0).keySet()))
            .as(table.tableName()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(sink.rowsWritten(table)).as("rows written to " + table.tableName()).isEqualTo(expected.size());
      }
      assertThat(query(c, "SELECT instance_id, rule, state FROM open_alerts"))
          .as("open_alerts: the later transition of each alert, the most severe first")
          .containsExactly(List.of(a, "p95-critical", "firing"), List.of(a, "p95-warning", "firing"));
      assertThat(query(c, "SELECT instance_id, check_name, object, severity FROM current_findings"))
          .as("current_findings: the cleared finding is gone")
          .containsExactly(List.of(a, "xid_age", "orders", "critical"));
      assertThat(query(c, "SELECT instance_id, resource, scenario, runway_days FROM forecast"))
          .as("forecast: the latest projection of each key")
          .containsExactlyInAnyOrder(List.of(a, "storage", "baseline", 30.0), List.of(a, "connections", "baseline", 12.5),
              List.of(a, "connections", "traffic-x3", 3.0), Arrays.asList(b, "cpu", "baseline", null),
              List.of(b, "xid", "baseline", 200.0));
      assertThat(query(c, "SELECT instance_id, bottleneck, runway_days FROM fleet_runway"))
          .as("fleet_runway: the baseline's shortest runway per instance, shortest first")
          .containsExactly(List.of(a, "connections", 12.5), List.of(b, "xid", 200.0));
      assertThat(query(c, "SELECT metric, bucket_start, value, direction FROM trend_wow"))
          .containsExactly(Arrays.asList("p95_ms", t.plusSeconds(3_600), 30.0, null));
      assertThat(query(c, "SELECT instance_id, scope, window_size, p95_ms FROM latency_p95"))
          .containsExactly(List.of(a, "instance", "PT1M", 42.5));
      refreshAggregates(c);
      assertThat(query(c, "SELECT resource, bucket, peak, capacity, readings FROM usage_hourly ORDER BY resource"))
          .as("usage_hourly: each series' peak per UTC hour")
          .containsExactly(List.of("storage", t.truncatedTo(ChronoUnit.HOURS), 5.0e11, 1.0e12, 1L),
              Arrays.asList("wal", t.truncatedTo(ChronoUnit.HOURS), 3.2e9, null, 1L));
      assertStorageLayout(c);
    }
    assertThat(sink.deadLetters()).isZero();
    String scraped = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + sink.metricsPort() + "/metrics")).build(), BodyHandlers.ofString()).body();
    assertThat(scraped).contains("headroom_sink_rows_written_total{table=\"deltas\"} 2.0",
        "headroom_sink_rows_written_total{table=\"alerts\"} 5.0", "headroom_sink_batch_duration_seconds_count",
        "headroom_sink_lag_records 0.0", "headroom_sink_retries_total 0.0");
  }

  @Test
  void shouldDropChunksOrPartitionsOlderThanTheRetentionAndKeepTheRest() throws Exception {
    String topic = createTopic(1);
    String instance = name + "/a";
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    for (Usage u : List.of(
        new Usage(Usage.SCHEMA, instance, "storage", now.minus(Duration.ofDays(30)), 1, 10.0, "bytes"),
        new Usage(Usage.SCHEMA, instance, "storage", now.minus(Duration.ofDays(10)), 2, 10.0, "bytes"),
        new Usage(Usage.SCHEMA, instance, "storage", now.minus(Duration.ofHours(1)), 3, 10.0, "bytes"))) {
      send(topic, instance, Topics.USAGE_SERDE.write(u));
    }
    TestDatabase db = freshDatabase(databaseName);
    Map<String, Object> props = configMap(db);
    props.put(SinkConfig.retentionKey(ResultTable.USAGE), "forever");
    props.put(SinkConfig.chunkIntervalKey(ResultTable.USAGE), "1 day");
    props.put(SinkConfig.RETENTION_CHECK_INTERVAL_MS, 1_000L);
    HeadroomSink keeping = start(new HeadroomSink(SinkConfig.fromMap(props), Map.of(ResultTable.USAGE, topic)));
    awaitStoredOffsets(keeping, db, topic, 3);
    keeping.close();
    assertThat(keeping.rowsWritten(ResultTable.USAGE)).isEqualTo(3);
    assertThat(keeping.chunksDropped()).isZero();

    // Restarted with a week's retention: the chunks or partitions of the two old rows go.
    props.put(SinkConfig.retentionKey(ResultTable.USAGE), "7 days");
    HeadroomSink sink = start(new HeadroomSink(SinkConfig.fromMap(props), Map.of(ResultTable.USAGE, topic)));
    await().atMost(AT_MOST).ignoreExceptions().untilAsserted(() -> {
      try (Connection c = connect(db)) {
        assertThat(query(c, "SELECT value FROM usage")).containsExactly(List.of(3.0));
      }
    });
    assertThat(sink.chunksDropped()).as("the two chunks or partitions of the old rows").isEqualTo(2);

    // A record already past the retention is not written at all: no chunk or partition for it.
    send(topic, instance, Topics.USAGE_SERDE.write(
        new Usage(Usage.SCHEMA, instance, "storage", now.minus(Duration.ofDays(20)), 4, 10.0, "bytes")));
    awaitStoredOffsets(sink, db, topic, 4);
    assertThat(sink.rowsExpired()).isEqualTo(1);
    assertThat(sink.rowsWritten()).isZero();
    try (Connection c = connect(db)) {
      assertThat(query(c, "SELECT value FROM usage")).containsExactly(List.of(3.0));
    }
  }

  @Test
  void shouldUpgradeADatabaseOfVersion1KeepingItsWindowsAndOffsets() throws Exception {
    String topic = createTopic(1);
    List<LatencyWindow> before = windows(2, 3, 0);
    produce(topic, before);
    TestDatabase db = freshDatabase(databaseName);
    // The schema as version 0.1's first sink left it: latency_windows and sink_offsets only.
    Flyway.configure().dataSource(db.url(), db.user(), db.password()).locations("classpath:db/migration").target("1")
        .load().migrate();
    try (Connection c = connect(db); PreparedStatement s = c.prepareStatement("INSERT INTO latency_windows"
        + " (instance_id, scope, window_size, window_start, window_end, count, p50_ms, p95_ms, p99_ms, max_ms, method,"
        + " sketch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      for (LatencyWindow w : before) {
        s.setString(1, w.instanceId());
        s.setString(2, w.scope());
        s.setString(3, w.window());
        s.setObject(4, OffsetDateTime.ofInstant(w.windowStart(), ZoneOffset.UTC));
        s.setObject(5, OffsetDateTime.ofInstant(w.windowEnd(), ZoneOffset.UTC));
        s.setLong(6, w.count());
        s.setDouble(7, w.p50Ms());
        s.setDouble(8, w.p95Ms());
        s.setDouble(9, w.p99Ms());
        s.setDouble(10, w.maxMs());
        s.setString(11, w.method());
        s.setBytes(12, Base64.getDecoder().decode(w.sketch()));
        s.addBatch();
      }
      s.executeBatch();
      try (PreparedStatement o = c.prepareStatement(
          "INSERT INTO sink_offsets (consumer_group, topic, partition, next_offset) VALUES (?, ?, 0, ?)")) {
        o.setString(1, group);
        o.setString(2, topic);
        o.setLong(3, before.size());
        o.execute();
      }
    }
    List<LatencyWindow> after = windows(2, 2, 3);
    produce(topic, after);

    HeadroomSink sink = start(new HeadroomSink(config(db), topic));
    awaitStoredOffsets(sink, db, topic, before.size() + after.size());

    List<LatencyWindow> all = new ArrayList<>(before);
    all.addAll(after);
    assertThat(windowsIn(db, name + "/")).containsExactlyInAnyOrderElementsOf(all);
    assertThat(sink.rowsWritten()).as("only the records after the stored offset").isEqualTo(after.size());
    assertThat(sink.storageMode()).contains(expectedMode());
  }

  @Test
  void shouldWriteAsARoleThatOwnsNothingWhileTheOwnerKeepsTheSchema() throws Exception {
    String writer = "sink_writer_" + databaseName;
    onServer("CREATE ROLE " + writer + " LOGIN PASSWORD 'writer-pw'");
    roles.add(writer);
    String instance = name + "/a";
    Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(600);
    Map<ResultTable, String> topics = new EnumMap<>(ResultTable.class);
    for (ResultTable table : List.of(ResultTable.LATENCY_WINDOWS, ResultTable.ALERTS, ResultTable.USAGE)) {
      topics.put(table, "it-sink-" + name + "-" + table.tableName());
      createTopic(topics.get(table), 1);
    }
    produce(topics.get(ResultTable.LATENCY_WINDOWS), List.of(window(instance, "instance", 0, 10)));
    send(topics.get(ResultTable.ALERTS), instance, Topics.ALERT_SERDE.write(new Alert(Alert.SCHEMA, instance, "p95",
        "instance", "p95_ms", "warning", "firing", t, t, 90, 80, 600_000)));
    send(topics.get(ResultTable.USAGE), instance, Topics.USAGE_SERDE.write(
        new Usage(Usage.SCHEMA, instance, "storage", t, 5, 10.0, "bytes")));
    TestDatabase db = freshDatabase(databaseName);
    Map<String, Object> props = configMap(db);
    props.put(SinkConfig.USER, writer);
    props.put(SinkConfig.PASSWORD, "writer-pw");
    props.put(SinkConfig.OWNER_USER, db.user());
    props.put(SinkConfig.OWNER_PASSWORD, db.password());

    HeadroomSink sink = start(new HeadroomSink(SinkConfig.fromMap(props), topics));
    awaitStoredOffsets(sink, db, topics.values(), 3);

    try (Connection c = connect(db)) {
      assertThat(query(c, "SELECT count(*) FROM latency_windows UNION ALL SELECT count(*) FROM alert_states"
          + " UNION ALL SELECT count(*) FROM usage")).containsExactly(List.of(1L), List.of(1L), List.of(1L));
      assertThat(query(c, "SELECT DISTINCT tableowner::text FROM pg_tables WHERE schemaname = current_schema()"
          + " AND tablename IN ('latency_windows', 'alerts', 'alert_states', 'usage', 'sink_offsets')"))
          .containsExactly(List.of(db.user()));
    }
    try (Connection w = DriverManager.getConnection(db.url(), writer, "writer-pw"); Statement s = w.createStatement()) {
      assertThatThrownBy(() -> s.execute("DROP TABLE usage")).isInstanceOf(SQLException.class)
          .hasMessageContaining("owner");
      assertThatThrownBy(() -> s.execute("DELETE FROM sink_offsets")).isInstanceOf(SQLException.class)
          .hasMessageContaining("permission denied");
    }
  }

  @Test
  void shouldResumeFromTheStoredOffsetsAfterARestartAndWriteNothingTwice() throws Exception {
    String topic = createTopic(2);
    List<LatencyWindow> before = windows(4, 5, 0);
    produce(topic, before);
    TestDatabase db = freshDatabase(databaseName);

    HeadroomSink first = start(new HeadroomSink(config(db), topic));
    awaitStoredOffsets(first, db, topic, 20);
    first.close();
    assertThat(first.rowsWritten()).isEqualTo(20);

    List<LatencyWindow> after = windows(4, 4, 5);
    produce(topic, after);
    HeadroomSink second = start(new HeadroomSink(config(db), topic));
    awaitStoredOffsets(second, db, topic, 36);

    List<LatencyWindow> all = new ArrayList<>(before);
    all.addAll(after);
    assertThat(windowsIn(db, name + "/")).containsExactlyInAnyOrderElementsOf(all);
    assertThat(second.rowsWritten()).as("rows written after the restart").isEqualTo(after.size());
  }

  @Test
  void shouldTakeItsPositionFromTheDatabaseNotFromKafka() throws Exception {
    String topic = createTopic(1);
    List<LatencyWindow> sent = windows(2, 5, 0);
    produce(topic, sent);
    TestDatabase first = freshDatabase(databaseName + "_a");
    HeadroomSink sink = start(new HeadroomSink(config(first), topic));
    awaitStoredOffsets(sink, first, topic, 10);
    // The group's offsets in Kafka are committed for monitoring, after the database commit.
    try (Admin admin = Admin.create(KAFKA.clientConfig())) {
      await().atMost(AT_MOST).until(() -> Optional.ofNullable(admin.listConsumerGroupOffsets(group)
          .partitionsToOffsetAndMetadata().get().get(new TopicPartition(topic, 0)))
          .map(OffsetAndMetadata::offset).orElse(-1L) == 10L);
    }
    sink.close();

    // Same group, empty database (a restore, say): everything is written again, whatever Kafka says.
    TestDatabase second = freshDatabase(databaseName + "_b");
    HeadroomSink again = start(new HeadroomSink(config(second), topic));
    awaitStoredOffsets(again, second, topic, 10);

    assertThat(windowsIn(second, name + "/")).containsExactlyInAnyOrderElementsOf(sent);
  }

  @Test
  void shouldUpsertARedeliveredWindowInsteadOfAddingARow() throws Exception {
    String topic = createTopic(1);
    String instance = name + "/a";
    LatencyWindow original = window(instance, "instance", 0, 10);
    LatencyWindow corrected = window(instance, "instance", 0, 20);
    LatencyWindow other = window(instance, "instance", 1, 15);
    // Duplicates within one batch, which one INSERT … ON CONFLICT could not take.
    produce(topic, List.of(original, original, corrected, other));
    TestDatabase db = freshDatabase(databaseName);

    HeadroomSink sink = start(new HeadroomSink(config(db), topic));
    awaitStoredOffsets(sink, db, topic, 4);
    assertThat(windowsIn(db, instance)).containsExactlyInAnyOrder(corrected, other);

    // And across batches.
    LatencyWindow redelivered = window(instance, "instance", 0, 30);
    produce(topic, List.of(redelivered, redelivered));
    awaitStoredOffsets(sink, db, topic, 6);
    assertThat(windowsIn(db, instance)).containsExactlyInAnyOrder(redelivered, other);
  }

  @Test
  void shouldSendUnreadableRecordsToTheDeadLetterTopicAndKeepWriting() throws Exception {
    String topic = createTopic(1);
    String instance = name + "/a";
    LatencyWindow good1 = window(instance, "instance", 0, 10);
    LatencyWindow good2 = window(instance, "instance", 1, 11);
    LatencyWindow good3 = window(instance, "instance", 2, 12);
    produce(topic, List.of(good1));
    send(topic, instance + "|instance", "{oops".getBytes(StandardCharsets.UTF_8));
    send(topic, instance + "|instance", null);
    produce(topic, List.of(good2, good3));
    TestDatabase db = freshDatabase(databaseName);

    HeadroomSink sink = start(new HeadroomSink(config(db), topic));
    awaitStoredOffsets(sink, db, topic, 5);

    assertThat(windowsIn(db, instance)).containsExactlyInAnyOrder(good1, good2, good3);
    assertThat(sink.deadLetters()).isEqualTo(2);
    List<DeadLetter> letters = deadLettersFrom(topic, 2);
    assertThat(letters).extracting(DeadLetter::offset).containsExactly(1L, 2L);
    DeadLetter oops = letters.get(0);
    assertThat(oops.sourceTopic()).isEqualTo(topic);
    assertThat(oops.partition()).isZero();
    assertThat(oops.key()).isEqualTo(instance + "|instance");
    assertThat(oops.payload()).isEqualTo("{oops");
    assertThat(oops.error()).contains("not a valid " + LatencyWindow.SCHEMA + " message");
    assertThat(letters.get(1).error()).contains("tombstone");
  }

  @Test
  void shouldSendARowTheDatabaseRefusesToTheDeadLetterTopicAndWriteTheRest() throws Exception {
    String topic = createTopic(1);
    String instance = name + "/a";
    TestDatabase db = freshDatabase(databaseName);
    HeadroomSink sink = start(new HeadroomSink(config(db), Map.of(ResultTable.USAGE, topic)));
    await().atMost(AT_MOST).until(() -> sink.storageMode().isPresent());
    // A rule of the DBA's that the sink knows nothing about.
    try (Connection c = connect(db); Statement s = c.createStatement()) {
      s.execute("ALTER TABLE usage ADD CONSTRAINT usage_value_not_negative CHECK (value >= 0)");
    }
    Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(60);
    for (double value : new double[] {1, -1, 2}) {
      send(topic, instance, Topics.USAGE_SERDE.write(new Usage(Usage.SCHEMA, instance, "storage", t, value, 10.0,
          "bytes")));
    }
    awaitStoredOffsets(sink, db, topic, 3);

    try (Connection c = connect(db)) {
      assertThat(query(c, "SELECT value FROM usage ORDER BY value")).containsExactly(List.of(1.0), List.of(2.0));
    }
    List<DeadLetter> letters = deadLettersFrom(topic, 1);
    assertThat(letters).extracting(DeadLetter::offset).containsExactly(1L);
    assertThat(letters.get(0).error()).contains("refused by the database", "23514", "usage_value_not_negative");
    assertThat(sink.deadLetters()).isEqualTo(1);
    assertThat(sink.rowsWritten(ResultTable.USAGE)).isEqualTo(2);
  }

  @Test
  void shouldWaitForATopicThatDoesNotExistYet() throws Exception {
    String topic = "it-sink-" + name;
    TestDatabase db = freshDatabase(databaseName);
    HeadroomSink sink = start(new HeadroomSink(config(db), topic));
    await().atMost(AT_MOST).until(() -> sink.storageMode().isPresent());

    createTopic(topic, 1);
    List<LatencyWindow> sent = windows(1, 3, 0);
    produce(topic, sent);
    awaitStoredOffsets(sink, db, topic, 3);

    assertThat(windowsIn(db, name + "/")).containsExactlyInAnyOrderElementsOf(sent);
  }

  @Test
  void shouldLoseAndDoubleNothingWhenTheDatabaseStopsMidStream() throws Exception {
    String topic = createTopic(2);
    StoppableDatabase db = stoppableDatabase(databaseName);
    List<LatencyWindow> before = windows(4, 3, 0);
    produce(topic, before);
    HeadroomSink sink = start(new HeadroomSink(config(db), topic));
    awaitStoredOffsets(sink, db, topic, 12);

    db.stop();
    List<LatencyWindow> during = new ArrayList<>(windows(4, 3, 3));
    LatencyWindow corrected = window(before.get(0).instanceId(), before.get(0).scope(), 0, 99);
    during.add(corrected);
    produce(topic, during);
    await().atMost(AT_MOST).failFast("the sink stopped", () -> failed(sink)).until(() -> sink.retries() >= 2);
    db.start();
    awaitStoredOffsets(sink, db, topic, 25);

    Map<String, LatencyWindow> expected = new LinkedHashMap<>();
    before.forEach(w -> expected.put(key(w), w));
    during.forEach(w -> expected.put(key(w), w));
    assertThat(windowsIn(db, name + "/")).containsExactlyInAnyOrderElementsOf(expected.values());
    assertThat(sink.rowsWritten()).as("each record written once, the retried batch included").isEqualTo(25);

    // Still consuming after the recovery.
    LatencyWindow later = window(name + "/later", "instance", 0, 1);
    produce(topic, List.of(later));
    awaitStoredOffsets(sink, db, topic, 26);
    assertThat(windowsIn(db, name + "/later")).containsExactly(later);
  }

  @Test
  void shouldHandOverPartitionsDuringAnOutageWithoutLossOrDuplicates() throws Exception {
    String topic = createTopic(2);
    StoppableDatabase db = stoppableDatabase(databaseName);
    // Instance db-i on partition i % 2, so that both partitions get records in each phase.
    ToIntFunction<LatencyWindow> partition = w -> w.instanceId().charAt(w.instanceId().length() - 1) % 2;
    List<LatencyWindow> before = windows(4, 2, 0);
    produce(topic, before, partition);
    HeadroomSink leaving = start(new HeadroomSink(config(db), topic));
    awaitStoredOffsets(leaving, db, topic, 8);
    HeadroomSink staying = start(new HeadroomSink(config(db), topic));
    awaitOnePartitionEach(2);

    db.stop();
    List<LatencyWindow> during = windows(4, 3, 2);
    produce(topic, during, partition);
    // Each sink now holds a batch of its partition that it cannot write.
    await().atMost(AT_MOST).until(() -> leaving.retries() >= 1 && staying.retries() >= 1);
    // The group rebalances while the database is down: the remaining sink takes both partitions,
    // drops what it held, and must take both positions from the database once it is back.
    leaving.close();
    db.start();
    awaitStoredOffsets(staying, db, topic, 20);

    List<LatencyWindow> all = new ArrayList<>(before);
    all.addAll(during);
    assertThat(windowsIn(db, name + "/")).containsExactlyInAnyOrderElementsOf(all);
    assertThat(leaving.rowsWritten()).isEqualTo(8);
    assertThat(staying.rowsWritten()).as("rows written after the handover").isEqualTo(12);
  }

  /**
   * With either group protocol. The classic one hands a revocation to the sink inside the poll it
   * makes during a COPY, so the rollback and rewrite of the batch is sure to be taken; with KIP-848's,
   * the default, revocations mostly arrive between batches.
   */
  @ParameterizedTest
  @ValueSource(strings = {"classic", "consumer"})
  void shouldShareAndHandOverPartitionsWhileWritingWithoutLossOrDuplicates(String protocol) throws Exception {
    // deltas: insert-only, so a record written twice would be a second row
    String topic = createTopic(4);
    TestDatabase db = freshDatabase(databaseName);
    Map<String, Object> props = configMap(db);
    props.put(SinkConfig.BATCH_MAX_RECORDS, 200);
    props.put("kafka.group.protocol", protocol);
    Map<ResultTable, String> topics = Map.of(ResultTable.DELTAS, topic);
    List<String> logged = new CopyOnWriteArrayList<>();
    try (AutoCloseable capture = captureLogs(logged)) {
      HeadroomSink first = start(new HeadroomSink(SinkConfig.fromMap(props), topics));
      await().atMost(AT_MOST).until(() -> first.storageMode().isPresent());
      // A slow database (2 ms a row), so the sinks are inside a COPY, where they poll for the next
      // batch, when the group rebalances.
      try (Connection c = connect(db); Statement s = c.createStatement()) {
        s.execute("CREATE FUNCTION it_slow_insert() RETURNS trigger LANGUAGE plpgsql AS"
            + " $$ BEGIN PERFORM pg_sleep(0.002); RETURN NEW; END $$");
        s.execute("CREATE TRIGGER it_slow_insert BEFORE INSERT ON deltas FOR EACH ROW EXECUTE FUNCTION it_slow_insert()");
      }
      Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(3_600);
      AtomicInteger sent = new AtomicInteger();
      IntConsumer sendMore = count -> {
        for (int i = 0; i < count; i++) {
          int n = sent.getAndIncrement();
          Delta d = new Delta(Delta.SCHEMA, name + "/db-" + (n % 8), "tables", "public.t" + n, t.plusMillis(n),
              t.plusMillis(n).minusSeconds(60), 60_000, false, false, Map.of("relname", "t" + n),
              Map.of("n_tup_ins", (double) n), Map.of("n_tup_ins", n / 60.0));
          // every partition gets records, whichever partitions the instance ids would hash to
          producer.send(new ProducerRecord<>(topic, n % 4, t.toEpochMilli(), d.instanceId(), Topics.DELTA_SERDE.write(d)));
        }
        producer.flush();
      };
      sendMore.accept(6_000);
      await().atMost(AT_MOST).failFast("the sink stopped", () -> failed(first)).until(() -> first.rowsWritten() > 0);

      // A second sink joins while the first writes, and the first leaves while the second writes.
      HeadroomSink second = start(new HeadroomSink(SinkConfig.fromMap(props), topics));
      awaitPartitionsEach(2, 2);
      await().atMost(AT_MOST).failFast("the sink stopped", () -> failed(second)).until(() -> second.rowsWritten() > 0);
      first.close();
      sendMore.accept(2_000);
      awaitStoredOffsets(second, db, topic, sent.get());

      try (Connection c = connect(db); PreparedStatement s = c.prepareStatement("SELECT count(*), count(DISTINCT object),"
          + " min((deltas->>'n_tup_ins')::bigint), max((deltas->>'n_tup_ins')::bigint) FROM deltas"
          + " WHERE starts_with(instance_id, ?)")) {
        s.setString(1, name + "/");
        try (ResultSet rs = s.executeQuery()) {
          rs.next();
          assertThat(List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)))
              .as("rows, distinct records, first and last record")
              .containsExactly((long) sent.get(), (long) sent.get(), 0L, sent.get() - 1L);
        }
      }
      assertThat(first.rowsWritten() + second.rowsWritten()).as("rows counted in committed transactions")
          .isEqualTo(sent.get());
      assertThat(first.deadLetters() + second.deadLetters()).isZero();
    }
    if (protocol.equals("classic")) {
      // The case this is for: a rebalance inside a write, whose transaction was rolled back.
      assertThat(logged).anySatisfy(line -> assertThat(line).contains("written again without them"));
    }
  }

  @Test
  void shouldWaitForTheDatabaseAtStart() throws Exception {
    String topic = createTopic(1);
    StoppableDatabase db = stoppableDatabase(databaseName);
    db.stop();
    List<LatencyWindow> sent = windows(1, 2, 0);
    produce(topic, sent);

    HeadroomSink sink = start(new HeadroomSink(config(db), topic));
    await().atMost(AT_MOST).failFast("the sink stopped", () -> failed(sink)).until(() -> sink.retries() >= 2);
    assertThat(sink.storageMode()).isEmpty();
    db.start();
    awaitStoredOffsets(sink, db, topic, 2);

    assertThat(windowsIn(db, name + "/")).containsExactlyInAnyOrderElementsOf(sent);
    assertThat(sink.storageMode()).contains(expectedMode());
  }

  @Test
  void shouldNeverLogThePassword() throws Exception {
    String topic = createTopic(1);
    TestDatabase db = freshDatabase(databaseName);
    String secret = "s3cret-" + UUID.randomUUID();
    // The servers under test trust local connections (or take the configured password, which wins):
    // the one in the URL is only there to be leaked or not.
    String url = db.url() + (db.url().contains("?") ? "&" : "?") + "password=" + secret;
    Map<String, Object> props = configMap(db);
    props.put(SinkConfig.URL, url);
    List<String> logged = new CopyOnWriteArrayList<>();
    try (AutoCloseable capture = captureLogs(logged)) {
      produce(topic, windows(1, 1, 0));
      HeadroomSink sink = start(new HeadroomSink(SinkConfig.fromMap(props), topic));
      awaitStoredOffsets(sink, db, topic, 1);
      sink.close();
    }

    assertThat(logged).anySatisfy(line -> assertThat(line).contains("password=***"));
    assertThat(logged).noneSatisfy(line -> assertThat(line).contains(secret));
  }

  // ---------------------------------------------------------------------------------------------

  private static Projection projection(String instance, String resource, String scenario, Double runway, Instant at) {
    return new Projection(Projection.SCHEMA, instance, resource, scenario, "bytes", 1e12, 0.8, 4e11, "exponential",
        new Projection.Params(3.5e11, null, 0.012, 0.97), 28, 28, runway,
        runway == null ? null : at.plusSeconds((long) (runway * 86_400)), runway == null ? null : runway * 0.9,
        runway == null ? null : runway * 1.1, 90, runway == null ? 0.6 : -0.1, false, at);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static JsonSerde<Message> serde(ResultTable table) {
    return (JsonSerde) table.topic().valueSerde();
  }

  /** A message as the row its table should hold: column name to value, in the table's column order. */
  private static Map<String, Object> columns(Message m) {
    Map<String, Object> row = new LinkedHashMap<>();
    if (m instanceof Delta d) {
      row.put("instance_id", d.instanceId());
      row.put("section", d.section());
      row.put("object", d.object());
      row.put("captured_at", d.capturedAt());
      row.put("previous_at", d.previousAt());
      row.put("interval_ms", d.intervalMs());
      row.put("reset", d.reset());
      row.put("gap", d.gap());
      row.put("labels", d.labels());
      row.put("deltas", d.deltas());
    } else if (m instanceof LatencyWindow w) {
      row.put("instance_id", w.instanceId());
      row.put("scope", w.scope());
      row.put("window_size", w.window());
      row.put("window_start", w.windowStart());
      row.put("window_end", w.windowEnd());
      row.put("count", w.count());
      row.put("p50_ms", w.p50Ms());
      row.put("p95_ms", w.p95Ms());
      row.put("p99_ms", w.p99Ms());
      row.put("max_ms", w.maxMs());
      row.put("method", w.method());
      row.put("sketch", HexFormat.of().formatHex(Base64.getDecoder().decode(w.sketch())));
    } else if (m instanceof Alert x) {
      row.put("instance_id", x.instanceId());
      row.put("rule", x.rule());
      row.put("scope", x.scope());
      row.put("metric", x.metric());
      row.put("severity", x.severity());
      row.put("state", x.state());
      row.put("since", x.since());
      row.put("at", x.at());
      row.put("value", x.value());
      row.put("threshold", x.threshold());
      row.put("sustained_ms", x.sustainedMs());
    } else if (m instanceof Finding f) {
      row.put("instance_id", f.instanceId());
      row.put("check_name", f.check());
      row.put("object", f.object());
      row.put("severity", f.severity());
      row.put("value", f.value());
      row.put("threshold", f.threshold());
      row.put("advice", f.advice());
      row.put("at", f.at());
    } else if (m instanceof Trend x) {
      row.put("instance_id", x.instanceId());
      row.put("metric", x.metric());
      row.put("scope", x.scope());
      row.put("bucket", x.bucket());
      row.put("bucket_start", x.bucketStart());
      row.put("value", x.value());
      row.put("previous_bucket_start", x.previousBucketStart());
      row.put("previous_value", x.previousValue());
      row.put("change_pct", x.changePct());
    } else if (m instanceof Usage u) {
      row.put("instance_id", u.instanceId());
      row.put("resource", u.resource());
      row.put("at", u.at());
      row.put("value", u.value());
      row.put("capacity", u.capacity());
      row.put("unit", u.unit());
    } else if (m instanceof Projection p) {
      row.put("instance_id", p.instanceId());
      row.put("resource", p.resource());
      row.put("scenario", p.scenario());
      row.put("unit", p.unit());
      row.put("capacity", p.capacity());
      row.put("saturation_fraction", p.saturationFraction());
      row.put("current_peak", p.currentPeak());
      row.put("model", p.model());
      row.put("intercept", p.params().intercept());
      row.put("slope", p.params().slope());
      row.put("rate", p.params().rate());
      row.put("r2", p.params().r2());
      row.put("lookback_days", (long) p.lookbackDays());
      row.put("points", (long) p.points());
      row.put("time_to_saturation_days", p.timeToSaturationDays());
      row.put("saturation_at", p.saturationAt());
      row.put("runway_low_days", p.runwayLowDays());
      row.put("runway_high_days", p.runwayHighDays());
      row.put("horizon_days", (long) p.horizonDays());
      row.put("headroom_at_horizon", p.headroomAtHorizon());
      row.put("bottleneck", p.bottleneck());
      row.put("computed_at", p.computedAt());
    } else if (m instanceof DeployCheck d) {
      row.put("instance_id", d.instanceId());
      row.put("deploy_id", d.deployId());
      row.put("deploy_at", d.deployAt());
      row.put("window_ms", d.windowMs());
      row.put("metric", d.metric());
      row.put("scope", d.scope());
      row.put("before", d.before());
      row.put("after", d.after());
      row.put("change_pct", d.changePct());
      row.put("verdict", d.verdict());
    } else {
      throw new IllegalArgumentException("no table for " + m);
    }
    return row;
  }

  /** Every row of a table, its columns read back as {@link #columns(Message)} writes them. */
  private static List<Map<String, Object>> rows(Connection c, String table, Collection<String> columns)
      throws SQLException {
    List<Map<String, Object>> out = new ArrayList<>();
    // Names from this test's own lists, never from data.
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT " + String.join(", ", columns) + " FROM " + table)) {
      while (rs.next()) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (String column : columns) {
          row.put(column, value(rs, column));
        }
        out.add(row);
      }
    }
    return out;
  }

  /** The rows of a query, each a list of its values normalised as in {@link #rows}. */
  static List<List<Object>> query(Connection c, String sql) throws SQLException {
    List<List<Object>> out = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        List<Object> row = new ArrayList<>();
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
          row.add(value(rs, rs.getMetaData().getColumnLabel(i)));
        }
        out.add(row);
      }
    }
    return out;
  }

  private static Object value(ResultSet rs, String column) throws SQLException {
    String type = rs.getMetaData().getColumnTypeName(rs.findColumn(column));
    Object value = switch (type) {
      case "timestamptz" -> Optional.ofNullable(rs.getObject(column, OffsetDateTime.class))
          .map(OffsetDateTime::toInstant).orElse(null);
      case "jsonb" -> rs.getString(column) == null ? null : readJson(rs.getString(column));
      case "bytea" -> rs.getBytes(column) == null ? null : HexFormat.of().formatHex(rs.getBytes(column));
      case "int4", "int8" -> rs.getObject(column) == null ? null : rs.getLong(column);
      default -> rs.getObject(column);
    };
    return value;
  }

  /** A jsonb object, its numbers as doubles: the sink writes an integral number without a fraction (120, not 120.0). */
  private static Map<String, Object> readJson(String json) {
    try {
      Map<String, Object> read = Json.mapper().readValue(json, new TypeReference<Map<String, Object>>() {});
      read.replaceAll((key, value) -> value instanceof Number n ? (Object) n.doubleValue() : value);
      return read;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Adds every message logged, until closed, to {@code logged}. */
  private AutoCloseable captureLogs(List<String> logged) {
    AbstractAppender capture = new AbstractAppender("capture-" + name, null, null, true, Property.EMPTY_ARRAY) {
      @Override
      public void append(LogEvent event) {
        logged.add(event.getMessage().getFormattedMessage()
            + (event.getThrown() == null ? "" : " " + event.getThrown()));
      }
    };
    capture.start();
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    context.getConfiguration().getRootLogger().addAppender(capture, null, null);
    context.updateLoggers();
    return () -> {
      context.getConfiguration().getRootLogger().removeAppender(capture.getName());
      context.updateLoggers();
      capture.stop();
    };
  }

  private Map<String, Object> configMap(TestDatabase db) {
    Map<String, Object> props = new HashMap<>();
    props.put(SinkConfig.BOOTSTRAP_SERVERS, KAFKA.bootstrapServers());
    props.put(SinkConfig.URL, db.url());
    props.put(SinkConfig.USER, db.user());
    props.put(SinkConfig.PASSWORD, db.password());
    props.put(SinkConfig.GROUP_ID, group);
    props.put(SinkConfig.TOPICS_PARTITIONS, 1);
    props.put(SinkConfig.POLL_TIMEOUT_MS, 200L);
    props.put(SinkConfig.RETRY_BACKOFF_INITIAL_MS, 100L);
    props.put(SinkConfig.RETRY_BACKOFF_MAX_MS, 1_000L);
    props.put(SinkConfig.METRICS_PORT, 0);
    return props;
  }

  private SinkConfig config(TestDatabase db) {
    return SinkConfig.fromMap(configMap(db));
  }

  private HeadroomSink start(HeadroomSink sink) {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread thread = new Thread(() -> {
      try {
        sink.run();
      } catch (Throwable e) {
        failure.set(e);
        LogManager.getLogger(AbstractSinkWriterIT.class).error("the sink of " + name + " stopped", e);
      }
    }, "sink-" + name);
    sinks.add(new RunningSink(sink, thread, failure));
    thread.start();
    return sink;
  }

  private boolean failed(HeadroomSink sink) {
    return sinks.stream().anyMatch(s -> s.sink() == sink && s.failure().get() != null);
  }

  /** Waits until the sink has committed everything up to {@code total} records to the database. */
  private void awaitStoredOffsets(HeadroomSink sink, TestDatabase db, String topic, long total) {
    awaitStoredOffsets(sink, db, List.of(topic), total);
  }

  /** Waits until the sink has committed {@code total} records of these topics to the database. */
  private void awaitStoredOffsets(HeadroomSink sink, TestDatabase db, Collection<String> topics, long total) {
    await().atMost(AT_MOST)
        .failFast("the sink stopped", () -> failed(sink))
        .ignoreExceptions()
        .until(() -> storedOffsets(db, topics) == total);
  }

  private long storedOffsets(TestDatabase db, Collection<String> topics) throws SQLException {
    try (Connection c = connect(db); PreparedStatement s = c.prepareStatement(
        "SELECT coalesce(sum(next_offset), 0) FROM sink_offsets WHERE consumer_group = ? AND topic = ANY (?)")) {
      s.setString(1, group);
      s.setArray(2, c.createArrayOf("text", topics.toArray()));
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** The rows of instances whose id starts with the prefix, read back as the messages they came from. */
  private static List<LatencyWindow> windowsIn(TestDatabase db, String instancePrefix) throws SQLException {
    List<LatencyWindow> out = new ArrayList<>();
    try (Connection c = connect(db); PreparedStatement s = c.prepareStatement("SELECT instance_id, scope, window_size,"
        + " window_start, window_end, count, p50_ms, p95_ms, p99_ms, max_ms, method, sketch FROM latency_windows"
        + " WHERE starts_with(instance_id, ?)")) {
      s.setString(1, instancePrefix);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(new LatencyWindow(LatencyWindow.SCHEMA, rs.getString(1), rs.getString(2), rs.getString(3),
              rs.getObject(4, OffsetDateTime.class).toInstant(), rs.getObject(5, OffsetDateTime.class).toInstant(),
              rs.getLong(6), rs.getDouble(7), rs.getDouble(8), rs.getDouble(9), rs.getDouble(10), rs.getString(11),
              Base64.getEncoder().encodeToString(rs.getBytes(12))));
        }
      }
    }
    return out;
  }

  static Connection connect(TestDatabase db) throws SQLException {
    return DriverManager.getConnection(db.url(), db.user(), db.password());
  }

  /** Windows of {@code instances} instances of this case, {@code minutes} minutes each from {@code firstMinute}. */
  private List<LatencyWindow> windows(int instances, int minutes, int firstMinute) {
    return IntStream.range(0, instances).boxed()
        .flatMap(i -> IntStream.range(firstMinute, firstMinute + minutes)
            .mapToObj(m -> window(name + "/db-" + i, "instance", m, 10 * i + m + 0.5)))
        .toList();
  }

  private static LatencyWindow window(String instance, String scope, int minute, double p95) {
    Instant start = T0.plusSeconds(60L * minute);
    // A real encoded sketch (binary, with zero bytes), different for every window and value.
    DDSketch sketch = LatencySketches.create();
    sketch.accept(p95, 100 + minute);
    sketch.accept(minute + 1.0);
    sketch.accept(1.0 + (((instance + "|" + scope).hashCode()) & 0xffff));
    return new LatencyWindow(LatencyWindow.SCHEMA, instance, scope, "PT1M", start, start.plusSeconds(60), 100 + minute,
        p95 / 2, p95, p95 * 1.5, p95 * 3, "moment", LatencySketches.toBase64(sketch));
  }

  private static String key(LatencyWindow w) {
    return w.instanceId() + "|" + w.scope() + "|" + w.window() + "|" + w.windowEnd();
  }

  private String createTopic(int partitions) throws Exception {
    String topic = "it-sink-" + name;
    createTopic(topic, partitions);
    return topic;
  }

  private static void createTopic(String topic, int partitions) throws Exception {
    try (Admin admin = Admin.create(KAFKA.clientConfig())) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
  }

  private void produce(String topic, Collection<LatencyWindow> windows) throws Exception {
    produce(topic, windows, w -> -1);
  }

  /** Sends each window to the partition given, or where its key hashes to when that is negative. */
  private void produce(String topic, Collection<LatencyWindow> windows, ToIntFunction<LatencyWindow> partition)
      throws Exception {
    for (LatencyWindow w : windows) {
      int p = partition.applyAsInt(w);
      producer.send(new ProducerRecord<>(topic, p < 0 ? null : p, w.windowEnd().toEpochMilli(), w.key(),
          Topics.LATENCY_WINDOW_SERDE.write(w))).get(30, TimeUnit.SECONDS);
    }
  }

  /** Waits until the case's group has this many members, each with one partition. */
  private void awaitOnePartitionEach(int members) {
    awaitPartitionsEach(members, 1);
  }

  /** Waits until the case's group has this many members, each with this many partitions. */
  private void awaitPartitionsEach(int members, int partitions) {
    try (Admin admin = Admin.create(KAFKA.clientConfig())) {
      await().atMost(AT_MOST).until(() -> {
        ConsumerGroupDescription description =
            admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get(30, TimeUnit.SECONDS);
        return description.members().size() == members && description.members().stream()
            .allMatch(m -> m.assignment().topicPartitions().size() == partitions);
      });
    }
  }

  private void send(String topic, String key, byte[] value) throws Exception {
    producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
  }

  private static long endOffsets(String topic) throws Exception {
    try (Admin admin = Admin.create(KAFKA.clientConfig())) {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions()
          .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
      return admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).values().stream()
          .mapToLong(o -> o.offset()).sum();
    }
  }

  /** The dead letters whose source is the topic, in offset order; waits for {@code count} of them. */
  private static List<DeadLetter> deadLettersFrom(String topic, int count) {
    Properties props = new Properties();
    props.put("bootstrap.servers", KAFKA.bootstrapServers());
    List<DeadLetter> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(Topics.DEADLETTER.name()).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      await().atMost(AT_MOST).until(() -> {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          DeadLetter letter = Topics.DEAD_LETTER_SERDE.read(r.value());
          if (topic.equals(letter.sourceTopic())) {
            out.add(letter);
          }
        }
        return out.size() >= count;
      });
    }
    out.sort(Comparator.comparingLong(DeadLetter::offset));
    return out;
  }
}
