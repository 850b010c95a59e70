package dev.headroom.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headroom.schemas.Event;
import dev.headroom.schemas.Snapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A regressing deploy makes the instance's statements that much slower, which a deploy check can find. */
class DeployTest {
  static final Instant DEPLOY = Instant.parse("2026-11-18T12:00:30Z"); // a Wednesday: weekdays on either side

  @Test
  void aRegressingDeployMultipliesEveryStatementsLatency() {
    FleetSpec spec = FleetSpec.builder().seed(31).instances(1).now(DEPLOY.plusSeconds(86_370)).historyDays(2)
        .recentDays(2).quiet().scheduled(List.of(Incident.deploy("sim/pg-001", DEPLOY, "release-42", 2.0))).build();
    Fleet fleet = Fleet.plan(spec);
    Fleet.Generator generator = fleet.generator();
    // per statement: time and calls before and after the deploy
    Map<Object, double[]> before = new HashMap<>();
    Map<Object, double[]> after = new HashMap<>();
    Map<Object, Map<String, Object>> last = new HashMap<>();
    List<Event> events = new ArrayList<>();
    for (Fleet.Tick tick : fleet.history()) {
      for (SimulatedRecord r : generator.tick(0, tick)) {
        if (r.value() instanceof Event e) {
          events.add(e);
          continue;
        }
        Snapshot s = (Snapshot) r.value();
        if (!s.section().equals("statements")) {
          continue;
        }
        for (Map<String, Object> row : s.rows()) {
          Map<String, Object> previous = last.put(row.get("queryid"), row);
          if (previous == null) {
            continue;
          }
          double[] sums = (tick.at().isAfter(DEPLOY) ? after : before).computeIfAbsent(row.get("queryid"),
              k -> new double[2]);
          sums[0] += ((Number) row.get("total_exec_time_ms")).doubleValue()
              - ((Number) previous.get("total_exec_time_ms")).doubleValue();
          sums[1] += ((Number) row.get("calls")).doubleValue() - ((Number) previous.get("calls")).doubleValue();
        }
      }
    }
    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.id()).isEqualTo("release-42");
      assertThat(e.kind()).isEqualTo(Event.DEPLOY);
      assertThat(e.at()).isEqualTo(DEPLOY);
      assertThat(e.detail()).containsKeys("version", "script", "success");
    });
    List<Double> ratios = new ArrayList<>();
    before.forEach((queryid, b) -> {
      double[] a = after.get(queryid);
      if (a != null && a[1] > 5_000 && b[1] > 5_000) {
        ratios.add((a[0] / a[1]) / (b[0] / b[1]));
      }
    });
    assertThat(ratios).hasSizeGreaterThan(5);
    ratios.sort(Double::compare);
    assertThat(ratios.get(ratios.size() / 2)).isBetween(1.85, 2.15);
    assertThat(fleet.truth().deploys()).singleElement().satisfies(d -> assertThat(d.regression()).isTrue());
  }
}
