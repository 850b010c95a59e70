package dev.headroom.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class DeterminismTest {
  static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

  static FleetSpec spec(long seed, int instances) {
    return FleetSpec.builder().seed(seed).instances(instances).now(NOW).historyDays(2).recentDays(0.25)
        .deploysPerWeek(7).restartsPerMonth(10).statsResetsPerMonth(10).build();
  }

  /** Every record of the history as text: topic, key, timestamp and value. */
  static List<String> run(FleetSpec spec, int onlyInstance) {
    Fleet fleet = Fleet.plan(spec);
    Fleet.Generator generator = fleet.generator();
    List<String> out = new ArrayList<>();
    for (Fleet.Tick tick : fleet.history()) {
      for (int i = 0; i < generator.instances(); i++) {
        for (SimulatedRecord r : generator.tick(i, tick)) {
          if (onlyInstance < 0 || i == onlyInstance) {
            out.add(r.topic() + " " + r.key() + " " + r.timestamp() + " " + new String(r.json()));
          }
        }
      }
    }
    return out;
  }

  @Test
  void theSameSeedGivesTheSameMessagesAndTruth() {
    assertThat(run(spec(5, 3), -1)).isEqualTo(run(spec(5, 3), -1));
    assertThat(Fleet.plan(spec(5, 3)).truth()).isEqualTo(Fleet.plan(spec(5, 3)).truth());
  }

  @Test
  void anotherSeedGivesAnotherFleet() {
    List<String> a = run(spec(5, 2), -1);
    List<String> b = run(spec(6, 2), -1);
    assertThat(a).isNotEqualTo(b);
    assertThat(Fleet.plan(spec(5, 2)).truth()).isNotEqualTo(Fleet.plan(spec(6, 2)).truth());
  }

  @Test
  void anInstanceDoesNotDependOnHowManyOthersThereAre() {
    assertThat(run(spec(9, 1), 0)).isEqualTo(run(spec(9, 4), 0));
  }

  @Test
  void instancesGeneratedOnSeveralThreadsGiveWhatOneThreadGives() throws Exception {
    FleetSpec spec = spec(13, 6);
    Fleet fleet = Fleet.plan(spec);
    Fleet.Generator generator = fleet.generator();
    List<String> parallel = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      for (Fleet.Tick tick : fleet.history()) {
        List<Future<List<SimulatedRecord>>> futures = new ArrayList<>();
        for (int i = 0; i < generator.instances(); i++) {
          int instance = i;
          futures.add(pool.submit(() -> generator.tick(instance, tick)));
        }
        for (Future<List<SimulatedRecord>> f : futures) {
          for (SimulatedRecord r : f.get()) {
            parallel.add(r.topic() + " " + r.key() + " " + r.timestamp() + " " + new String(r.json()));
          }
        }
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(parallel).isEqualTo(run(spec, -1));
  }
}
