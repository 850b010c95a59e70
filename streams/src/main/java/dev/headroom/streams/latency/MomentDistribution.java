package dev.headroom.streams.latency;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.special.Erf;

/**
 * Folds a moment observation (calls, mean, variance over one interval) into a sketch as a
 * fitted log-normal: latencies are positive and right-skewed, and the log-normal is the
 * two-parameter family that matches a given mean and variance without going below zero.
 * The fitted mass goes straight into the sketch's own bins (count × the probability of each
 * bin's range), so the sketch's quantiles are the fitted distribution's to the sketch's
 * accuracy; sampling the curve at a fixed set of points would bias the tail low.
 */
public final class MomentDistribution {
  /** Probability left out at each end of the fitted curve; it is added to the end bins. */
  static final double TAIL = 1e-6;
  /** Quantile points per observation in {@link #standardNormalQuantiles}, used by comparisons. */
  public static final int POINTS = 200;

  private static final double Z_TAIL = new NormalDistribution(null, 0, 1).inverseCumulativeProbability(TAIL);

  private MomentDistribution() {}

  /** @return the largest value added */
  public static double addTo(DDSketch sketch, double count, double meanMs, double varianceMs2) {
    if (!(count > 0) || !(meanMs >= 0)) {
      return 0.0;
    }
    double cv2 = meanMs > 0 ? varianceMs2 / (meanMs * meanMs) : 0.0;
    if (!(cv2 > 1e-12) || count < 2) {
      sketch.accept(meanMs, count);
      return meanMs;
    }
    double sigma2 = Math.log1p(cv2);
    double sigma = Math.sqrt(sigma2);
    double mu = Math.log(meanMs) - sigma2 / 2;
    IndexMapping mapping = sketch.getIndexMapping();
    double low = Math.max(Math.exp(mu + sigma * Z_TAIL), mapping.minIndexableValue());
    double high = Math.min(Math.exp(mu - sigma * Z_TAIL), mapping.maxIndexableValue());
    int first = mapping.index(low);
    int last = mapping.index(high);
    double below = 0.0; // the first bin takes the lower tail, the last the upper one
    double max = 0.0;
    for (int i = first; i <= last; i++) {
      double above = i == last ? 1.0 : cdf(mapping.upperBound(i), mu, sigma);
      double mass = above - below;
      below = above;
      if (mass > 0) {
        double value = mapping.value(i);
        sketch.accept(value, count * mass);
        max = value;
      }
    }
    return max;
  }

  private static double cdf(double x, double mu, double sigma) {
    return 0.5 * Erf.erfc(-(Math.log(x) - mu) / (sigma * Math.sqrt(2)));
  }

  /** Standard normal quantiles at the midpoints of {@code n} equal-probability slices. */
  public static double[] standardNormalQuantiles(int n) {
    NormalDistribution normal = new NormalDistribution(null, 0, 1);
    double[] z = new double[n];
    for (int i = 0; i < n; i++) {
      z[i] = normal.inverseCumulativeProbability((i + 0.5) / n);
    }
    return z;
  }
}
