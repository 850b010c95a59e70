package dev.headroom.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.headroom.schemas.Snapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every published reading follows its resource's truth: the pattern, the daily shape where it applies, the noise. */
class GrowthTest {
  static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
  static final double NOISE = 0.01;
  /** Readings stay within this many standard deviations of their pattern (a draw beyond it: once in 1.7 million). */
  static final double SIGMAS = 5;

  @ParameterizedTest
  @ValueSource(strings = {"flat", "linear", "exponential", "weekly", "step"})
  void readingsFollowTheTruth(String kind) {
    FleetSpec spec = FleetSpec.builder().seed(kind.hashCode()).instances(3).now(NOW).historyDays(8).recentDays(0.5)
        .patterns(PatternMix.only(kind)).noise(NOISE).quiet().build();
    Fleet fleet = Fleet.plan(spec);
    Fleet.Generator generator = fleet.generator();
    Truth truth = fleet.truth();
    assertThat(truth.resources()).allSatisfy(r -> assertThat(r.pattern().kind())
        .isEqualTo(kind.equals("weekly") && r.resource().startsWith("sequence:") ? "flat" : kind)
        .as("sequences never draw weekly"));
    Map<String, Map<String, Object>> previousHost = new HashMap<>();
    Map<String, Map<String, Object>> previousWal = new HashMap<>();
    Map<String, Instant> previousAt = new HashMap<>();
    int checked = 0;
    for (Fleet.Tick tick : fleet.history()) {
      for (int i = 0; i < generator.instances(); i++) {
        String id = spec.instanceId(i);
        Truth.InstanceTruth it = truth.instance(id).orElseThrow();
        Instant at = tick.at();
        double daily = it.shape().daily(at);
        for (SimulatedRecord record : generator.tick(i, tick)) {
          Snapshot s = (Snapshot) record.value();
          for (Map<String, Object> row : s.rows()) {
            switch (s.section()) {
              case "host" -> {
                near(row.get("disk_used_bytes"), value(it, "storage", at), SIGMAS * NOISE / 10, 0);
                Map<String, Object> before = previousHost.put(id, row);
                if (before != null) {
                  double total = delta(row, before, "cpu_total_ticks");
                  double busy = 1 - delta(row, before, "cpu_idle_ticks") / total;
                  near(busy, value(it, "cpu", at) * daily, SIGMAS * NOISE, 1 / total);
                }
              }
              case "wal" -> {
                Map<String, Object> before = previousWal.put(id, row);
                if (before != null) {
                  double seconds = Duration.between(previousAt.get(id), at).toSeconds();
                  double perDay = delta(row, before, "wal_position_bytes") / seconds * 86_400
                      * it.shape().dailyMean() / daily;
                  near(perDay, value(it, "wal", at), SIGMAS * NOISE, 0);
                }
              }
              case "databases" -> {
                if (row == s.rows().get(0)) { // the resource is the largest age of any database
                  long largest = s.rows().stream().mapToLong(r -> ((Number) r.get("frozen_xid_age")).longValue())
                      .max().orElseThrow();
                  near(largest, value(it, "xid", at), SIGMAS * NOISE / 10, 1);
                }
              }
              case "activity" -> near(row.get("connections"), value(it, "connections", at) * daily,
                  SIGMAS * NOISE, 1);
              case "slots" -> near(row.get("retained_wal_bytes"), value(it, "slot_wal", at), SIGMAS * NOISE, 1);
              case "sequences" -> assertThat(((Number) row.get("last_value")).longValue())
                  .isEqualTo(Math.round(value(it, "sequence:" + row.get("name"), at)));
              case "tables" -> {
                String resource = "table:" + row.get("datname") + "." + row.get("schema") + "." + row.get("table");
                if (it.resource(resource).isPresent()) {
                  near(row.get("total_bytes"), value(it, resource, at), SIGMAS * NOISE / 10, 1);
                }
              }
              case "pgbouncer_pools" -> {
                long clients = ((Number) row.get("cl_active")).longValue() + ((Number) row.get("cl_waiting")).longValue();
                near(clients, value(it, "pool:" + row.get("database") + "/" + row.get("user"), at) * daily,
                    SIGMAS * NOISE, 1);
              }
              default -> {
                continue;
              }
            }
            checked++;
          }
        }
        previousAt.put(id, tick.at());
      }
    }
    assertThat(checked).isGreaterThan(5_000);
  }

  private static double value(Truth.InstanceTruth it, String resource, Instant at) {
    return it.resource(resource).orElseThrow(() -> new AssertionError(it.id() + " has no " + resource)).valueAt(at);
  }

  private static double delta(Map<String, Object> now, Map<String, Object> before, String field) {
    return ((Number) now.get(field)).doubleValue() - ((Number) before.get(field)).doubleValue();
  }

  /** {@code actual} within {@code relative} of {@code expected}, give or take {@code absolute} (rounding). */
  private static void near(Object actual, double expected, double relative, double absolute) {
    assertThat(((Number) actual).doubleValue()).isCloseTo(expected, within(relative * expected + absolute));
  }
}
