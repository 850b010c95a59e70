package dev.headroom.collector.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headroom.collector.cdc.CdcOptions.LatencyTable;
import dev.headroom.collector.cdc.CdcOptions.MigrationTable;
import dev.headroom.collector.cdc.CdcOptions.Unit;
import dev.headroom.schemas.Event;
import dev.headroom.schemas.LatencySample;
import dev.headroom.schemas.SchemaValidator;
import dev.headroom.schemas.TopicAdmin;
import dev.headroom.schemas.Topics;
import dev.headroom.testkit.KafkaFixture;
import dev.headroom.testkit.PostgresFixture;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real logical replication: the shared embedded PostgreSQL 17 (wal_level=logical), Debezium's
 * embedded engine, real Flyway migrations, and a real Kafka broker read back by a consumer.
 * Every test uses its own schema, slot, publication and instance id on the shared server.
 */
class CdcCaptureIT {
  static final PostgresFixture PG = PostgresFixture.monitored();
  static final KafkaFixture KAFKA = KafkaFixture.get();
  static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  @BeforeAll
  static void topics() {
    TopicAdmin.ensure(KAFKA.clientConfig(), List.of(Topics.LATENCY, Topics.EVENTS), 1, (short) 1);
  }

  record Run(String id, String schema, String instanceId, String slot, String password, PgTarget target) {
    static Run create() {
      String id = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
      String password = "pw-" + UUID.randomUUID();
      // the fixture trusts local connections: the password is sent but not checked, which is
      // enough to prove it is never logged
      return new Run(id, "cdc_it_" + id, "it/cdc-" + id, "headroom_it_" + id, password,
          new PgTarget("127.0.0.1", PG.port(), "postgres", "postgres", password));
    }

    String metrics() {
      return schema + ".performance_metrics";
    }

    String history() {
      return schema + ".flyway_schema_history";
    }
  }

  CdcOptions options(Run run) {
    return CdcOptions.builder(run.instanceId(), run.target())
        .slotName(run.slot())
        .publicationName(run.slot())
        .offsetsFile(dir.resolve("state/" + run.id() + ".offsets"))
        .latencyTable(LatencyTable.of(run.metrics(), "timestamp", "response_time_ms", Unit.MS).withScopeColumn("app"))
        .migrationTable(MigrationTable.flyway(run.history()))
        // Flyway runs in this JVM: installed_on is written in its zone
        .timestampZone(ZoneId.systemDefault())
        .build();
  }

  @Test
  void shouldPublishInsertedRowsAndDeploysRedeliverAfterACrashLoseNothingAndDropItsSlot() throws Exception {
    Run run = Run.create();
    Path migrations = Files.createDirectories(dir.resolve("migrations"));
    migration(migrations, "V1__performance_metrics.sql", "CREATE TABLE performance_metrics("
        + "id bigserial PRIMARY KEY, timestamp timestamptz, response_time_ms double precision, app text)");
    flyway(run, migrations);
    // history before the first start is not replayed
    sql("INSERT INTO " + run.metrics() + "(timestamp, response_time_ms, app) VALUES (now(), 99, 'before')");

    CdcOptions options = options(run);
    KafkaTestOutbox outbox = new KafkaTestOutbox(KAFKA.clientConfig());
    CdcCapture capture = new CdcCapture(options, outbox);
    long t0 = System.nanoTime();
    capture.start();
    awaitStreaming(capture, run.slot());
    long startupMs = (System.nanoTime() - t0) / 1_000_000;

    // --- A: several rows in one transaction, a row without a time, one without a value, an update, a delete
    Instant beforeCommit = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    List<Long> a = insertInOneTransaction(run,
        "'2026-11-22 10:00:01.125+00', 12.5, 'checkout'",
        "'2026-11-22 10:00:02.250+00', 30.0, 'checkout'",
        "'2026-11-22 10:00:03.500+00', 7.25, 'search'",
        "NULL, 5.0, 'checkout'",
        "'2026-11-22 10:00:04.000+00', NULL, 'checkout'");
    Instant afterCommit = Instant.now();
    sql("UPDATE " + run.metrics() + " SET response_time_ms = 13 WHERE id = " + a.get(0),
        "DELETE FROM " + run.metrics() + " WHERE id = " + a.get(4));
    assertThat(capture.retainedWalBytes()).isPresent();
    assertThat(capture.retainedWalBytes().getAsLong()).isNotNegative();

    // migrations while capturing: two versioned, one repeatable; a failed row as Flyway writes it
    // where DDL is not transactional (then removed, so later migrations validate)
    migration(migrations, "V2__app_index.sql", "CREATE INDEX performance_metrics_app ON performance_metrics(app)");
    migration(migrations, "V3__region.sql", "ALTER TABLE performance_metrics ADD COLUMN region text");
    migration(migrations, "R__slow_requests.sql",
        "CREATE OR REPLACE VIEW slow_requests AS SELECT * FROM performance_metrics WHERE response_time_ms > 100");
    flyway(run, migrations);
    sql("INSERT INTO " + run.history() + " VALUES (100, '99', 'broken', 'SQL', 'V99__broken.sql', 0, 'postgres',"
        + " now(), 5, false)", "DELETE FROM " + run.history() + " WHERE installed_rank = 100");

    Awaitility.await().atMost(WAIT).until(() -> capture.samplesPublished() == 4 && capture.eventsPublished() == 3
        && capture.skipped(SkipReason.FAILED_MIGRATION) == 1 && capture.skipped(SkipReason.DELETE_IGNORED) == 2);
    assertThat(capture.skipped()).containsEntry(SkipReason.UNMAPPABLE_VALUE, 1L)
        .containsEntry(SkipReason.UPDATE_IGNORED, 1L).containsEntry(SkipReason.DELETE_IGNORED, 2L)
        .containsEntry(SkipReason.MAPPING_ERROR, 0L);

    Map<String, List<ConsumerRecord<String, byte[]>>> samplesA = byId(read(Topics.LATENCY.name(), run, r -> r.size() >= 4));
    assertThat(samplesA).hasSize(4);
    Map<Long, LatencySample> byKey = new HashMap<>();
    for (List<ConsumerRecord<String, byte[]>> copies : samplesA.values()) {
      ConsumerRecord<String, byte[]> r = copies.get(0);
      assertThat(SchemaValidator.violations(r.value())).as(new String(r.value())).isEmpty();
      LatencySample s = Topics.LATENCY_SAMPLE_SERDE.read(r.value());
      assertThat(r.timestamp()).isEqualTo(s.observedAt().toEpochMilli());
      assertThat(s.id()).matches("cdc:[0-9A-F]+/[0-9A-F]+:" + run.metrics() + ":\\d+");
      byKey.put(Long.parseLong(s.id().substring(s.id().lastIndexOf(':') + 1)), s);
    }
    assertThat(byKey.keySet()).containsExactlyInAnyOrder(a.get(0), a.get(1), a.get(2), a.get(3));
    assertSample(byKey.get(a.get(0)), run, "2026-11-22T10:00:01.125Z", "app:checkout", 12.5);
    assertSample(byKey.get(a.get(1)), run, "2026-11-22T10:00:02.250Z", "app:checkout", 30.0);
    assertSample(byKey.get(a.get(2)), run, "2026-11-22T10:00:03.500Z", "app:search", 7.25);
    LatencySample noTime = byKey.get(a.get(3));
    assertThat(noTime.observedAt()).as("commit time").isBetween(beforeCommit, afterCommit);
    assertThat(noTime.valueMs()).isEqualTo(5.0);
    // rows of one transaction: each its own LSN
    assertThat(byKey.values().stream().map(s -> s.id().split(":")[1]).distinct()).hasSize(4);

    Map<String, List<ConsumerRecord<String, byte[]>>> deploysA = byId(read(Topics.EVENTS.name(), run, r -> r.size() >= 3));
    assertThat(deploysA.keySet()).containsExactlyInAnyOrder(flywayId(run, 2), flywayId(run, 3), flywayId(run, 4));
    Map<Integer, Instant> installedOn = installedOn(run);
    for (List<ConsumerRecord<String, byte[]>> copies : deploysA.values()) {
      ConsumerRecord<String, byte[]> r = copies.get(0);
      assertThat(SchemaValidator.violations(r.value())).as(new String(r.value())).isEmpty();
      Event e = Topics.EVENT_SERDE.read(r.value());
      int rank = ((Number) e.detail().get("installed_rank")).intValue();
      assertThat(e.kind()).isEqualTo(Event.DEPLOY);
      assertThat(e.source()).isEqualTo("cdc:" + run.history());
      assertThat(e.at()).isEqualTo(installedOn.get(rank).truncatedTo(ChronoUnit.MILLIS));
      assertThat(r.timestamp()).isEqualTo(e.at().toEpochMilli());
      assertThat(e.detail()).containsEntry("tool", "flyway").containsEntry("success", true)
          .containsEntry("installed_by", "postgres").containsEntry("type", "SQL");
      switch (rank) {
        case 2 -> assertThat(e.detail()).containsEntry("version", "2").containsEntry("description", "app index")
            .containsEntry("script", "V2__app_index.sql");
        case 3 -> assertThat(e.detail()).containsEntry("version", "3").containsEntry("script", "V3__region.sql");
        default -> assertThat(e.detail()).doesNotContainKey("version").containsEntry("description", "slow requests")
            .containsEntry("script", "R__slow_requests.sql");
      }
    }

    // --- B: the agent dies after Kafka acked a batch but before its position was committed
    outbox.crashAfterNextPublish();
    List<Long> b = insertInOneTransaction(run, "now(), 21.0, 'checkout'", "now(), 22.0, 'checkout'");
    Awaitility.await().atMost(WAIT).until(() -> !capture.isRunning());
    assertThat(capture.lastFailure()).hasValueSatisfying(f -> assertThat(f.message()).contains("simulated crash"));
    assertThat(capture.failures()).isEqualTo(1);
    capture.close();
    outbox.close();

    // --- C: written while no capture runs, including a deploy
    List<Long> c = insertInOneTransaction(run, "now(), 31.0, 'search'", "now(), 32.0, 'search'");
    migration(migrations, "V4__region_index.sql", "CREATE INDEX performance_metrics_region ON performance_metrics(region)");
    flyway(run, migrations);

    // --- a new capture with the same offsets file; D: written after it started
    KafkaTestOutbox outbox2 = new KafkaTestOutbox(KAFKA.clientConfig());
    CdcCapture capture2 = new CdcCapture(options, outbox2);
    long t1 = System.nanoTime();
    try {
      capture2.start();
      awaitStreaming(capture2, run.slot());
      long restartMs = (System.nanoTime() - t1) / 1_000_000;
      List<Long> d = insertInOneTransaction(run, "now(), 41.0, 'checkout'");
      Awaitility.await().atMost(WAIT).until(() -> capture2.samplesPublished() >= 5 && capture2.eventsPublished() >= 1);

      Set<Long> expected = new java.util.TreeSet<>();
      expected.addAll(a.subList(0, 4));
      expected.addAll(b);
      expected.addAll(c);
      expected.addAll(d);
      Map<String, List<ConsumerRecord<String, byte[]>>> all = byId(read(Topics.LATENCY.name(), run,
          r -> byId(r).size() >= expected.size()));
      Map<Long, String> idByKey = new HashMap<>();
      all.forEach((id, copies) -> {
        // a copy is the same message: same id, same bytes
        assertThat(copies).extracting(r -> new String(r.value())).as(id).containsOnly(new String(copies.get(0).value()));
        assertThat(idByKey.put(Long.parseLong(id.substring(id.lastIndexOf(':') + 1)), id)).as(id).isNull();
      });
      assertThat(idByKey.keySet()).as("each row exactly once after dedupe").containsExactlyInAnyOrderElementsOf(expected);
      for (Long key : b) {
        assertThat(all.get(idByKey.get(key))).as("redelivered after the crash").hasSizeGreaterThanOrEqualTo(2);
      }
      for (Long key : d) {
        assertThat(all.get(idByKey.get(key))).hasSize(1);
      }
      Map<String, List<ConsumerRecord<String, byte[]>>> deploys = byId(read(Topics.EVENTS.name(), run,
          r -> byId(r).size() >= 4));
      assertThat(deploys.keySet()).containsExactlyInAnyOrder(flywayId(run, 2), flywayId(run, 3), flywayId(run, 4),
          flywayId(run, 5));
      assertThat(deploys.get(flywayId(run, 5))).hasSize(1);
      System.out.printf("CDC IT: first start to streaming %d ms, restart to streaming %d ms, latency records %d"
          + " (%d distinct), events %d%n", startupMs, restartMs, all.values().stream().mapToInt(List::size).sum(),
          all.size(), deploys.values().stream().mapToInt(List::size).sum());

      // --- drop: refused while streaming, then done, then idempotent
      assertThatThrownBy(() -> CdcCapture.dropSlot(run.target(), run.slot(), run.slot(), Duration.ofMillis(500)))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("is active");
    } finally {
      capture2.close();
      outbox2.close();
    }
    assertThat(capture2.isRunning()).isFalse();
    long t2 = System.nanoTime();
    CdcCapture.DropResult dropped = CdcCapture.dropSlot(run.target(), run.slot(), run.slot());
    System.out.printf("CDC IT: slot dropped %d ms after the capture closed%n", (System.nanoTime() - t2) / 1_000_000);
    assertThat(dropped.slotDropped()).isTrue();
    assertThat(dropped.publicationDropped()).isTrue();
    assertThat(count("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + run.slot() + "'")).isZero();
    assertThat(count("SELECT count(*) FROM pg_publication WHERE pubname = '" + run.slot() + "'")).isZero();
    assertThat(capture2.retainedWalBytes()).isEmpty();
    CdcCapture.DropResult again = CdcCapture.dropSlot(run.target(), run.slot(), run.slot());
    assertThat(again.slotDropped()).isFalse();
    assertThat(again.publicationDropped()).isFalse();
    assertThat(again.messages()).anySatisfy(m -> assertThat(m).contains("does not exist"));
  }

  @Test
  void shouldStopWithAFailureThatNamesNoCredentialsWhenTheServerIsUnreachable() throws Exception {
    Run run = Run.create();
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    CdcOptions options = CdcOptions.builder(run.instanceId(),
            new PgTarget("127.0.0.1", closedPort, "postgres", "postgres", run.password()))
        .slotName(run.slot())
        .offsetsFile(dir.resolve(run.id() + ".offsets"))
        .latencyTable(LatencyTable.of(run.metrics(), null, "v", Unit.MS))
        .build();
    try (LogCapture logs = new LogCapture("io.debezium", "org.apache.kafka.connect", "org.apache.kafka.common.config",
        "dev.headroom");
        KafkaTestOutbox outbox = new KafkaTestOutbox(KAFKA.clientConfig());
        CdcCapture capture = new CdcCapture(options, outbox)) {
      capture.start();
      Awaitility.await().atMost(WAIT).until(() -> !capture.isRunning());
      assertThat(capture.lastFailure()).hasValueSatisfying(f -> {
        assertThat(f.message()).isNotBlank().doesNotContain(run.password());
        assertThat(f.at()).isBeforeOrEqualTo(Instant.now());
      });
      assertThat(capture.failures()).isEqualTo(1);
      assertThat(logs.lines()).isNotEmpty().noneSatisfy(line -> assertThat(line).contains(run.password()));
      assertThat(logs.lines()).anySatisfy(line -> assertThat(line).contains("stopped on an error"));
    }
  }

  @Test
  void shouldNotHoldBackWalWrittenToOtherTablesWhileItsTablesAreQuiet() throws Exception {
    Run run = Run.create();
    sql("CREATE SCHEMA " + run.schema(),
        "CREATE TABLE " + run.metrics() + "(id bigserial PRIMARY KEY, timestamp timestamptz,"
            + " response_time_ms double precision, app text)",
        "CREATE TABLE " + run.history() + "(installed_rank int PRIMARY KEY, version varchar(50),"
            + " description varchar(200) NOT NULL, type varchar(20) NOT NULL, script varchar(1000) NOT NULL,"
            + " checksum int, installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(),"
            + " execution_time int NOT NULL, success boolean NOT NULL)",
        "CREATE TABLE " + run.schema() + ".busy(id bigserial PRIMARY KEY, payload text)");
    try (LogCapture logs = new LogCapture("io.debezium", "org.apache.kafka.connect", "org.apache.kafka.common.config");
        KafkaTestOutbox outbox = new KafkaTestOutbox(KAFKA.clientConfig());
        CdcCapture capture = new CdcCapture(options(run), outbox)) {
      capture.start();
      awaitStreaming(capture, run.slot());
      for (int i = 0; i < 8; i++) {
        sql("INSERT INTO " + run.schema() + ".busy(payload) SELECT repeat('x', 1000) FROM generate_series(1, 4000)");
      }
      long written = capture.retainedWalBytes().orElseThrow();
      System.out.printf("CDC IT: retained WAL right after ~32 MB written elsewhere: %d bytes%n", written);
      assertThat(written).isGreaterThan(16L << 20);
      long t0 = System.nanoTime();
      Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(500))
          .until(() -> capture.retainedWalBytes().orElseThrow() < (8L << 20));
      System.out.printf("CDC IT: released in %d ms, now %d bytes retained%n", (System.nanoTime() - t0) / 1_000_000,
          capture.retainedWalBytes().orElseThrow());
      // the password reached Debezium's configuration dump, masked
      assertThat(logs.lines()).noneSatisfy(line -> assertThat(line).contains(run.password()));
    }
    // the slot moved past the offsets file's position while nothing was captured: a restart from
    // that file resumes, and the next row arrives
    try (KafkaTestOutbox outbox = new KafkaTestOutbox(KAFKA.clientConfig());
        CdcCapture capture = new CdcCapture(options(run), outbox)) {
      capture.start();
      awaitStreaming(capture, run.slot());
      sql("INSERT INTO " + run.metrics() + "(timestamp, response_time_ms, app) VALUES (now(), 3.5, 'after')");
      assertThat(byId(read(Topics.LATENCY.name(), run, r -> !r.isEmpty()))).hasSize(1);
      assertThat(capture.samplesPublished()).isEqualTo(1);
    } finally {
      CdcCapture.dropSlot(run.target(), run.slot(), run.slot());
    }
  }

  @Test
  void shouldSayAMappedTableIsMissingAndCaptureItOnceItExistsAndTheCaptureRestarted() throws Exception {
    Run run = Run.create();
    sql("CREATE SCHEMA " + run.schema(), "CREATE TABLE " + run.metrics() + "(id bigserial PRIMARY KEY,"
        + " timestamp timestamptz, response_time_ms double precision, app text)");
    Path migrations = Files.createDirectories(dir.resolve("migrations"));
    try {
      try (LogCapture logs = new LogCapture("dev.headroom");
          KafkaTestOutbox outbox = new KafkaTestOutbox(KAFKA.clientConfig());
          CdcCapture capture = new CdcCapture(options(run), outbox)) {
        capture.start();
        awaitStreaming(capture, run.slot());
        assertThat(logs.lines()).anySatisfy(line -> assertThat(line).contains("table " + run.history()
            + " does not exist"));
        // the application adopts Flyway while the agent runs: not captured yet
        migration(migrations, "V1__app_index.sql", "CREATE INDEX performance_metrics_app ON performance_metrics(app)");
        flyway(run, migrations);
        sql("INSERT INTO " + run.metrics() + "(timestamp, response_time_ms, app) VALUES (now(), 1.5, 'checkout')");
        Awaitility.await().atMost(WAIT).until(() -> capture.samplesPublished() == 1);
        assertThat(capture.eventsPublished()).isZero();
      }
      try (KafkaTestOutbox outbox = new KafkaTestOutbox(KAFKA.clientConfig());
          CdcCapture capture = new CdcCapture(options(run), outbox)) {
        capture.start();
        awaitStreaming(capture, run.slot());
        migration(migrations, "V2__region.sql", "ALTER TABLE performance_metrics ADD COLUMN region text");
        flyway(run, migrations);
        Awaitility.await().atMost(WAIT).until(() -> capture.eventsPublished() == 1);
        // rank 1 is Flyway's baseline marker, rank 2 V1: both written before the restart
        assertThat(byId(read(Topics.EVENTS.name(), run, r -> !r.isEmpty())).keySet())
            .containsExactly(flywayId(run, 3));
      }
    } finally {
      CdcCapture.dropSlot(run.target(), run.slot(), run.slot());
    }
  }

  // --- helpers

  static void assertSample(LatencySample s, Run run, String observedAt, String scope, double valueMs) {
    assertThat(s.observedAt()).isEqualTo(Instant.parse(observedAt));
    assertThat(s.scope()).isEqualTo(scope);
    assertThat(s.valueMs()).isEqualTo(valueMs);
    assertThat(s.weight()).isEqualTo(1.0);
    assertThat(s.source()).isEqualTo("cdc");
    assertThat(s.instanceId()).isEqualTo(run.instanceId());
  }

  static String flywayId(Run run, int rank) {
    return "flyway:postgres:" + run.history() + ":" + rank;
  }

  static void awaitStreaming(CdcCapture capture, String slot) {
    Awaitility.await().atMost(WAIT).until(() -> {
      assertThat(capture.lastFailure()).as("engine failure").isEmpty();
      return capture.isStreaming()
          && count("SELECT count(*) FROM pg_replication_slots WHERE active AND slot_name = '" + slot + "'") == 1;
    });
  }

  static void migration(Path dir, String name, String sql) throws IOException {
    Files.writeString(dir.resolve(name), sql + ";\n");
  }

  static void flyway(Run run, Path migrations) {
    Flyway.configure()
        .dataSource(PG.dataSource())
        .schemas(run.schema())
        // a schema that has tables before Flyway is adopted gets a baseline marker first
        .baselineOnMigrate(true)
        .baselineVersion("0")
        .locations("filesystem:" + migrations.toAbsolutePath())
        .load()
        .migrate();
  }

  static void sql(String... statements) {
    PG.execute(statements);
  }

  static long count(String sql) throws SQLException {
    try (Connection c = PG.dataSource().getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Inserts one row per tuple {@code timestamp, response_time_ms, app}, all in one transaction; their ids. */
  static List<Long> insertInOneTransaction(Run run, String... tuples) throws SQLException {
    List<Long> ids = new ArrayList<>();
    try (Connection c = PG.dataSource().getConnection()) {
      c.setAutoCommit(false);
      for (String tuple : tuples) {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("INSERT INTO " + run.metrics()
            + "(timestamp, response_time_ms, app) VALUES (" + tuple + ") RETURNING id")) {
          rs.next();
          ids.add(rs.getLong(1));
        }
      }
      c.commit();
    }
    return ids;
  }

  static Map<Integer, Instant> installedOn(Run run) throws SQLException {
    Map<Integer, Instant> out = new HashMap<>();
    try (Connection c = PG.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT installed_rank, installed_on FROM " + run.history());
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.put(rs.getInt(1), rs.getTimestamp(2).toInstant()); // in this JVM's zone, as Flyway wrote it
      }
    }
    return out;
  }

  /** Every record of the run's instance on the topic, from the beginning, once {@code until} holds (bounded). */
  static List<ConsumerRecord<String, byte[]>> read(String topic, Run run,
      Predicate<List<ConsumerRecord<String, byte[]>>> until) {
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers",
        KAFKA.bootstrapServers(), "enable.auto.commit", false), new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Awaitility.await().atMost(WAIT).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> {
          if (run.instanceId().equals(r.key())) {
            out.add(r);
          }
        });
        return until.test(out);
      });
      // anything already on its way (a redelivered copy) is part of the answer
      consumer.poll(Duration.ofMillis(500)).forEach(r -> {
        if (run.instanceId().equals(r.key())) {
          out.add(r);
        }
      });
    }
    return out;
  }

  /** Records grouped by their message id, in arrival order. */
  static Map<String, List<ConsumerRecord<String, byte[]>>> byId(List<ConsumerRecord<String, byte[]>> records) {
    Map<String, List<ConsumerRecord<String, byte[]>>> out = new LinkedHashMap<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      String json = new String(r.value());
      String id;
      try {
        id = dev.headroom.schemas.Json.mapper().readTree(json).get("id").asText();
      } catch (IOException e) {
        throw new IllegalStateException(json, e);
      }
      out.computeIfAbsent(id, k -> new ArrayList<>()).add(r);
    }
    return out;
  }
}
