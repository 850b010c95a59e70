package dev.headroom.collector.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headroom.collector.cdc.CdcOptions.LatencyTable;
import dev.headroom.collector.cdc.CdcOptions.MigrationTable;
import dev.headroom.collector.cdc.CdcOptions.Unit;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class CdcOptionsTest {
  static final PgTarget TARGET = new PgTarget("db1", 5432, "orders", "headroom", "s3cr3t-pw");

  static CdcOptions.Builder valid() {
    return CdcOptions.builder("prod-eu/orders-1", TARGET)
        .agentId("host-17")
        .offsetsFile(Path.of("/var/lib/headroom/cdc.offsets"))
        .latencyTable(LatencyTable.of("public.performance_metrics", "timestamp", "response_time_ms", Unit.MS)
            .withScopeColumn("app"))
        .migrationTable(MigrationTable.flyway("public.flyway_schema_history"));
  }

  @Test
  void shouldDeriveSlotAndPublicationNamesFromAgentAndTarget() {
    CdcOptions o = valid().build();
    assertThat(o.slotName()).isEqualTo("headroom_host_17_prod_eu_orders_1");
    assertThat(o.publicationName()).isEqualTo(o.slotName());
    assertThat(o.offsetFlushInterval()).isEqualTo(CdcOptions.DEFAULT_OFFSET_FLUSH_INTERVAL);
    assertThat(o.timestampZone()).isEqualTo(ZoneOffset.UTC);
    assertThat(o.tables()).containsExactly("public.performance_metrics", "public.flyway_schema_history");
  }

  @Test
  void shouldSanitizeNamesToPostgresSlotRules() {
    assertThat(CdcOptions.defaultName("Host.Example.COM", "prod-eu/Orders #1"))
        .isEqualTo("headroom_host_example_com_prod_eu_orders_1");
    assertThat(CdcOptions.defaultName("a", "b--")).isEqualTo("headroom_a_b");
    assertThat(CdcOptions.defaultName("ägent", "x")).isEqualTo("headroom_gent_x");
  }

  @Test
  void shouldCutLongNamesTo63CharactersKeepingThemDistinct() {
    String longTarget = "prod-eu/" + "orders".repeat(20);
    String a = CdcOptions.defaultName("host-17", longTarget + "-1");
    String b = CdcOptions.defaultName("host-17", longTarget + "-2");
    assertThat(a).hasSize(63).matches("[a-z0-9_]+").startsWith("headroom_host_17_prod_eu_orders");
    assertThat(b).hasSize(63).isNotEqualTo(a);
    assertThat(CdcOptions.defaultName("host-17", longTarget + "-1")).isEqualTo(a);
  }

  @Test
  void shouldRejectBadValuesNamingTheSettingAndNeverThePassword() {
    assertRejected(b -> CdcOptions.builder(" ", TARGET).offsetsFile(Path.of("x")).latencyTable(
        LatencyTable.of("public.t", null, "v", Unit.MS)), CdcOptions.INSTANCE_ID);
    assertRejected(b -> CdcOptions.builder("i", new PgTarget("db1", 0, "orders", "u", "s3cr3t-pw"))
        .offsetsFile(Path.of("x")).latencyTable(LatencyTable.of("public.t", null, "v", Unit.MS)), CdcOptions.PORT);
    assertRejected(b -> CdcOptions.builder("i", new PgTarget("db1", 5432, "", "u", "s3cr3t-pw"))
        .offsetsFile(Path.of("x")).latencyTable(LatencyTable.of("public.t", null, "v", Unit.MS)), CdcOptions.DATABASE);
    assertRejected(b -> CdcOptions.builder("i", new PgTarget("db1", 5432, "orders", null, "s3cr3t-pw"))
        .offsetsFile(Path.of("x")).latencyTable(LatencyTable.of("public.t", null, "v", Unit.MS)), CdcOptions.USER);
    assertRejected(b -> b.slotName("Headroom-Slot"), CdcOptions.SLOT_NAME);
    assertRejected(b -> b.slotName("x".repeat(64)), CdcOptions.SLOT_NAME);
    assertRejected(b -> b.publicationName("pub lication"), CdcOptions.PUBLICATION_NAME);
    assertRejected(b -> b.offsetsFile(null), CdcOptions.OFFSETS_FILE);
    assertRejected(b -> b.offsetFlushInterval(Duration.ofMillis(-1)), CdcOptions.OFFSET_FLUSH_INTERVAL_MS);
    assertRejected(b -> CdcOptions.builder("i", TARGET).offsetsFile(Path.of("x")), CdcOptions.LATENCY_TABLES);
  }

  @Test
  void shouldRejectBadTableMappingsNamingTheEntry() {
    assertRejected(b -> b.latencyTable(LatencyTable.of("performance_metrics", null, "v", Unit.MS)), "cdc.latency[1].table");
    assertRejected(b -> b.latencyTable(LatencyTable.of("public.x;drop", null, "v", Unit.MS)), "cdc.latency[1].table");
    assertRejected(b -> b.latencyTable(LatencyTable.of("public.x", null, null, Unit.MS)), "cdc.latency[1].value.column");
    assertRejected(b -> b.latencyTable(LatencyTable.of("public.x", "t ime", "v", Unit.MS)), "cdc.latency[1].time.column");
    assertRejected(b -> b.latencyTable(LatencyTable.of("public.x", null, "v", null)), "cdc.latency[1].unit");
    assertRejected(b -> b.latencyTable(LatencyTable.of("public.x", null, "v", Unit.MS).withScope("checkout")),
        "cdc.latency[1].scope");
    assertRejected(b -> b.latencyTable(LatencyTable.of("public.x", null, "v", Unit.MS).withWeightColumn("")),
        "cdc.latency[1].weight.column");
    assertRejected(b -> b.latencyTable(LatencyTable.of("PUBLIC.performance_metrics", null, "v", Unit.MS)),
        "cdc.latency[1].table");
    assertRejected(b -> b.migrationTable(MigrationTable.liquibase("public.flyway_schema_history")),
        "cdc.migrations[1].table");
    assertRejected(b -> b.migrationTable(new MigrationTable("public.changes", null)), "cdc.migrations[1].tool");
  }

  @Test
  void shouldParseUnitsAndConvertToMilliseconds() {
    assertThat(Unit.parse("ms").toMillis(12.5)).isEqualTo(12.5);
    assertThat(Unit.parse(" S ").toMillis(1.5)).isEqualTo(1500.0);
    assertThat(Unit.parse("us").toMillis(2500)).isEqualTo(2.5);
    assertThatThrownBy(() -> Unit.parse("min")).hasMessageContaining("ms, s or us");
  }

  @Test
  void shouldKeepThePasswordOutOfToString() {
    assertThat(valid().build().toString()).doesNotContain("s3cr3t-pw").contains("headroom@db1:5432/orders");
    assertThat(TARGET.toString()).doesNotContain("s3cr3t-pw");
  }

  private static void assertRejected(UnaryOperator<CdcOptions.Builder> change, String key) {
    assertThatThrownBy(() -> change.apply(valid()).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(key)
        .hasMessageNotContaining("s3cr3t-pw");
  }
}
