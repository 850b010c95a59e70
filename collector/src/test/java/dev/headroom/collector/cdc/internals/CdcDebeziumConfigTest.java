package dev.headroom.collector.cdc.internals;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headroom.collector.cdc.CdcOptions;
import dev.headroom.collector.cdc.CdcOptions.LatencyTable;
import dev.headroom.collector.cdc.CdcOptions.MigrationTable;
import dev.headroom.collector.cdc.CdcOptions.Unit;
import dev.headroom.collector.cdc.PgTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class CdcDebeziumConfigTest {
  @Test
  void shouldConfigureTheConnectorForTheMappedTablesOnly() {
    CdcOptions options = CdcOptions.builder("prod-eu/orders-1", new PgTarget("db1", 5433, "orders", "headroom", "pw"))
        .slotName("headroom_slot").publicationName("headroom_pub")
        .offsetsFile(Path.of("/var/lib/headroom/cdc.offsets"))
        .offsetFlushInterval(Duration.ofSeconds(5))
        .latencyTable(LatencyTable.of("public.performance_metrics", null, "v", Unit.MS))
        .migrationTable(MigrationTable.flyway("app$1.flyway_schema_history"))
        .build();
    Properties p = DebeziumConfig.of(options);
    assertThat(p).containsEntry("connector.class", "io.debezium.connector.postgresql.PostgresConnector")
        .containsEntry("database.hostname", "db1").containsEntry("database.port", "5433")
        .containsEntry("database.dbname", "orders").containsEntry("database.user", "headroom")
        .containsEntry("database.password", "pw")
        .containsEntry("plugin.name", "pgoutput")
        .containsEntry("slot.name", "headroom_slot").containsEntry("publication.name", "headroom_pub")
        .containsEntry("publication.autocreate.mode", "filtered")
        .containsEntry("snapshot.mode", "no_data")
        .containsEntry("lsn.flush.mode", "connector_and_driver")
        .containsEntry("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore")
        .containsEntry("offset.storage.file.filename", "/var/lib/headroom/cdc.offsets")
        .containsEntry("offset.flush.interval.ms", "5000");
    String[] include = p.getProperty("table.include.list").split(",");
    assertThat(include).hasSize(2);
    assertThat(Pattern.matches(include[0], "public.performance_metrics")).isTrue();
    assertThat(Pattern.matches(include[0], "publicXperformance_metrics")).isFalse();
    assertThat(Pattern.matches(include[1], "app$1.flyway_schema_history")).isTrue();
  }

  @Test
  void shouldLeaveThePasswordOutWhenThereIsNone() {
    CdcOptions options = CdcOptions.builder("i", new PgTarget("db1", 5432, "orders", "headroom", null))
        .offsetsFile(Path.of("x")).latencyTable(LatencyTable.of("public.t", null, "v", Unit.MS)).build();
    assertThat(DebeziumConfig.of(options)).doesNotContainKey("database.password");
  }
}
