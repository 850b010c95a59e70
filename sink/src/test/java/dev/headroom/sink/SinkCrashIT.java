package dev.headroom.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.headroom.schemas.Alert;
import dev.headroom.schemas.Delta;
import dev.headroom.schemas.Topics;
import dev.headroom.testkit.KafkaFixture;
import dev.headroom.testkit.TimescaleFixture;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink in a process of its own, killed with SIGKILL while it holds a transaction open with
 * rows in it, and started again, three times, while records keep arriving. Afterwards each table
 * holds exactly the records on its topic: none lost, none twice. The deltas table has no key, so
 * a record written twice would show as a second row; the alerts' latest table is upserted.
 */
class SinkCrashIT {
  private static final Logger LOG = LoggerFactory.getLogger(SinkCrashIT.class);
  private static final KafkaFixture KAFKA = KafkaFixture.get();
  private static final TimescaleFixture TSDB = TimescaleFixture.get();
  private static final int KILLS = 3;
  private static final int DELTAS = 30_000;
  private static final int ALERTS = 3_000;

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void shouldHoldExactlyTheRecordsOnTheTopicsAfterBeingKilledMidBatch() throws Exception {
    String suffix = Long.toString(System.currentTimeMillis(), 36);
    String deltasTopic = "it-sink-crash-deltas-" + suffix;
    String alertsTopic = "it-sink-crash-alerts-" + suffix;
    try (Admin admin = Admin.create(KAFKA.clientConfig())) {
      admin.createTopics(List.of(new NewTopic(deltasTopic, 3, (short) 1), new NewTopic(alertsTopic, 2, (short) 1)))
          .all().get(30, TimeUnit.SECONDS);
    }
    String url = TSDB.createDatabase("sink_crash");
    Map<String, String> settings = new HashMap<>();
    settings.put(SinkConfig.BOOTSTRAP_SERVERS, KAFKA.bootstrapServers());
    settings.put(SinkConfig.URL, url);
    settings.put(SinkConfig.USER, TSDB.user());
    settings.put(SinkConfig.PASSWORD, TSDB.password());
    settings.put(SinkConfig.GROUP_ID, "sink-crash-" + suffix);
    settings.put(SinkConfig.TOPICS_PARTITIONS, "1");
    settings.put(SinkConfig.METRICS_PORT, "0");
    // A killed member holds its partitions until its session times out: 6 s on the test broker (KafkaBrokerProcess).
    // Small batches: many transactions, so a kill lands in one.
    settings.put(SinkConfig.BATCH_MAX_RECORDS, "300");
    settings.put(SinkConfig.RETRY_BACKOFF_INITIAL_MS, "100");
    settings.put(SinkConfig.RETRY_BACKOFF_MAX_MS, "1000");
    Map<ResultTable, String> topics = Map.of(ResultTable.DELTAS, deltasTopic, ResultTable.ALERTS, alertsTopic);
    Path log = Files.createTempFile("headroom-sink-crash", ".log");

    AtomicBoolean producing = new AtomicBoolean(true);
    AtomicLong produced = new AtomicLong();
    Thread producer = new Thread(() -> produce(deltasTopic, alertsTopic, produced, producing), "crash-producer");
    producer.start();
    int midTransaction = 0;
    try (Connection db = DriverManager.getConnection(url, TSDB.user(), TSDB.password())) {
      db.setAutoCommit(true);
      for (int kill = 0; kill < KILLS; kill++) {
        Process sink = SinkProcessMain.launch(settings, topics, log);
        try {
          long before = storedOffsets(db);
          // Some batches committed by this run, then wait for the next open transaction and kill.
          await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
              .failFast("the sink process exited", () -> !sink.isAlive())
              .ignoreExceptions().until(() -> storedOffsets(db) > before + 1_000);
          boolean open = awaitOpenTransaction(db, Duration.ofSeconds(20));
          sink.destroyForcibly();
          if (open) {
            midTransaction++;
          }
        } finally {
          sink.destroyForcibly();
          sink.waitFor(30, TimeUnit.SECONDS);
        }
        LOG.info("kill {}: sink killed {} a transaction; {} records produced, {} stored", kill + 1,
            midTransaction > kill ? "inside" : "outside", produced.get(), storedOffsets(db));
      }
      producer.join(TimeUnit.MINUTES.toMillis(3));
      assertThat(producer.isAlive()).as("the producer finished").isFalse();

      Process sink = SinkProcessMain.launch(settings, topics, log);
      try {
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
            .failFast("the sink process exited", () -> !sink.isAlive())
            .ignoreExceptions().until(() -> storedOffsets(db) == DELTAS + ALERTS);
      } finally {
        sink.destroy();
        sink.waitFor(30, TimeUnit.SECONDS);
      }

      assertThat(midTransaction).as("kills that landed inside an open transaction").isPositive();
      assertThat(keys(db, "SELECT instance_id || '|' || object FROM deltas"))
          .as("one row per delta record, none missing and none twice").hasSize(DELTAS)
          .containsExactlyInAnyOrderElementsOf(expectedDeltaKeys());
      assertThat(count(db, "SELECT count(*) FROM alerts")).as("alert transitions").isEqualTo(ALERTS);
      assertThat(count(db, "SELECT count(DISTINCT (instance_id, rule, scope, at)) FROM alerts")).isEqualTo(ALERTS);
      // Each instance's alert went through its transitions in order; the latest table holds the last.
      assertThat(count(db, "SELECT count(*) FROM alert_states")).isEqualTo(ALERTS / 100);
      assertThat(count(db, "SELECT count(*) FROM alert_states WHERE at <> (SELECT max(a.at) FROM alerts a"
          + " WHERE a.instance_id = alert_states.instance_id)")).as("alert_states behind their history").isZero();
    } finally {
      producing.set(false);
      producer.join(TimeUnit.SECONDS.toMillis(30));
      try (Connection c = DriverManager.getConnection(TSDB.url("postgres"), TSDB.user(), TSDB.password());
          Statement s = c.createStatement()) {
        String name = url.substring(url.lastIndexOf('/') + 1);
        s.execute("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
      }
      Files.deleteIfExists(log);
    }
  }

  /** Produces the records slowly enough that the kills happen while they still arrive. */
  private static void produce(String deltasTopic, String alertsTopic, AtomicLong produced, AtomicBoolean producing) {
    Properties props = new Properties();
    props.put("bootstrap.servers", KAFKA.bootstrapServers());
    props.put("acks", "all");
    props.put("linger.ms", "5");
    Instant t0 = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofHours(2));
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      int alerts = 0;
      for (int i = 0; i < DELTAS && producing.get(); i++) {
        String instance = "crash/db-" + (i % 30);
        Instant at = t0.plusSeconds(i / 30);
        Delta d = new Delta(Delta.SCHEMA, instance, "tables", "t" + i, at, at.minusSeconds(60), 60_000, false, false,
            Map.of("datname", "app"), Map.of("seq_scan", (double) i, "n_tup_ins", 3.0), Map.of("seq_scan", i / 60.0,
                "n_tup_ins", 0.05));
        producer.send(new ProducerRecord<>(deltasTopic, null, at.toEpochMilli(), instance, Topics.DELTA_SERDE.write(d)));
        if (i % 10 == 0 && alerts < ALERTS) {
          // 30 instances, 100 transitions each, alternating firing and resolved.
          String alertInstance = "crash/db-" + (alerts % (ALERTS / 100));
          Instant when = t0.plusSeconds(alerts);
          Alert a = new Alert(Alert.SCHEMA, alertInstance, "p95-warning", "instance", "p95_ms", "warning",
              (alerts / (ALERTS / 100)) % 2 == 0 ? "firing" : "resolved", t0, when, 90, 80, 600_000);
          producer.send(new ProducerRecord<>(alertsTopic, null, when.toEpochMilli(), alertInstance,
              Topics.ALERT_SERDE.write(a)));
          alerts++;
        }
        produced.incrementAndGet();
        if (i % 500 == 499) {
          producer.flush();
          Thread.sleep(100);
        }
      }
      producer.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Set<String> expectedDeltaKeys() {
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < DELTAS; i++) {
      keys.add("crash/db-" + (i % 30) + "|t" + i);
    }
    return keys;
  }

  /** Waits for the sink's backend to be inside a transaction (writing a batch); false when none was seen. */
  private static boolean awaitOpenTransaction(Connection db, Duration atMost) throws SQLException {
    long deadline = System.nanoTime() + atMost.toNanos();
    try (PreparedStatement s = db.prepareStatement("SELECT count(*) FROM pg_stat_activity"
        + " WHERE application_name = 'headroom-sink' AND datname = current_database() AND xact_start IS NOT NULL"
        + " AND query ILIKE ANY (ARRAY['COPY%', 'INSERT%'])")) {
      while (System.nanoTime() < deadline) {
        try (ResultSet rs = s.executeQuery()) {
          rs.next();
          if (rs.getLong(1) > 0) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** The records the sink has committed; 0 before it has created its tables. */
  private static long storedOffsets(Connection db) throws SQLException {
    try {
      return count(db, "SELECT coalesce(sum(next_offset), 0) FROM sink_offsets");
    } catch (SQLException e) {
      if ("42P01".equals(e.getSQLState())) {
        return 0;
      }
      throw e;
    }
  }

  private static long count(Connection db, String sql) throws SQLException {
    try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static List<String> keys(Connection db, String sql) throws SQLException {
    List<String> keys = new ArrayList<>();
    try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        keys.add(rs.getString(1));
      }
    }
    return keys;
  }
}
