package dev.headroom.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.headroom.simulator.internals.Planner;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

class PatternTest {
  /** A planned linear or exponential pattern reaches the target fraction a runway after the history's end, exactly. */
  @Property(tries = 300)
  void aPlannedPatternSaturatesWhenPlanned(@ForAll long seed, @ForAll("growing") String kind,
      @ForAll @DoubleRange(min = 1, max = 1e13) double capacity, @ForAll @DoubleRange(min = 0.01, max = 0.45) double start,
      @ForAll @DoubleRange(min = 0.5, max = 1) double target, @ForAll @DoubleRange(min = 0, max = 120) double history,
      @ForAll @DoubleRange(min = 1, max = 800) double runway) {
    Pattern p = Planner.pattern(new SplittableRandom(seed), kind, capacity, start, target, history, runway);
    assertThat(p.kind()).isEqualTo(kind);
    assertThat(p.value(0)).isCloseTo(start * capacity, within(1e-9 * capacity));
    assertThat(p.reach(target * capacity).orElseThrow()).isCloseTo(history + runway, within(1e-6 * (history + runway)));
  }

  @Provide
  Arbitrary<String> growing() {
    return Arbitraries.of("linear", "exponential");
  }

  /** Where a pattern first reaches a level it is at that level, and nowhere before is it above it. */
  @Property(tries = 500)
  void reachIsTheFirstCrossing(@ForAll("patterns") Pattern p, @ForAll @DoubleRange(min = 0.1, max = 3) double times) {
    double level = p.value(0) * times;
    OptionalDouble at = p.reach(level);
    if (at.isEmpty()) {
      for (double d = 0; d <= 2_000; d += 0.25) {
        assertThat(p.value(d)).isLessThan(level);
      }
      return;
    }
    double d = at.getAsDouble();
    assertThat(p.value(d)).isGreaterThanOrEqualTo(level - 1e-9 * Math.abs(level));
    for (double t = 0; t < d - 1e-6; t += Math.max(1e-3, d / 2_000)) {
      assertThat(p.value(t)).as("value at %s before the crossing at %s", t, d).isLessThan(level);
    }
    // scaling the levels leaves the times alone
    assertThat(p.scaled(7).reach(level * 7).orElseThrow()).isCloseTo(d, within(1e-6 * Math.max(1, d)));
  }

  @Provide
  Arbitrary<Pattern> patterns() {
    Arbitrary<Double> level = Arbitraries.doubles().between(1, 1e6);
    Arbitrary<Double> slope = Arbitraries.doubles().between(-100, 10_000);
    return Arbitraries.oneOf(
        level.map(Pattern.Flat::new),
        Combinators.combine(level, slope).as(Pattern.Linear::new),
        Combinators.combine(level, Arbitraries.doubles().between(-0.05, 0.05)).as(Pattern.Exponential::new),
        Combinators.combine(level, slope, Arbitraries.doubles().between(0, 0.2)).as((a, b, amp) ->
            new Pattern.Weekly(a, b, amp * a)),
        Combinators.combine(level, slope, Arbitraries.doubles().between(-5, 60), Arbitraries.doubles().between(0, 1e5))
            .as(Pattern.Step::new));
  }

  @Property(tries = 50)
  void aFlatPatternNeverGrows(@ForAll @DoubleRange(min = 0, max = 1e9) double level,
      @ForAll @IntRange(min = 1, max = 100) int percent) {
    Pattern flat = new Pattern.Flat(level);
    assertThat(flat.reach(level * (1 + percent / 100.0) + 1)).isEmpty();
    assertThat(flat.reach(level).orElseThrow()).isZero();
  }

  @Property(tries = 100)
  void mixesDrawOnlyWhatTheyWeigh(@ForAll long seed) {
    PatternMix mix = PatternMix.parse("linear=3, step=1,flat=0");
    SplittableRandom rng = new SplittableRandom(seed);
    for (int i = 0; i < 50; i++) {
      assertThat(mix.draw(rng)).isIn("linear", "step");
    }
    assertThat(mix.drawAmong(rng, java.util.List.of("flat", "exponential", "step"))).isEqualTo("step");
  }
}
