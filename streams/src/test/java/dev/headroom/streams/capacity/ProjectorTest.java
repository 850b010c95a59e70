package dev.headroom.streams.capacity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.headroom.streams.capacity.Projector.Model;
import dev.headroom.streams.capacity.Projector.Projection;
import dev.headroom.streams.capacity.Projector.Scenario;
import dev.headroom.streams.capacity.Projector.Settings;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class ProjectorTest {
  static final int DAYS = 28;
  static final double NOW = DAYS - 1;

  static double[] days() {
    double[] t = new double[DAYS];
    for (int i = 0; i < DAYS; i++) {
      t[i] = i;
    }
    return t;
  }

  static double[] linear(double start, double slope, double noise, Random random) {
    double[] y = new double[DAYS];
    for (int i = 0; i < DAYS; i++) {
      y[i] = start + slope * i + noise * random.nextGaussian();
    }
    return y;
  }

  /** Multiplicative noise: {@code noise} is the relative standard deviation of a daily peak. */
  static double[] exponential(double start, double rate, double noise, Random random) {
    double[] y = new double[DAYS];
    for (int i = 0; i < DAYS; i++) {
      y[i] = start * Math.exp(rate * i) * (1 + noise * random.nextGaussian());
    }
    return y;
  }

  static Projection project(double[] y, double capacity) {
    return Projector.project(days(), y, capacity, NOW, Settings.DEFAULTS, Scenario.BASELINE);
  }

  @Test
  void shouldProjectAnExactLineToTheDay() {
    // 400 GB growing 5 GB a day on a 1000 GB disk: 80 % (800 GB) in (800 - 535) / 5 = 53 days
    Projection p = project(linear(400, 5, 0, new Random(1)), 1000);
    assertThat(p.chosen().model()).isEqualTo(Model.LINEAR);
    assertThat(p.chosen().slope()).isCloseTo(5, within(1e-9));
    assertThat(p.chosen().r2()).isCloseTo(1, within(1e-12));
    assertThat(p.currentPeak()).isEqualTo(535.0);
    assertThat(p.timeToSaturationDays()).isCloseTo(53, within(1e-4));
    assertThat(p.runwayLowDays()).isCloseTo(53, within(1e-4));
    assertThat(p.runwayHighDays()).isCloseTo(53, within(1e-4));
    // at the 90-day horizon: 535 + 450 = 985 GB, plus the 10 % growth buffer
    assertThat(p.projectedAtHorizon()).isCloseTo(985, within(1e-6));
    assertThat(p.headroomAtHorizon()).isCloseTo(1000 - 985 * 1.1, within(1e-6));
  }

  @Test
  void shouldProjectAnExactExponentialToTheDay() {
    // 5 % a day from 100: reaches 80 % of 1600 (1280) at ln(12.8) / 0.05 days from day 0
    Projection p = project(exponential(100, 0.05, 0, new Random(1)), 1600);
    assertThat(p.chosen().model()).isEqualTo(Model.EXPONENTIAL);
    assertThat(p.chosen().slope()).isCloseTo(0.05, within(1e-9));
    assertThat(p.chosen().intercept()).isCloseTo(100, within(1e-6));
    assertThat(p.timeToSaturationDays()).isCloseTo(Math.log(12.8) / 0.05 - NOW, within(1e-4));
  }

  @Test
  void shouldSayNoGrowthRatherThanAHugeRunway() {
    Projection p = project(linear(500, 0, 20, new Random(7)), 1000);
    assertThat(p.timeToSaturationDays()).isNull();
    assertThat(p.runwayHighDays()).as("the lower bound never reaches 800").isNull();
    Projection shrinking = project(linear(700, -3, 5, new Random(7)), 1000);
    assertThat(shrinking.timeToSaturationDays()).isNull();
  }

  @Test
  void shouldSayZeroWhenAlreadyPastTheLine() {
    assertThat(project(linear(850, 1, 1, new Random(3)), 1000).timeToSaturationDays()).isZero();
  }

  @Test
  void shouldProjectScenarios() {
    double[] t = days();
    double[] y = linear(400, 5, 0, new Random(1));
    Projection tripled = Projector.project(t, y, 1000, NOW, Settings.DEFAULTS, new Scenario("traffic-x3", 3, null, 1));
    assertThat(tripled.timeToSaturationDays()).isCloseTo((800 - 535) / 15.0, within(1e-4));
    double[] flat = linear(300, 0, 0, new Random(1));
    Projection spike = Projector.project(t, flat, 1000, NOW, Settings.DEFAULTS,
        new Scenario("black-friday", 1, NOW + 10.5, 5));
    assertThat(spike.timeToSaturationDays()).as("5 × 300 passes 800 on the spike's day").isCloseTo(10.5, within(1e-4));
    Projection small = Projector.project(t, flat, 1000, NOW, Settings.DEFAULTS,
        new Scenario("small-spike", 1, NOW + 10.5, 2));
    assertThat(small.timeToSaturationDays()).isNull();
  }

  @Property(tries = 200)
  void shouldRecoverALinearSlopeFromNoisyPeaks(@ForAll @DoubleRange(min = 0.5, max = 50) double slope,
      @ForAll @LongRange(min = 1, max = 1_000_000) long seed) {
    double noise = 0.05 * 1000;
    Projector.Fit fit = Projector.linear(days(), linear(1000, slope, noise, new Random(seed)));
    double se = noise / Math.sqrt(DAYS * (DAYS * DAYS - 1) / 12.0); // σ / √Sxx
    assertThat(fit.slope()).isCloseTo(slope, within(5 * se));
  }

  @Property(tries = 200)
  void shouldRecoverAnExponentialRateFromNoisyPeaks(@ForAll @DoubleRange(min = 0.005, max = 0.15) @net.jqwik.api.constraints.Scale(4) double rate,
      @ForAll @LongRange(min = 1, max = 1_000_000) long seed) {
    Projector.Fit fit = Projector.exponential(days(), exponential(1000, rate, 0.05, new Random(seed)));
    double se = 0.05 / Math.sqrt(DAYS * (DAYS * DAYS - 1) / 12.0); // in log space, σ ≈ the relative noise
    assertThat(fit.slope()).isCloseTo(rate, within(5 * se));
  }

  /**
   * The model choice on series whose shape 28 days can tell apart: exponential growth of 4–10 %
   * a day, and lines with the same growth over the lookback, with 2–8 % noise. (Slower curves
   * look straight over 28 days under that noise; BENCHMARKS.md has the rates by growth and noise.)
   */
  @Test
  void shouldChooseTheRightModelInAtLeast95PercentOfKnownSeries() {
    Random random = new Random(2026);
    int right = 0;
    int cases = 0;
    for (int k = 0; k < 500; k++) {
      double rate = 0.04 + 0.06 * random.nextDouble();
      double noise = 0.02 + 0.06 * random.nextDouble();
      double[] curve = exponential(100, rate, noise, random);
      double slope = 100 * (Math.exp(rate * NOW) - 1) / NOW;
      double[] line = linear(100, slope, noise * (100 + slope * NOW / 2), random);
      right += project(curve, 1e9).chosen().model() == Model.EXPONENTIAL ? 1 : 0;
      right += project(line, 1e9).chosen().model() == Model.LINEAR ? 1 : 0;
      cases += 2;
    }
    assertThat((double) right / cases).isGreaterThanOrEqualTo(0.95);
  }

  /** Exponential growth of 8 % a day with 10 % noise, saturating at four times today's level. */
  @Test
  void shouldProjectNoisyExponentialGrowthWithin10PercentOfTheTruth() {
    Random random = new Random(28);
    int close = 0;
    int cases = 400;
    for (int k = 0; k < cases; k++) {
      double rate = 0.08;
      double capacity = 100 * Math.exp(rate * NOW) * 4 / 0.8;
      Projection p = project(exponential(100, rate, 0.10, random), capacity);
      double truth = Math.log(4) / rate;
      if (p.timeToSaturationDays() != null && Math.abs(p.timeToSaturationDays() - truth) <= 0.1 * truth) {
        close++;
      }
      if (p.runwayLowDays() != null && p.runwayHighDays() != null) {
        assertThat(p.runwayLowDays()).isLessThanOrEqualTo(p.runwayHighDays());
      }
    }
    assertThat((double) close / cases).isGreaterThanOrEqualTo(0.9);
  }
}
