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
  void deltasAreNeverNegativeWhateverTheReadings(
      @ForAll @Size(min = 2, max = 40) List<@LongRange(min = 0, max = 1_000_000) Long> calls,
      @ForAll @IntRange(min = 0, max = 39) int restartAt) {
    CounterState previous = null;
    for (int i = 0; i < calls.size(); i++) {
      Instant start = i >= restartAt ? T0.plusSeconds(1) : T0;
      CounterState current = reading(i, start, calls.get(i), calls.get(i) * 1.5);
      DeltaCalculator.Result r = DeltaCalculator.compute("i", "statements", "o", Map.of(), previous, current, 60_000);
      r.delta().ifPresent(d -> {
        assertThat(d.deltas().values()).allSatisfy(v -> assertThat(v).isGreaterThanOrEqualTo(0.0));
        assertThat(d.rates().values()).allSatisfy(v -> assertThat(v).isGreaterThanOrEqualTo(0.0));
      });
      previous = current;
    }
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
