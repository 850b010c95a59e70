package dev.headroom.streams.latency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.datadoghq.sketch.ddsketch.DDSketch;
import dev.headroom.schemas.LatencySketches;
import org.apache.commons.math3.distribution.LogNormalDistribution;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MomentDistributionTest {
  @ParameterizedTest
  @CsvSource({"10, 10", "0.05, 0.2", "50, 1", "200, 600", "3, 0.01"})
  void shouldGiveTheFittedLogNormalsQuantilesToTheSketchsAccuracy(double mean, double stddev) {
    DDSketch sketch = LatencySketches.create();
    MomentDistribution.addTo(sketch, 1234, mean, stddev * stddev);
    double sigma2 = Math.log1p(stddev * stddev / (mean * mean));
    LogNormalDistribution truth = new LogNormalDistribution(null, Math.log(mean) - sigma2 / 2, Math.sqrt(sigma2));
    assertThat(sketch.getCount()).isCloseTo(1234.0, within(1e-6));
    for (double q : new double[] {0.5, 0.95, 0.99}) {
      // DDSketch's quantile is the lower one by rank, q·(n − 1) of n
      double expected = truth.inverseCumulativeProbability(q * (1234 - 1) / 1234);
      assertThat(sketch.getValueAtQuantile(q)).as("q%s", q)
          .isCloseTo(expected, within(expected * (LatencySketches.RELATIVE_ACCURACY + 1e-9)));
    }
    assertThat(sketch.getSum() / sketch.getCount()).as("the mean survives").isCloseTo(mean, within(mean * 0.02));
  }

  @ParameterizedTest
  @CsvSource({"50, 0", "7, 0"})
  void shouldAddAOnePointDistributionWhenThereIsNoVariance(double mean, double variance) {
    DDSketch sketch = LatencySketches.create();
    assertThat(MomentDistribution.addTo(sketch, 10, mean, variance)).isEqualTo(mean);
    assertThat(sketch.getCount()).isEqualTo(10.0);
    assertThat(sketch.getValueAtQuantile(0.99)).isCloseTo(mean, within(mean * 0.01));
  }

  @org.junit.jupiter.api.Test
  void erfcShouldMatchCommonsMathToTheFitsPrecision() {
    for (double x = -6; x <= 9; x += 0.001) {
      double exact = org.apache.commons.math3.special.Erf.erfc(x);
      org.assertj.core.api.Assertions.assertThat(MomentDistribution.erfc(x))
          .as("erfc(%s)", x).isCloseTo(exact, org.assertj.core.api.Assertions.within(Math.max(1.3e-7 * exact, 1e-300)));
    }
  }

  @org.junit.jupiter.api.Test
  void normalCdfShouldMatchCommonsMathToTheFitsPrecision() {
    double worst = 0;
    for (double z = -9; z <= 9; z += 0.000_7) { // steps off the table's grid
      double exact = 0.5 * org.apache.commons.math3.special.Erf.erfc(-z / Math.sqrt(2));
      double error = Math.abs(MomentDistribution.normalCdf(z) - exact);
      if (Math.abs(z) < MomentDistribution.CDF_RANGE) {
        worst = Math.max(worst, error);
      } else {
        org.assertj.core.api.Assertions.assertThat(error).as("Φ(%s)", z).isLessThanOrEqualTo(1.3e-7 * exact + 1e-300);
      }
    }
    org.assertj.core.api.Assertions.assertThat(worst).as("largest error on the table's range").isLessThan(1e-12);
  }
}
