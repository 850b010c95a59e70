package dev.headroom.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.datadoghq.sketch.ddsketch.DDSketch;
import dev.headroom.schemas.DeadLetter;
import dev.headroom.schemas.LatencySketches;
import dev.headroom.schemas.LatencyWindow;
import dev.headroom.schemas.TopicAdmin;
import dev.headroom.schemas.Topics;
import dev.headroom.testkit.KafkaFixture;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The contract every database the sink writes must meet, extended once per kind of database.
 * Real services only: the shared in-JVM Kafka broker and a real PostgreSQL or TimescaleDB server,
 * with a fresh database, consumer group and (but for the first case) topic per case.
 */
abstract class AbstractSinkWriterIT {
  static final KafkaFixture KAFKA = KafkaFixture.get();
  private static final Duration AT_MOST = Duration.ofSeconds(60);
  private static final AtomicInteger CASES = new AtomicInteger();
  private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

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

  /** Checks how latency_windows is stored (hypertable or plain table). */
  protected abstract void assertStorageLayout(Connection connection) throws SQLException;

  private final List<RunningSink> sinks = new ArrayList<>();
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
    try {
      produce(topic, windows(1, 1, 0));
      HeadroomSink sink = start(new HeadroomSink(SinkConfig.fromMap(props), topic));
      awaitStoredOffsets(sink, db, topic, 1);
      sink.close();
    } finally {
      context.getConfiguration().getRootLogger().removeAppender(capture.getName());
      context.updateLoggers();
      capture.stop();
    }

    assertThat(logged).anySatisfy(line -> assertThat(line).contains("password=***"));
    assertThat(logged).noneSatisfy(line -> assertThat(line).contains(secret));
  }

  // ---------------------------------------------------------------------------------------------

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
    await().atMost(AT_MOST)
        .failFast("the sink stopped", () -> failed(sink))
        .ignoreExceptions()
        .until(() -> storedOffsets(db, topic) == total);
  }

  private long storedOffsets(TestDatabase db, String topic) throws SQLException {
    try (Connection c = connect(db); PreparedStatement s = c.prepareStatement(
        "SELECT coalesce(sum(next_offset), 0) FROM sink_offsets WHERE consumer_group = ? AND topic = ?")) {
      s.setString(1, group);
      s.setString(2, topic);
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
    try (Admin admin = Admin.create(KAFKA.clientConfig())) {
      await().atMost(AT_MOST).until(() -> {
        ConsumerGroupDescription description =
            admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get(30, TimeUnit.SECONDS);
        return description.members().size() == members && description.members().stream()
            .allMatch(m -> m.assignment().topicPartitions().size() == 1);
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
