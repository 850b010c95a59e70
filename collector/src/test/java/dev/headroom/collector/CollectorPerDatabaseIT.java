package dev.headroom.collector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headroom.schemas.Snapshot;
import dev.headroom.testkit.KafkaFixture;
import dev.headroom.testkit.PostgresFixture;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The per-database reads: kept connections, cached index definitions, exact sizes on their own schedule. */
class CollectorPerDatabaseIT {
  static final PostgresFixture PG = PostgresFixture.monitored();
  static final KafkaFixture KAFKA = KafkaFixture.get();

  @BeforeAll
  static void createADatabase() throws Exception {
    PG.execute("DROP DATABASE IF EXISTS perdb_it", "CREATE DATABASE perdb_it");
    try (Connection c = DriverManager.getConnection(PG.jdbcUrl("perdb_it")); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE items(id int PRIMARY KEY, sku text)");
      s.execute("CREATE INDEX items_sku ON items(sku)");
      s.execute("INSERT INTO items SELECT g, 'sku-' || g FROM generate_series(1, 2000) g");
      s.execute("ANALYZE items");
    }
  }

  static CollectorConfig config(String id, int kept) {
    Map<String, Object> props = new HashMap<>();
    props.put(CollectorConfig.BOOTSTRAP_SERVERS, KAFKA.bootstrapServers());
    props.put(CollectorConfig.INSTANCE_ID, id);
    props.put(CollectorConfig.TARGET_URL, PG.jdbcUrl("postgres"));
    props.put(CollectorConfig.SECTIONS, "tables,indexes");
    props.put(CollectorConfig.DATABASES_INCLUDE, "perdb_it");
    props.put(CollectorConfig.DATABASES_KEPT, kept);
    props.put(CollectorConfig.DATABASES_CONCURRENCY, 1); // one connection per database, so the count below is exact
    props.put(CollectorConfig.HOST_METRICS, "off");
    props.put(CollectorConfig.TOPICS_PARTITIONS, 1);
    return new CollectorConfig(props);
  }

  static List<Map<String, Object>> rows(List<Snapshot> sent, String section) {
    return sent.stream().filter(s -> s.section().equals(section)).flatMap(s -> s.rows().stream()).toList();
  }

  static Map<String, Object> index(List<Snapshot> sent, String name) {
    return rows(sent, "indexes").stream().filter(r -> name.equals(r.get("index"))).findFirst().orElseThrow();
  }

  static int collectorConnectionsTo(String database) throws Exception {
    try (Connection c = PG.dataSource().getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + database
            + "' AND application_name = 'headroom-collector'")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Test
  void shouldKeepItsConnectionsRememberDefinitionsAndReadExactSizesWhenDue() throws Exception {
    try (Collector collector = new Collector(config("it/perdb", 8))) {
      List<Snapshot> first = collector.snapshot(EnumSet.of(Section.TABLES, Section.INDEXES, Section.RELATION_SIZES));
      assertThat(index(first, "items_sku").get("definition")).isEqualTo("CREATE INDEX items_sku ON public.items USING btree (sku)");
      assertThat(((Number) index(first, "items_sku").get("size_bytes")).longValue()).isPositive();
      Map<String, Object> table = rows(first, "tables").get(0);
      // the index sizes are added in the agent, not read twice: the sums match the server's own
      try (Connection c = DriverManager.getConnection(PG.jdbcUrl("perdb_it")); Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT pg_table_size('items'), pg_total_relation_size('items')")) {
        rs.next();
        assertThat(((Number) table.get("table_bytes")).longValue()).isEqualTo(rs.getLong(1));
        assertThat(((Number) table.get("total_bytes")).longValue()).isEqualTo(rs.getLong(2));
      }
      assertThat(((Number) table.get("estimated_bytes")).longValue()).isPositive();
      assertThat(collectorConnectionsTo("perdb_it")).isEqualTo(1); // kept for the next read

      try (Connection c = DriverManager.getConnection(PG.jdbcUrl("perdb_it")); Statement s = c.createStatement()) {
        s.execute("ALTER INDEX items_sku RENAME TO items_by_sku");
      }
      List<Snapshot> second = collector.snapshot(EnumSet.of(Section.TABLES, Section.INDEXES));
      // a renamed index is read again; the others come from what the reader remembers
      assertThat(index(second, "items_by_sku").get("definition"))
          .isEqualTo("CREATE INDEX items_by_sku ON public.items USING btree (sku)");
      assertThat(index(second, "items_pkey").get("definition")).isEqualTo(index(first, "items_pkey").get("definition"));
      // without the relation sizes: no exact sizes, the estimate still
      assertThat(index(second, "items_by_sku").get("size_bytes")).isNull();
      assertThat(rows(second, "tables").get(0).get("table_bytes")).isNull();
      assertThat(((Number) rows(second, "tables").get(0).get("estimated_bytes")).longValue()).isPositive();
      assertThat(collectorConnectionsTo("perdb_it")).isEqualTo(1); // the same one, reused
    }
    // closed with the collector; the server's backend leaves pg_stat_activity a moment after the socket closes
    Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
        .until(() -> collectorConnectionsTo("perdb_it") == 0);

    try (Collector collector = new Collector(config("it/perdb-none", 0))) {
      collector.snapshot(EnumSet.of(Section.TABLES));
      assertThat(collectorConnectionsTo("perdb_it")).isZero();
    }
  }

  @Test
  void shouldReadExactSizesWithTheNextTablesReadWhenTheirTurnFallsBetween() {
    Map<String, Object> props = new HashMap<>(config("it/perdb-schedule", 8).originals());
    props.put(CollectorConfig.INTERVAL_MS, 60_000L);
    props.put(CollectorConfig.TABLES_INTERVAL_MS, 300_000L);
    props.put(CollectorConfig.RELATION_SIZES_INTERVAL_MS, 420_000L);
    try (Collector c = new Collector(new CollectorConfig(props), java.time.Clock.systemUTC(),
        CollectorScheduleTest.NOWHERE, null)) {
      assertThat(c.due(0)).contains(Section.TABLES, Section.RELATION_SIZES);
      assertThat(c.due(5)).contains(Section.TABLES).doesNotContain(Section.RELATION_SIZES);
      assertThat(c.due(7)).doesNotContain(Section.RELATION_SIZES, Section.TABLES); // sizes due, no tables read
      assertThat(c.due(10)).contains(Section.TABLES, Section.RELATION_SIZES); // so they ride with the next
      assertThat(c.due(15)).doesNotContain(Section.RELATION_SIZES);
    }
  }
}
