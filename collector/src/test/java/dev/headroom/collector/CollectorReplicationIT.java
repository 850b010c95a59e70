package dev.headroom.collector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headroom.schemas.SchemaValidator;
import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.Topics;
import dev.headroom.testkit.KafkaFixture;
import dev.headroom.testkit.PostgresFixture;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A primary with a streaming standby (made from the primary by a base backup through the
 * low-level backup API): the primary's replication section lists the standby with its lag, the
 * standby's lists its own receiver and replay lag, and the standby is published as a standby.
 */
class CollectorReplicationIT {
  static final KafkaFixture KAFKA = KafkaFixture.get();
  static EmbeddedPostgres primary;
  static EmbeddedPostgres standby;
  static Path standbyDir;

  @BeforeAll
  static void startAPrimaryAndAStandby() throws Exception {
    primary = PostgresFixture.start();
    Path primaryDir;
    try (Connection c = primary.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      primaryDir = Path.of(single(s, "SHOW data_directory"));
      String hba = single(s, "SHOW hba_file");
      Files.writeString(Path.of(hba), "host replication all 127.0.0.1/32 trust\n"
          + "host all all 127.0.0.1/32 trust\nlocal all all trust\n");
      s.execute("SELECT pg_reload_conf()");
      s.execute("SELECT pg_create_physical_replication_slot('standby_1', true)");
      s.execute("CREATE TABLE replicated(id int)");
    }
    standbyDir = Files.createTempDirectory("headroom-standby");
    try (Connection c = primary.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      String label;
      s.execute("SELECT pg_backup_start('headroom-it', true)");
      try (Stream<Path> files = Files.walk(primaryDir)) {
        for (Path from : (Iterable<Path>) files::iterator) {
          Path rel = primaryDir.relativize(from);
          String first = rel.getNameCount() > 0 ? rel.getName(0).toString() : "";
          if (first.equals("postmaster.pid") || first.equals("postmaster.opts")
              || (first.equals("pg_wal") && rel.getNameCount() > 1 && !Files.isDirectory(from))) {
            continue;
          }
          Path to = standbyDir.resolve(rel.toString());
          if (Files.isDirectory(from)) {
            Files.createDirectories(to);
          } else if (Files.exists(from)) {
            try {
              Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
            } catch (java.nio.file.NoSuchFileException gone) {
              // removed while copying: the WAL replay recreates what matters
            }
          }
        }
      }
      try (ResultSet rs = s.executeQuery("SELECT labelfile FROM pg_backup_stop(false)")) {
        rs.next();
        label = rs.getString(1);
      }
      Files.writeString(standbyDir.resolve("backup_label"), label);
    }
    Files.writeString(standbyDir.resolve("standby.signal"), "");
    Files.writeString(standbyDir.resolve("postgresql.auto.conf"), "primary_conninfo = 'host=127.0.0.1 port="
        + primary.getPort() + " user=postgres application_name=standby_1'\nprimary_slot_name = 'standby_1'\n",
        java.nio.file.StandardOpenOption.APPEND);
    standby = EmbeddedPostgres.builder().setDataDirectory(standbyDir).setCleanDataDirectory(false)
        .setServerConfig("listen_addresses", "127.0.0.1")
        .setServerConfig("shared_preload_libraries", "pg_stat_statements")
        .setServerConfig("hot_standby", "on")
        .setServerConfig("max_connections", "50")
        .setServerConfig("wal_level", "logical")
        .setServerConfig("max_replication_slots", "10")
        .setServerConfig("max_wal_senders", "10")
        .setServerConfig("hot_standby_feedback", "on")
        .start();
    try (Connection c = primary.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("INSERT INTO replicated SELECT generate_series(1, 1000)");
    }
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
      try (Connection c = standby.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
        return "1000".equals(single(s, "SELECT count(*) FROM replicated"));
      } catch (Exception notYet) {
        return false;
      }
    });
  }

  @AfterAll
  static void stop() throws Exception {
    if (standby != null) {
      standby.close();
    }
    if (primary != null) {
      primary.close();
    }
    if (standbyDir != null) {
      try (Stream<Path> files = Files.walk(standbyDir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  static String single(Statement s, String sql) throws Exception {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  static Map<String, List<Map<String, Object>>> snapshot(EmbeddedPostgres pg, String instanceId, List<Snapshot> sent)
      throws Exception {
    Map<String, Object> props = new HashMap<>();
    props.put(CollectorConfig.BOOTSTRAP_SERVERS, KAFKA.bootstrapServers());
    props.put(CollectorConfig.INSTANCE_ID, instanceId);
    props.put(CollectorConfig.TARGET_URL, "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres?user=postgres");
    props.put(CollectorConfig.SECTIONS, "replication,slots,wal,checkpointer,activity");
    props.put(CollectorConfig.HOST_METRICS, "off");
    props.put(CollectorConfig.TOPICS_PARTITIONS, 1);
    try (Collector collector = new Collector(new CollectorConfig(props))) {
      sent.addAll(collector.snapshotOnce());
    }
    Map<String, List<Map<String, Object>>> sections = new HashMap<>();
    for (Snapshot s : sent) {
      assertThat(SchemaValidator.violations(Topics.SNAPSHOT_SERDE.write(s))).as(s.section()).isEmpty();
      sections.computeIfAbsent(s.section(), k -> new ArrayList<>()).addAll(s.rows());
    }
    return sections;
  }

  @Test
  void shouldReportTheStandbyFromBothSides() throws Exception {
    List<Snapshot> fromPrimary = new ArrayList<>();
    Map<String, List<Map<String, Object>>> p = snapshot(primary, "it/primary", fromPrimary);
    assertThat(fromPrimary).allSatisfy(s -> assertThat(s.instance().role()).isEqualTo("primary"));
    assertThat(p.get("replication")).singleElement().satisfies(row -> {
      assertThat(row).containsEntry("kind", "sender").containsEntry("application_name", "standby_1")
          .containsEntry("state", "streaming").containsEntry("client_addr", "127.0.0.1");
      assertThat(((Number) row.get("replay_lag_bytes")).longValue()).isGreaterThanOrEqualTo(0);
    });
    assertThat(p.get("slots")).anySatisfy(row -> {
      assertThat(row).containsEntry("slot_name", "standby_1").containsEntry("slot_type", "physical")
          .containsEntry("active", true);
      assertThat(((Number) row.get("retained_wal_bytes")).longValue()).isGreaterThanOrEqualTo(0);
    });

    List<Snapshot> fromStandby = new ArrayList<>();
    Map<String, List<Map<String, Object>>> s = snapshot(standby, "it/standby", fromStandby);
    assertThat(fromStandby).allSatisfy(m -> {
      assertThat(m.instance().role()).isEqualTo("standby");
      // the standby is the same system as its primary
      assertThat(m.instance().systemIdentifier()).isEqualTo(fromPrimary.get(0).instance().systemIdentifier());
    });
    assertThat(s.get("replication")).singleElement().satisfies(row -> {
      assertThat(row).containsEntry("kind", "receiver").containsEntry("status", "streaming")
          .containsEntry("sender_host", "127.0.0.1");
      assertThat(((Number) row.get("replay_lag_bytes")).longValue()).isGreaterThanOrEqualTo(0);
      assertThat(((Number) row.get("replay_lag_s")).doubleValue()).isGreaterThanOrEqualTo(0);
    });
    assertThat(((Number) s.get("wal").get(0).get("wal_position_bytes")).longValue()).isPositive();
    assertThat(s.get("checkpointer").get(0)).containsKey("restartpoints_done");
  }
}
