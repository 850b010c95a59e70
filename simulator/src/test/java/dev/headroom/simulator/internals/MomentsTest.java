package dev.headroom.simulator.internals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Scale;

class MomentsTest {
  static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

  @Property(tries = 200)
  void theSumsOfADrawAreThoseOfTheCallsItStandsFor(@ForAll long seed, @ForAll @LongRange(min = 1, max = 1_000_000) long n,
      @ForAll @DoubleRange(min = -3, max = 6) double mu, @ForAll @DoubleRange(min = 0.05, max = 2) double sigma,
      @ForAll @IntRange(min = 1, max = 64) int drawsMax) {
    Calls c = Calls.draw(new SplittableRandom(seed), n, mu, sigma, drawsMax);
    long count = 0;
    double sum = 0;
    double sumSq = 0;
    double min = Double.MAX_VALUE;
    double max = 0;
    for (int i = 0; i < c.values().length; i++) {
      count += c.repeats()[i];
      sum += c.repeats()[i] * c.values()[i];
      sumSq += c.repeats()[i] * c.values()[i] * c.values()[i];
      min = Math.min(min, c.values()[i]);
      max = Math.max(max, c.values()[i]);
    }
    assertThat(c.values()).hasSize((int) Math.min(n, drawsMax));
    assertThat(c.n()).isEqualTo(n).isEqualTo(count);
    assertThat(c.sum()).isCloseTo(sum, within(1e-9 * sum));
    assertThat(c.sumSq()).isCloseTo(sumSq, within(1e-9 * sumSq));
    assertThat(c.min()).isEqualTo(min);
    assertThat(c.max()).isEqualTo(max);
    double mean = sum / n;
    assertThat(c.m2()).isCloseTo(sumSq - n * mean * mean, within(1e-6 * sumSq));
  }

  /**
   * What the streams app recovers from two readings, Σx² = calls · (stddev² + mean²), is the sum of
   * squares of every call the statement made since its entry was created.
   */
  @Property(tries = 100)
  void theRowsMomentsAreThoseOfTheCallsDrawn(@ForAll long seed, @ForAll @DoubleRange(min = 0.01, max = 500) double medianMs,
      @ForAll @DoubleRange(min = 0.1, max = 1.5) double sigma, @ForAll @DoubleRange(min = 0.001, max = 500) @Scale(3) double rate,
      @ForAll @IntRange(min = 1, max = 40) int ticks, @ForAll @IntRange(min = 1, max = 32) int drawsMax) {
    SplittableRandom rng = new SplittableRandom(seed);
    StatementModel statement = StatementModel.of(42, medianMs, sigma, rate);
    long calls = 0;
    double sum = 0;
    double sumSq = 0;
    double min = Double.MAX_VALUE;
    double max = 0;
    for (int t = 0; t < ticks; t++) {
      double load = 0.3 + 0.7 * rng.nextDouble();
      double scale = t < ticks / 2 ? 1 : 1.5;
      Calls c = statement.advance(rng, 60, load, scale, 0.99, drawsMax, T0.plusSeconds(60L * t));
      for (int i = 0; i < c.values().length; i++) {
        calls += c.repeats()[i];
        sum += c.repeats()[i] * c.values()[i];
        sumSq += c.repeats()[i] * c.values()[i] * c.values()[i];
        min = Math.min(min, c.values()[i]);
        max = Math.max(max, c.values()[i]);
      }
      if (calls == 0) {
        assertThat(statement.exists()).isFalse();
        continue;
      }
      Map<String, Object> row = statement.row(170_002);
      double n = ((Number) row.get("calls")).doubleValue();
      double mean = (Double) row.get("mean_exec_time_ms");
      double stddev = (Double) row.get("stddev_exec_time_ms");
      assertThat(n).isEqualTo(calls);
      assertThat((Double) row.get("total_exec_time_ms")).isCloseTo(sum, within(1e-9 * sum));
      assertThat(mean).isCloseTo(sum / calls, within(1e-9 * sum / calls));
      assertThat(n * (stddev * stddev + mean * mean)).isCloseTo(sumSq, within(1e-8 * sumSq));
      assertThat((Double) row.get("min_exec_time_ms")).isEqualTo(min);
      assertThat((Double) row.get("max_exec_time_ms")).isEqualTo(max);
      assertThat(row.get("stats_since")).isNotNull();
    }
  }

  @Property(tries = 50)
  void anEntryResetStartsAgainFromItsNextCalls(@ForAll long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    StatementModel statement = StatementModel.of(7, 1.0, 0.5, 10);
    statement.advance(rng, 60, 1, 1, 0.99, 16, T0);
    statement.reset();
    assertThat(statement.exists()).isFalse();
    Calls c = statement.advance(rng, 60, 1, 1, 0.99, 16, T0.plusSeconds(60));
    Map<String, Object> row = statement.row(170_002);
    assertThat(row.get("calls")).isEqualTo(c.n());
    assertThat((Double) row.get("total_exec_time_ms")).isCloseTo(c.sum(), within(1e-9 * c.sum()));
    assertThat(row.get("stats_since")).isEqualTo(T0.plusSeconds(60));
  }
}
