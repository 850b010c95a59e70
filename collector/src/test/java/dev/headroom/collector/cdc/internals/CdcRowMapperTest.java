package dev.headroom.collector.cdc.internals;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headroom.collector.cdc.CdcOptions;
import dev.headroom.collector.cdc.CdcOptions.LatencyTable;
import dev.headroom.collector.cdc.CdcOptions.MigrationTable;
import dev.headroom.collector.cdc.CdcOptions.Unit;
import dev.headroom.collector.cdc.PgTarget;
import dev.headroom.collector.cdc.SkipReason;
import dev.headroom.collector.cdc.internals.ChangeRow.Op;
import dev.headroom.schemas.Event;
import dev.headroom.schemas.LatencySample;
import dev.headroom.schemas.SchemaValidator;
import dev.headroom.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class CdcRowMapperTest {
  static final Instant COMMIT = Instant.parse("2026-11-22T10:00:05.250Z");
  static final Instant OBSERVED = Instant.parse("2026-11-22T10:00:01.125Z");
  static final long LSN = 0x1_6B37_4D48L;

  static CdcOptions.Builder options() {
    return CdcOptions.builder("prod-eu/orders-1", new PgTarget("db1", 5432, "orders", "headroom", null))
        .offsetsFile(Path.of("offsets"))
        .migrationTable(MigrationTable.flyway("public.flyway_schema_history"))
        .migrationTable(MigrationTable.liquibase("app.databasechangelog"));
  }

  static RowMapper mapper(LatencyTable table) {
    return new RowMapper(options().latencyTable(table).build());
  }

  static final LatencyTable METRICS = LatencyTable.of("public.performance_metrics", "timestamp", "response_time_ms",
      Unit.MS).withScopeColumn("app");

  static ChangeRow insert(String table, Map<String, Object> after, String... key) {
    return new ChangeRow(table, Op.INSERT, after, List.of(key), LSN, COMMIT);
  }

  static Map<String, Object> row(Object... kv) {
    Map<String, Object> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  static LatencySample sample(RowMapper.Result r) {
    assertThat(r).isInstanceOf(RowMapper.Sample.class);
    LatencySample s = ((RowMapper.Sample) r).sample();
    assertThat(SchemaValidator.violations(Topics.LATENCY_SAMPLE_SERDE.write(s))).isEmpty();
    return s;
  }

  static Event event(RowMapper.Result r) {
    assertThat(r).isInstanceOf(RowMapper.Deploy.class);
    Event e = ((RowMapper.Deploy) r).event();
    assertThat(SchemaValidator.violations(Topics.EVENT_SERDE.write(e))).isEmpty();
    return e;
  }

  static void skipped(RowMapper.Result r, SkipReason reason) {
    assertThat(r).isInstanceOfSatisfying(RowMapper.Skip.class, s -> assertThat(s.reason()).isEqualTo(reason));
  }

  @Test
  void shouldMapAnInsertedRowToASampleWithTheRowsTimeScopeAndAStableId() {
    RowMapper mapper = mapper(METRICS);
    ChangeRow change = insert("public.performance_metrics",
        row("id", 42L, "timestamp", OBSERVED, "response_time_ms", 12.5, "app", " checkout "), "42");
    LatencySample s = sample(mapper.map(change));
    assertThat(s).isEqualTo(new LatencySample(LatencySample.SCHEMA, "cdc:1/6B374D48:public.performance_metrics:42",
        "prod-eu/orders-1", OBSERVED, "app:checkout", "cdc", 12.5, 1.0));
    assertThat(sample(mapper.map(change))).isEqualTo(s);
  }

  @Test
  void shouldGiveRowsOfOneTransactionDifferentIds() {
    RowMapper mapper = mapper(METRICS);
    Map<String, Object> values = row("timestamp", OBSERVED, "response_time_ms", 3.0);
    LatencySample a = sample(mapper.map(new ChangeRow("public.performance_metrics", Op.INSERT, values, List.of("1"),
        LSN, COMMIT)));
    LatencySample b = sample(mapper.map(new ChangeRow("public.performance_metrics", Op.INSERT, values, List.of("2"),
        LSN + 64, COMMIT)));
    LatencySample noKey = sample(mapper.map(new ChangeRow("public.performance_metrics", Op.INSERT, values, List.of(),
        LSN + 128, COMMIT)));
    assertThat(List.of(a.id(), b.id(), noKey.id())).doesNotHaveDuplicates();
    assertThat(noKey.id()).isEqualTo("cdc:1/6B374DC8:public.performance_metrics");
  }

  @ParameterizedTest
  @CsvSource({"MS, 250, 250", "S, 0.25, 250", "US, 250000, 250", "S, 0, 0"})
  void shouldConvertUnitsToMilliseconds(Unit unit, double value, double expectedMs) {
    RowMapper mapper = mapper(LatencyTable.of("public.t", null, "v", unit));
    assertThat(sample(mapper.map(insert("public.t", row("v", value)))).valueMs()).isEqualTo(expectedMs);
  }

  @Test
  void shouldReadIntervalsAndIntegersAsLatencies() {
    RowMapper mapper = mapper(LatencyTable.of("public.t", null, "v", Unit.S));
    assertThat(sample(mapper.map(insert("public.t", row("v", Duration.ofNanos(1_500_000))))).valueMs()).isEqualTo(1.5);
    assertThat(sample(mapper.map(insert("public.t", row("v", 2)))).valueMs()).isEqualTo(2000.0);
  }

  @Test
  void shouldUseTheFixedScopeTheFallbackScopeAndInstance() {
    assertThat(sample(mapper(LatencyTable.of("public.t", null, "v", Unit.MS).withScope("app:checkout"))
        .map(insert("public.t", row("v", 1.0)))).scope()).isEqualTo("app:checkout");
    assertThat(sample(mapper(LatencyTable.of("public.t", null, "v", Unit.MS))
        .map(insert("public.t", row("v", 1.0)))).scope()).isEqualTo("instance");
    RowMapper byColumn = mapper(LatencyTable.of("public.t", null, "v", Unit.MS).withScope("app:unknown")
        .withScopeColumn("app"));
    assertThat(sample(byColumn.map(insert("public.t", row("v", 1.0, "app", "search")))).scope()).isEqualTo("app:search");
    assertThat(sample(byColumn.map(insert("public.t", row("v", 1.0, "app", "  ")))).scope()).isEqualTo("app:unknown");
    assertThat(sample(byColumn.map(insert("public.t", row("v", 1.0, "app", null)))).scope()).isEqualTo("app:unknown");
  }

  @Test
  void shouldFallBackToTheCommitTimeAndReadLocalTimesInTheConfiguredZone() {
    RowMapper utc = mapper(METRICS);
    assertThat(sample(utc.map(insert("public.performance_metrics", row("response_time_ms", 1.0, "timestamp", null))))
        .observedAt()).isEqualTo(COMMIT);
    assertThat(sample(mapper(LatencyTable.of("public.performance_metrics", null, "response_time_ms", Unit.MS))
        .map(insert("public.performance_metrics", row("response_time_ms", 1.0, "timestamp", OBSERVED)))).observedAt())
        .isEqualTo(COMMIT);
    LocalDateTime local = LocalDateTime.parse("2026-11-22T11:00:01.125");
    assertThat(sample(utc.map(insert("public.performance_metrics", row("response_time_ms", 1.0, "timestamp", local))))
        .observedAt()).isEqualTo(Instant.parse("2026-11-22T11:00:01.125Z"));
    RowMapper paris = new RowMapper(options().latencyTable(METRICS).timestampZone(ZoneId.of("Europe/Paris")).build());
    assertThat(sample(paris.map(insert("public.performance_metrics", row("response_time_ms", 1.0, "timestamp", local))))
        .observedAt()).isEqualTo(OBSERVED);
  }

  @Test
  void shouldWeighRowsByTheWeightColumn() {
    RowMapper mapper = mapper(LatencyTable.of("public.t", null, "v", Unit.MS).withWeightColumn("n"));
    assertThat(sample(mapper.map(insert("public.t", row("v", 1.0, "n", 25L)))).weight()).isEqualTo(25.0);
    assertThat(sample(mapper.map(insert("public.t", row("v", 1.0, "n", null)))).weight()).isEqualTo(1.0);
    skipped(mapper.map(insert("public.t", row("v", 1.0, "n", 0))), SkipReason.UNMAPPABLE_WEIGHT);
    skipped(mapper.map(insert("public.t", row("v", 1.0, "n", "many"))), SkipReason.UNMAPPABLE_WEIGHT);
  }

  @Test
  void shouldSkipUnmappableValuesAndChangesOtherThanInserts() {
    RowMapper mapper = mapper(METRICS);
    String t = "public.performance_metrics";
    skipped(mapper.map(insert(t, row("response_time_ms", null))), SkipReason.UNMAPPABLE_VALUE);
    skipped(mapper.map(insert(t, row("response_time_ms", -1.0))), SkipReason.UNMAPPABLE_VALUE);
    skipped(mapper.map(insert(t, row("response_time_ms", Double.NaN))), SkipReason.UNMAPPABLE_VALUE);
    skipped(mapper.map(insert(t, row("response_time_ms", Double.POSITIVE_INFINITY))), SkipReason.UNMAPPABLE_VALUE);
    skipped(mapper.map(insert(t, row("response_time_ms", "12"))), SkipReason.UNMAPPABLE_VALUE);
    skipped(mapper.map(new ChangeRow(t, Op.UPDATE, row("response_time_ms", 1.0), List.of("1"), LSN, COMMIT)),
        SkipReason.UPDATE_IGNORED);
    skipped(mapper.map(new ChangeRow(t, Op.DELETE, null, List.of("1"), LSN, COMMIT)), SkipReason.DELETE_IGNORED);
    skipped(mapper.map(new ChangeRow(t, Op.OTHER, null, List.of(), LSN, COMMIT)), SkipReason.OTHER_OPERATION_IGNORED);
    skipped(mapper.map(insert("public.other", row("v", 1.0))), SkipReason.UNKNOWN_TABLE);
  }

  static Map<String, Object> flywayRow(int rank, String version, String type, boolean success, Object installedOn) {
    return row("installed_rank", rank, "version", version, "description", "add orders index", "type", type,
        "script", "V" + version + "__add_orders_index.sql", "checksum", 123456, "installed_by", "deployer",
        "installed_on", installedOn, "execution_time", 842, "success", success);
  }

  @Test
  void shouldMapASuccessfulFlywayMigrationToADeploy() {
    RowMapper mapper = mapper(METRICS);
    LocalDateTime installedOn = LocalDateTime.parse("2026-11-22T10:00:04.100");
    ChangeRow change = insert("public.flyway_schema_history", flywayRow(7, "7", "SQL", true, installedOn), "7");
    Event e = event(mapper.map(change));
    assertThat(e.id()).isEqualTo("flyway:orders:public.flyway_schema_history:7");
    assertThat(e.instanceId()).isEqualTo("prod-eu/orders-1");
    assertThat(e.kind()).isEqualTo(Event.DEPLOY);
    assertThat(e.source()).isEqualTo("cdc:public.flyway_schema_history");
    assertThat(e.at()).isEqualTo(Instant.parse("2026-11-22T10:00:04.100Z"));
    assertThat(e.detail()).containsEntry("tool", "flyway").containsEntry("version", "7")
        .containsEntry("description", "add orders index").containsEntry("script", "V7__add_orders_index.sql")
        .containsEntry("type", "SQL").containsEntry("installed_rank", 7).containsEntry("execution_time_ms", 842)
        .containsEntry("success", true);
    assertThat(event(mapper.map(change))).isEqualTo(e);
  }

  @Test
  void shouldSkipFailedFlywayMigrationsAndMarkersButKeepRepeatables() {
    RowMapper mapper = mapper(METRICS);
    skipped(mapper.map(insert("public.flyway_schema_history", flywayRow(8, "8", "SQL", false, null))),
        SkipReason.FAILED_MIGRATION);
    skipped(mapper.map(insert("public.flyway_schema_history", flywayRow(1, "1", "BASELINE", true, null))),
        SkipReason.NOT_A_MIGRATION);
    skipped(mapper.map(insert("public.flyway_schema_history", flywayRow(9, "3", "DELETE", true, null))),
        SkipReason.NOT_A_MIGRATION);
    Event repeatable = event(mapper.map(insert("public.flyway_schema_history", flywayRow(10, null, "SQL", true, null))));
    assertThat(repeatable.detail()).doesNotContainKey("version");
    assertThat(repeatable.at()).isEqualTo(COMMIT);
    skipped(mapper.map(new ChangeRow("public.flyway_schema_history", Op.UPDATE, flywayRow(7, "7", "SQL", true, null),
        List.of("7"), LSN, COMMIT)), SkipReason.UPDATE_IGNORED);
  }

  @Test
  void shouldTakeTheCommitTimeWhenTheZoneMakesAMigrationLaterThanItsCommit() {
    RowMapper utc = mapper(METRICS);
    // written by a deploy tool in UTC+1 but read as UTC: an hour after its own commit
    Event e = event(utc.map(insert("public.flyway_schema_history",
        flywayRow(7, "7", "SQL", true, LocalDateTime.parse("2026-11-22T11:00:04.100")))));
    assertThat(e.at()).isEqualTo(COMMIT);
  }

  static Map<String, Object> liquibaseRow(String exectype, String deploymentId) {
    return row("id", "create-orders", "author", "ana", "filename", "db/changelog.xml",
        "dateexecuted", LocalDateTime.parse("2026-11-22T10:00:03"), "orderexecuted", 3, "exectype", exectype,
        "md5sum", "9:abc", "description", "createTable tableName=orders", "comments", "", "tag", null,
        "liquibase", "4.29.2", "contexts", null, "labels", null, "deployment_id", deploymentId);
  }

  @Test
  void shouldMapExecutedAndReranLiquibaseChangeSets() {
    RowMapper mapper = mapper(METRICS);
    Event executed = event(mapper.map(insert("app.databasechangelog", liquibaseRow("EXECUTED", "2040001234"))));
    assertThat(executed.id()).isEqualTo("liquibase:orders:app.databasechangelog:create-orders:ana:db/changelog.xml:2040001234");
    assertThat(executed.at()).isEqualTo(Instant.parse("2026-11-22T10:00:03Z"));
    assertThat(executed.source()).isEqualTo("cdc:app.databasechangelog");
    assertThat(executed.detail()).containsEntry("tool", "liquibase").containsEntry("id", "create-orders")
        .containsEntry("author", "ana").containsEntry("filename", "db/changelog.xml")
        .containsEntry("exectype", "EXECUTED").containsEntry("liquibase_version", "4.29.2")
        .doesNotContainKey("tag");
    // a runOnChange changeset that runs again updates its row: a deploy of its own
    Event reran = event(mapper.map(new ChangeRow("app.databasechangelog", Op.UPDATE,
        liquibaseRow("RERAN", "2040009999"), List.of(), LSN, COMMIT)));
    assertThat(reran.id()).isNotEqualTo(executed.id()).endsWith(":2040009999");
    assertThat(event(mapper.map(insert("app.databasechangelog", liquibaseRow("EXECUTED", null)))).id())
        .isEqualTo("liquibase:orders:app.databasechangelog:create-orders:ana:db/changelog.xml");
  }

  @ParameterizedTest
  @CsvSource({"MARK_RAN", "SKIPPED", "FAILED"})
  void shouldSkipLiquibaseChangeSetsThatDidNotRun(String exectype) {
    skipped(mapper(METRICS).map(insert("app.databasechangelog", liquibaseRow(exectype, "1"))), SkipReason.NOT_EXECUTED);
  }

  @Test
  void shouldIgnoreLiquibaseUpdatesThatAreNotReruns() {
    skipped(mapper(METRICS).map(new ChangeRow("app.databasechangelog", Op.UPDATE, liquibaseRow("EXECUTED", "1"),
        List.of(), LSN, COMMIT)), SkipReason.UPDATE_IGNORED);
  }

  @Test
  void shouldReadUpperCaseHistoryColumns() {
    Map<String, Object> upper = new HashMap<>();
    liquibaseRow("EXECUTED", "7").forEach((k, v) -> upper.put(k.toUpperCase(), v));
    assertThat(event(mapper(METRICS).map(insert("APP.DATABASECHANGELOG", upper))).id())
        .isEqualTo("liquibase:orders:APP.DATABASECHANGELOG:create-orders:ana:db/changelog.xml:7");
  }
}
