package dev.headroom.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headroom.schemas.Event;
import dev.headroom.schemas.Json;
import dev.headroom.schemas.SchemaValidator;
import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.Topics;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ContractTest {
  static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

  @Test
  void everyMessageValidatesAgainstItsSchemaAndEveryContractSectionIsThere() throws Exception {
    Fleet fleet = Fleet.plan(FleetSpec.builder().seed(7).instances(3).now(NOW).historyDays(4).recentDays(0.1)
        .deploysPerWeek(7).restartsPerMonth(20).statsResetsPerMonth(10).build());
    Fleet.Generator generator = fleet.generator();
    Set<String> sections = new TreeSet<>();
    Map<String, Integer> events = new HashMap<>();
    int messages = 0;
    for (Fleet.Tick tick : fleet.history()) {
      for (SimulatedRecord r : generator.tick(tick)) {
        messages++;
        assertThat(SchemaValidator.violations(r.json())).as("%s at %s", r.topic(), tick.at()).isEmpty();
        assertThat(r.key()).isEqualTo(r.value() instanceof Snapshot s ? s.instanceId() : ((Event) r.value()).instanceId());
        if (r.value() instanceof Snapshot s) {
          assertThat(r.topic()).isEqualTo(Topics.SNAPSHOTS.name());
          assertThat(r.timestamp()).isEqualTo(s.capturedAt().toEpochMilli()).isEqualTo(tick.at().toEpochMilli());
          // a consumer reads back the message that was generated
          assertThat(Json.mapper().readTree(Topics.SNAPSHOT_SERDE.write(Topics.SNAPSHOT_SERDE.read(r.json()))))
              .isEqualTo(Json.mapper().readTree(Topics.SNAPSHOT_SERDE.write(s)));
          sections.add(s.section());
        } else {
          Event e = (Event) r.value();
          assertThat(r.topic()).isEqualTo(Topics.EVENTS.name());
          assertThat(r.timestamp()).isEqualTo(e.at().toEpochMilli());
          assertThat(e.kind()).isEqualTo(Event.DEPLOY);
          events.merge(e.instanceId(), 1, Integer::sum);
        }
      }
    }
    assertThat(messages).isGreaterThan(5_000);
    assertThat(sections).containsExactlyInAnyOrder("statements", "statements_info", "databases", "activity",
        "replication", "slots", "settings", "wal", "bgwriter", "checkpointer", "tables", "indexes", "sequences",
        "host", "pgbouncer_pools", "pgbouncer_stats");
    assertThat(events.values().stream().mapToInt(Integer::intValue).sum())
        .isEqualTo(fleet.truth().deploys().size()).isPositive();
  }

  @Test
  void aLargeSectionIsSplitIntoPartsOfBoundedSize() {
    Fleet fleet = Fleet.plan(FleetSpec.builder().seed(3).instances(1).now(NOW).historyDays(0.01).statements(400)
        .messageMaxBytes(20_000).quiet().build());
    List<SimulatedRecord> records = fleet.generator().tick(fleet.history().get(fleet.history().size() - 1));
    List<Snapshot> statements = records.stream().map(r -> (Snapshot) r.value())
        .filter(s -> s.section().equals("statements")).toList();
    assertThat(statements).hasSizeGreaterThan(1);
    assertThat(statements).extracting(Snapshot::part).containsExactlyElementsOf(
        java.util.stream.IntStream.range(0, statements.size()).boxed().toList());
    assertThat(statements).allSatisfy(s -> assertThat(s.parts()).isEqualTo(statements.size()));
    assertThat(statements.stream().mapToInt(s -> s.rows().size()).sum()).isGreaterThan(300);
    assertThat(records).filteredOn(r -> r.value() instanceof Snapshot s && s.section().equals("statements"))
        .allSatisfy(r -> assertThat(r.json().length).isLessThanOrEqualTo(20_000));
    assertThat(statements).extracting(Snapshot::snapshotId).containsOnly(statements.get(0).snapshotId());
  }
}
