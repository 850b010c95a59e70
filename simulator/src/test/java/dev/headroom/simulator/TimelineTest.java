package dev.headroom.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimelineTest {
  @Test
  void theHistoryIsCoarseThenFineAndNoIntervalIsLongerThanItsSnapshotSays() {
    Instant now = Instant.parse("2026-11-22T10:07:00Z");
    FleetSpec spec = FleetSpec.builder().now(now).historyDays(60).recentDays(1).intervalMs(60_000)
        .historyIntervalMs(3_600_000).build();
    List<Fleet.Tick> ticks = Fleet.plan(spec).history();
    assertThat(ticks.get(0).at()).isAfterOrEqualTo(spec.origin());
    assertThat(ticks.get(ticks.size() - 1).at()).isEqualTo(now);
    assertThat(ticks).allSatisfy(t -> assertThat(t.at().toEpochMilli() % t.intervalMs()).isZero());
    for (int i = 1; i < ticks.size(); i++) {
      long gap = Duration.between(ticks.get(i - 1).at(), ticks.get(i).at()).toMillis();
      assertThat(gap).isPositive().isEqualTo(ticks.get(i).intervalMs());
      assertThat(ticks.get(i).intervalMs()).isLessThanOrEqualTo(ticks.get(i - 1).intervalMs());
    }
    long fine = ticks.stream().filter(t -> t.intervalMs() == 60_000).count();
    assertThat(fine).isBetween(1_440L, 1_440L + 60);
    assertThat(ticks.size() - fine).isBetween(59L * 24 - 1, 59L * 24 + 1);
  }

  @Test
  void aHistoryShorterThanTheRecentDaysIsAllFine() {
    Instant now = Instant.parse("2026-11-22T10:00:00Z");
    List<Fleet.Tick> ticks = Fleet.plan(FleetSpec.builder().now(now).historyDays(0.5).build()).history();
    assertThat(ticks).hasSize(12 * 60 + 1).allSatisfy(t -> assertThat(t.intervalMs()).isEqualTo(60_000));
  }
}
