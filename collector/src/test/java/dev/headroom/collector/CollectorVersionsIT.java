package dev.headroom.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headroom.schemas.SchemaValidator;
import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.Topics;
import dev.headroom.testkit.KafkaFixture;
import dev.headroom.testkit.PostgresFixture;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every section, read from a real server of each supported major version, as a role that is
 * only a member of pg_monitor and authenticates with a password over scram-sha-256.
 */
class CollectorVersionsIT {
  static final KafkaFixture KAFKA = KafkaFixture.get();
  static final String ROLE = "headroom_monitor";
  static final String PASSWORD = "Hr-monitor-7c1f2b";
  static final String ARCHIVE_SECRET = "AKIA-not-for-kafka-93d1";

  /** A database with a table, indexes (one a duplicate), a sequence, statements and a logical slot. */
  static void prepare(PostgresFixture pg) {
    pg.execute("SET password_encryption = 'scram-sha-256'",
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + ROLE + "') THEN"
            + " CREATE ROLE " + ROLE + " LOGIN PASSWORD '" + PASSWORD + "' IN ROLE pg_monitor; END IF; END $$",
        // the monitoring role must authenticate with its password; everyone else keeps trust
        "COPY (SELECT 'host all " + ROLE + " 127.0.0.1/32 scram-sha-256' UNION ALL SELECT 'host all all 127.0.0.1/32 trust'"
            + " UNION ALL SELECT 'local all all trust') TO '" + hbaFile(pg) + "'",
        "ALTER SYSTEM SET archive_command = 'aws s3 cp %p s3://wal/%f --secret " + ARCHIVE_SECRET + "'",
        "SELECT pg_reload_conf()",
        "DROP DATABASE IF EXISTS appdb", "CREATE DATABASE appdb");
    try (var c = java.sql.DriverManager.getConnection(pg.jdbcUrl("appdb")); var s = c.createStatement()) {
      s.execute("CREATE TABLE orders(id bigserial PRIMARY KEY, customer int NOT NULL, amount int)");
      s.execute("CREATE INDEX orders_customer ON orders(customer)");
      s.execute("CREATE INDEX orders_customer_again ON orders(customer)");
      s.execute("INSERT INTO orders(customer, amount) SELECT g % 100, g FROM generate_series(1, 5000) g");
      s.execute("ANALYZE orders");
      s.execute("SELECT count(*) FROM orders WHERE amount > 10");
      s.execute("SELECT pg_sleep(0.01)");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    pg.execute("SELECT pg_create_logical_replication_slot('headroom_it_slot', 'pgoutput')"
        + " WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = 'headroom_it_slot')");
  }

  static String hbaFile(PostgresFixture pg) {
    try (var c = pg.dataSource().getConnection(); var s = c.createStatement();
        var rs = s.executeQuery("SHOW hba_file")) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static CollectorConfig config(PostgresFixture pg, String instanceId, String password) {
    Map<String, Object> props = new HashMap<>();
    props.put(CollectorConfig.BOOTSTRAP_SERVERS, KAFKA.bootstrapServers());
    props.put(CollectorConfig.INSTANCE_ID, instanceId);
    props.put(CollectorConfig.TARGET_URL, "jdbc:postgresql://127.0.0.1:" + pg.port() + "/postgres");
    props.put(CollectorConfig.TARGET_USER, ROLE);
    props.put(CollectorConfig.TARGET_PASSWORD, password);
    props.put(CollectorConfig.INSTANCE_LABELS, "env=test,major=" + instanceId.substring(instanceId.length() - 2));
    props.put(CollectorConfig.TOPICS_PARTITIONS, 1);
    props.put(CollectorConfig.HOST_METRICS, "off"); // CollectorSourcesIT covers the host
    return new CollectorConfig(props);
  }

  @ParameterizedTest(name = "PostgreSQL {0}")
  @ValueSource(ints = {13, 14, 15, 16, 17})
  void shouldReadEverySectionAsAPgMonitorRole(int major) throws Exception {
    PostgresFixture pg = PostgresFixture.monitored(major);
    prepare(pg);
    List<Snapshot> sent;
    String logs;
    try (LogCapture capture = new LogCapture()) {
      try (Collector collector = new Collector(config(pg, "it/pg" + major, PASSWORD))) {
        sent = collector.snapshotOnce();
      }
      try (Collector wrong = new Collector(config(pg, "it/pg" + major + "-wrong", PASSWORD + "x"))) {
        assertThatThrownBy(wrong::snapshotOnce).isInstanceOf(SQLException.class)
            .hasMessageContaining("password authentication failed").hasMessageNotContaining(PASSWORD);
      }
      logs = capture.text();
    }
    assertThat(logs).contains("connected to").doesNotContain(PASSWORD);

    Map<String, List<Map<String, Object>>> sections = sent.stream().collect(Collectors.groupingBy(Snapshot::section,
        Collectors.flatMapping(s -> s.rows().stream(), Collectors.toList())));
    assertThat(sections).containsOnlyKeys("statements", "statements_info", "databases", "activity", "replication",
        "slots", "settings", "wal", "bgwriter", "checkpointer", "tables", "indexes", "sequences");
    for (Snapshot s : sent) {
      byte[] json = Topics.SNAPSHOT_SERDE.write(s);
      assertThat(SchemaValidator.violations(json)).as(s.section()).isEmpty();
      assertThat(new String(json, StandardCharsets.UTF_8)).doesNotContain(ARCHIVE_SECRET, PASSWORD);
      assertThat(s.instance().serverVersionNum() / 10_000).isEqualTo(major);
      assertThat(s.instance().labels()).containsEntry("env", "test");
    }

    // statements: another role's statements with their text (pg_read_all_stats), version columns
    assertThat(sections.get("statements")).anySatisfy(row -> {
      assertThat((String) row.get("query")).contains("pg_sleep");
      assertThat(row).containsKeys("toplevel", "wal_bytes", "blk_read_time_ms");
      assertThat(row.containsKey("stats_since")).isEqualTo(major >= 17);
    });
    assertThat(sections.get("statements_info").get(0).containsKey("dealloc")).isEqualTo(major >= 14);
    assertThat(((Number) sections.get("statements_info").get(0).get("entries")).longValue()).isPositive();

    assertThat(sections.get("databases")).anySatisfy(row -> {
      assertThat(row.get("datname")).isEqualTo("appdb");
      assertThat(((Number) row.get("size_bytes")).longValue()).isPositive();
      assertThat(row.containsKey("sessions")).isEqualTo(major >= 14);
    });
    Map<String, Object> activity = sections.get("activity").get(0);
    assertThat(activity).containsEntry("max_connections", 50L);
    assertThat(((Number) activity.get("reserved_connections")).longValue()).isGreaterThanOrEqualTo(3);

    assertThat(sections.get("tables")).anySatisfy(row -> {
      assertThat(row).containsEntry("datname", "appdb").containsEntry("schema", "public").containsEntry("table", "orders");
      assertThat(((Number) row.get("table_bytes")).longValue()).isPositive();
      assertThat(((Number) row.get("total_bytes")).longValue()).isGreaterThan(((Number) row.get("table_bytes")).longValue());
      assertThat(row.containsKey("last_seq_scan")).isEqualTo(major >= 16);
    });
    assertThat(sections.get("indexes")).anySatisfy(row -> {
      assertThat(row).containsEntry("index", "orders_pkey").containsEntry("is_primary", true)
          .containsEntry("backs_constraint", true);
    }).anySatisfy(row -> {
      assertThat(row).containsEntry("index", "orders_customer_again").containsEntry("is_unique", false);
      assertThat((String) row.get("definition")).startsWith("CREATE INDEX orders_customer_again ON public.orders");
    });
    // pg_monitor cannot read sequence values: the row says so instead of pretending
    assertThat(sections.get("sequences")).anySatisfy(row -> {
      assertThat(row).containsEntry("name", "public.orders_id_seq").containsEntry("readable", false);
      assertThat(row.get("last_value")).isNull();
    });
    assertThat(logs).contains("GRANT SELECT ON ALL SEQUENCES");

    assertThat(sections.get("slots")).anySatisfy(row -> {
      assertThat(row).containsEntry("slot_name", "headroom_it_slot").containsEntry("slot_type", "logical")
          .containsEntry("active", false);
      assertThat(((Number) row.get("retained_wal_bytes")).longValue()).isGreaterThanOrEqualTo(0);
    });
    assertThat(sections.get("settings")).anySatisfy(row -> assertThat(row)
        .containsEntry("name", "archive_command").containsEntry("setting", "<redacted>"));
    assertThat(sections.get("settings")).anySatisfy(row -> assertThat(row)
        .containsEntry("name", "max_connections").containsEntry("setting", "50"));
    Map<String, Object> wal = sections.get("wal").get(0);
    assertThat(((Number) wal.get("wal_position_bytes")).longValue()).isPositive();
    assertThat(wal.containsKey("wal_records")).isEqualTo(major >= 14);
    Map<String, Object> checkpointer = sections.get("checkpointer").get(0);
    assertThat(checkpointer).containsKeys("checkpoints_timed", "checkpoints_req", "buffers_checkpoint");
    assertThat(checkpointer.containsKey("restartpoints_done")).isEqualTo(major >= 17);
    assertThat(sections.get("bgwriter").get(0).containsKey("buffers_backend")).isEqualTo(major < 17);
    assertThat(sections.get("replication")).isEmpty(); // collected, no standbys
  }
}
