package dev.headroom.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headroom.schemas.Snapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Cumulative counters only go down where the truth says the statistics were reset or the server crashed. */
class CountersTest {
  static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

  /** Which incidents may take a section's counters down. */
  enum Resets { STATS_OR_CRASH, CRASH, NEVER }

  static final Map<String, Resets> SECTIONS = Map.of(
      "statements", Resets.STATS_OR_CRASH, "statements_info", Resets.STATS_OR_CRASH,
      "databases", Resets.STATS_OR_CRASH, "tables", Resets.STATS_OR_CRASH, "indexes", Resets.STATS_OR_CRASH,
      "wal", Resets.CRASH, "bgwriter", Resets.CRASH, "checkpointer", Resets.CRASH, "host", Resets.NEVER,
      "pgbouncer_stats", Resets.NEVER);
  static final Set<String> NOT_COUNTERS = Set.of("min_exec_time_ms", "max_exec_time_ms", "mean_exec_time_ms",
      "stddev_exec_time_ms", "numbackends", "size_bytes", "frozen_xid_age", "min_mxid_age", "n_live_tup", "n_dead_tup",
      "n_mod_since_analyze", "n_ins_since_vacuum", "table_bytes", "total_bytes", "estimated_bytes", "entries", "max",
      "cpu_count", "mem_total_bytes", "mem_available_bytes", "swap_total_bytes", "swap_free_bytes", "load1", "load5",
      "load15", "disk_total_bytes", "disk_used_bytes", "disk_available_bytes", "queryid",
      "key_columns", "installed_rank");

  @Test
  void countersGoDownOnlyAtAGeneratedResetOrCrashAndTheMarkersSayWhich() {
    FleetSpec spec = FleetSpec.builder().seed(11).instances(4).now(NOW).historyDays(6).recentDays(0.5)
        .restartsPerMonth(40).crashFraction(0.5).statsResetsPerMonth(20).deploysPerWeek(5).build();
    Fleet fleet = Fleet.plan(spec);
    Fleet.Generator generator = fleet.generator();
    Map<String, Map<String, Double>> previous = new HashMap<>();
    Map<String, Instant> lastSeen = new HashMap<>();
    Map<String, Instant> lastTick = new HashMap<>();
    Map<String, Integer> wentDown = new HashMap<>();
    Map<String, Integer> seen = new HashMap<>();
    for (Fleet.Tick tick : fleet.history()) {
      for (int i = 0; i < generator.instances(); i++) {
        String id = spec.instanceId(i);
        List<Incident> between = fleet.truth().instance(id).orElseThrow().incidents().stream()
            .filter(x -> !x.at().isAfter(tick.at()) && (lastTick.get(id) == null || x.at().isAfter(lastTick.get(id))))
            .toList();
        for (SimulatedRecord r : generator.tick(i, tick)) {
          if (!(r.value() instanceof Snapshot s)) {
            continue;
          }
          checkMarkers(s, between);
          Resets rule = SECTIONS.get(s.section());
          if (s.section().equals("sequences") || s.section().equals("wal")) {
            for (Map<String, Object> row : s.rows()) {
              String key = id + "|" + s.section() + "|" + row.get("name") + "|monotone";
              String field = s.section().equals("wal") ? "wal_position_bytes" : "last_value";
              double value = ((Number) row.get(field)).doubleValue();
              Double before = previous.computeIfAbsent(key, k -> new HashMap<>()).put(field, value);
              assertThat(before == null || value >= before).as("%s %s never goes down", key, field).isTrue();
            }
          }
          if (rule == null) {
            continue;
          }
          for (Map<String, Object> row : s.rows()) {
            String key = id + "|" + s.section() + "|" + object(row);
            // an entry may be absent for a while after a reset: what counts is what happened since it was last seen
            Instant since = lastSeen.put(key, tick.at());
            List<Incident> incidents = fleet.truth().instance(id).orElseThrow().incidents().stream()
                .filter(x -> !x.at().isAfter(tick.at()) && (since == null || x.at().isAfter(since))).toList();
            boolean crash = incidents.stream().anyMatch(x -> x.kind() == Incident.Kind.CRASH);
            boolean reset = incidents.stream().anyMatch(x -> x.kind() == Incident.Kind.STATS_RESET);
            boolean allowed = rule == Resets.STATS_OR_CRASH ? crash || reset : rule == Resets.CRASH && crash;
            Map<String, Double> before = previous.computeIfAbsent(key, k -> new HashMap<>());
            for (Map.Entry<String, Object> e : row.entrySet()) {
              if (!(e.getValue() instanceof Number n) || NOT_COUNTERS.contains(e.getKey())
                  || e.getKey().equals("wal_position_bytes")) {
                continue;
              }
              Double old = before.put(e.getKey(), n.doubleValue());
              if (old != null && n.doubleValue() < old) {
                assertThat(allowed).as("%s %s went down from %s to %s at %s without a reset (incidents %s)", key,
                    e.getKey(), old, n, tick.at(), incidents).isTrue();
                wentDown.merge(s.section(), 1, Integer::sum);
              }
            }
          }
          seen.merge(s.section(), 1, Integer::sum);
        }
        lastTick.put(id, tick.at());
      }
    }
    assertThat(seen.keySet()).containsAll(SECTIONS.keySet());
    // the resets were there to be seen
    assertThat(wentDown.keySet()).contains("statements", "databases", "tables", "wal", "checkpointer");
    assertThat(fleet.truth().incidents().stream().map(Incident::kind).collect(Collectors.toSet()))
        .contains(Incident.Kind.CRASH, Incident.Kind.CLEAN_RESTART, Incident.Kind.STATS_RESET, Incident.Kind.DEPLOY);
  }

  /** After a restart or crash postmaster_start is its time; after a reset or crash the statements' stats_reset is. */
  private static void checkMarkers(Snapshot s, List<Incident> between) {
    List<Incident> restarts = new ArrayList<>();
    List<Incident> resets = new ArrayList<>();
    for (Incident x : between) {
      if (x.kind() == Incident.Kind.CRASH || x.kind() == Incident.Kind.CLEAN_RESTART) {
        restarts.add(x);
      }
      if (x.resetsCounters()) {
        resets.add(x);
      }
    }
    if (!restarts.isEmpty()) {
      assertThat(s.postmasterStart()).isEqualTo(restarts.get(restarts.size() - 1).at());
    }
    if (!resets.isEmpty() && s.section().equals("statements")) {
      assertThat(s.statsReset()).isEqualTo(resets.get(resets.size() - 1).at());
    }
    if (!resets.isEmpty() && s.section().equals("databases")) {
      assertThat(s.rows()).allSatisfy(row -> assertThat(row.get("stats_reset"))
          .isEqualTo(resets.get(resets.size() - 1).at()));
    }
  }

  private static String object(Map<String, Object> row) {
    for (String field : List.of("queryid", "index", "table", "datname", "database")) {
      if (row.containsKey(field)) {
        return field.equals("index") || field.equals("table") ? row.get("datname") + "." + row.get(field)
            : String.valueOf(row.get(field));
      }
    }
    return "instance";
  }
}
