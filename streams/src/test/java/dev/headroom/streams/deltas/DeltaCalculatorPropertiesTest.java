package dev.headroom.streams.deltas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.headroom.schemas.Delta;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

class DeltaCalculatorPropertiesTest {
  static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

  static CounterState reading(int i, Instant postmasterStart, double calls, double time) {
    return new CounterState(T0.plusSeconds(60L * i), postmasterStart, null, null,
        Map.of("calls", calls, "total_exec_time_ms", time));
  }

  @Property
  void deltasAreNeverNegativeAndAResetCountsFromZeroButARestartAloneIsNone(
      @ForAll @Size(min = 2, max = 40) List<@LongRange(min = 0, max = 1_000_000) Long> calls,
      @ForAll @IntRange(min = 1, max = 39) int restartAt) {
    CounterState previous = null;
    for (int i = 0; i < calls.size(); i++) {
      Instant start = i >= restartAt ? T0.plusSeconds(1) : T0;
      double now = calls.get(i);
      CounterState current = reading(i, start, now, now * 1.5);
      DeltaCalculator.Result r = DeltaCalculator.compute("i", "statements", "o", Map.of(), previous, current, 60_000);
      if (i > 0) {
        Delta d = r.delta().orElseThrow();
        double before = calls.get(i - 1);
        boolean wentDown = now < before;
        // a clean restart keeps the statistics: only counters going down mark a reset
        assertThat(d.reset()).isEqualTo(wentDown);
        assertThat(d.delta("calls")).isEqualTo(d.reset() ? now : now - before);
        assertThat(d.deltas().values()).allSatisfy(v -> assertThat(v).isGreaterThanOrEqualTo(0.0));
      }
      previous = current;
    }
  }

  @Property
  void aReadingLessThanAMillisecondNewerIsStale(@ForAll @IntRange(min = 0, max = 999_999) int nanos) {
    CounterState previous = reading(0, T0, 10, 10);
    CounterState current = new CounterState(previous.capturedAt().plusNanos(nanos), T0, null, null,
        Map.of("calls", 20.0, "total_exec_time_ms", 20.0));
    assertThat(DeltaCalculator.compute("i", "statements", "o", Map.of(), previous, current, 60_000).verdict())
        .isEqualTo(DeltaCalculator.Verdict.STALE);
  }

  @Property
  void aChangedStatsResetOrStatsSinceIsAReset(@ForAll boolean statsSince) {
    CounterState previous = new CounterState(T0, T0, statsSince ? null : T0, statsSince ? "stats_since=a" : null,
        Map.of("calls", 100.0));
    CounterState current = new CounterState(T0.plusSeconds(60), T0, statsSince ? null : T0.plusSeconds(30),
        statsSince ? "stats_since=b" : null, Map.of("calls", 150.0));
    Delta d = DeltaCalculator.compute("i", "statements", "o", Map.of(), previous, current, 60_000).delta().orElseThrow();
    assertThat(d.reset()).isTrue();
    assertThat(d.delta("calls")).isEqualTo(150.0);
  }

  @Property
  void theDerivedSquareSumGoingDownIsNoReset(@ForAll @LongRange(min = 1, max = 1000) long extra) {
    CounterState previous = new CounterState(T0, T0, null, null,
        Map.of("calls", 100.0, Sections.EXEC_TIME_SQ_SUM, 1e6 + extra));
    CounterState current = new CounterState(T0.plusSeconds(60), T0, null, null,
        Map.of("calls", 101.0, Sections.EXEC_TIME_SQ_SUM, 1e6));
    Delta d = DeltaCalculator.compute("i", "statements", "o", Map.of(), previous, current, 60_000).delta().orElseThrow();
    assertThat(d.reset()).isFalse();
    assertThat(d.delta(Sections.EXEC_TIME_SQ_SUM)).isZero();
  }

  @Property
  void withoutResetsTheDeltasAddUpToLastMinusFirst(
      @ForAll @Size(min = 2, max = 40) List<@LongRange(min = 0, max = 1_000_000) Long> increments) {
    List<Delta> out = new ArrayList<>();
    CounterState previous = null;
    double calls = 1000;
    double first = calls;
    for (int i = 0; i < increments.size(); i++) {
      calls += increments.get(i);
      CounterState current = reading(i, T0, calls, calls * 0.25);
      if (i == 0) {
        first = calls;
      }
      DeltaCalculator.compute("i", "statements", "o", Map.of(), previous, current, 60_000).delta().ifPresent(out::add);
      previous = current;
    }
    assertThat(out).hasSize(increments.size() - 1).noneMatch(Delta::reset);
    assertThat(out.stream().mapToDouble(d -> d.delta("calls")).sum()).isCloseTo(calls - first, within(1e-6));
    assertThat(out.stream().mapToDouble(d -> d.delta("total_exec_time_ms")).sum())
        .isCloseTo((calls - first) * 0.25, within(1e-6 * calls));
  }
}
