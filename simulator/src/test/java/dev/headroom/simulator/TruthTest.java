package dev.headroom.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.headroom.schemas.Json;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TruthTest {
  static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

  @Test
  void theTruthFileReadsBackAsTheTruth(@TempDir Path dir) throws Exception {
    Truth truth = Fleet.plan(FleetSpec.builder().seed(21).instances(5).now(NOW).historyDays(30).build()).truth();
    Path file = dir.resolve("truth.json");
    truth.write(file);
    assertThat(Truth.read(file)).isEqualTo(truth);
    JsonNode json = Json.mapper().readTree(file.toFile());
    assertThat(json.get("schema").asText()).isEqualTo(Truth.SCHEMA);
    JsonNode storage = json.get("instances").get(0).get("resources").get(0);
    assertThat(storage.get("resource").asText()).isEqualTo("storage");
    ResourceTruth r = truth.resource(truth.instances().get(0).id(), "storage").orElseThrow();
    assertThat(storage.get("saturation_at").isNull()).isEqualTo(r.reaches(0.8).isEmpty());
    if (r.reaches(0.8).isPresent()) {
      assertThat(storage.get("saturation_at").asText()).isEqualTo(Json.format(r.reaches(0.8).get()));
    }
  }

  /** Every instance carries every resource the usage topic names, with its capacity where one exists. */
  @Test
  void everyInstanceHasEveryResource() {
    Truth truth = Fleet.plan(FleetSpec.builder().seed(4).instances(20).now(NOW).historyDays(60).build()).truth();
    for (Truth.InstanceTruth i : truth.instances()) {
      List<String> names = i.resources().stream().map(ResourceTruth::resource).toList();
      assertThat(names).contains("storage", "connections", "cpu", "xid", "wal", "slot_wal");
      assertThat(names).anyMatch(n -> n.startsWith("sequence:public."));
      assertThat(names).anyMatch(n -> n.startsWith("pool:"));
      assertThat(names).anyMatch(n -> n.startsWith("table:"));
      for (ResourceTruth r : i.resources()) {
        boolean noCapacity = r.resource().equals("wal") || r.resource().startsWith("table:");
        assertThat(r.capacity().isEmpty()).as(r.resource()).isEqualTo(noCapacity);
        assertThat(r.valueAt(NOW)).as(r.resource()).isPositive();
      }
    }
  }

  /** Linear and exponential resources saturate within the runway range after now; flat ones never. */
  @Test
  void runwaysAreWithinTheirRange() {
    FleetSpec spec = FleetSpec.builder().seed(8).instances(30).now(NOW).historyDays(60).runwayDays(20, 200).build();
    Truth truth = Fleet.plan(spec).truth();
    int growing = 0;
    for (ResourceTruth r : truth.resources()) {
      if (r.capacity().isEmpty()) {
        continue;
      }
      switch (r.pattern().kind()) {
        case "linear", "exponential" -> {
          assertThat(r.daysToFraction(0.8, NOW).orElseThrow()).as(r.resource()).isBetween(20 - 1e-6, 200 + 1e-6);
          growing++;
        }
        case "weekly" -> assertThat(r.daysToFraction(0.8, NOW).orElseThrow()).as(r.resource()).isLessThanOrEqualTo(200);
        case "flat" -> assertThat(r.reaches(0.8)).isEmpty();
        default -> { }
      }
    }
    assertThat(growing).isGreaterThan(100);
  }
}
