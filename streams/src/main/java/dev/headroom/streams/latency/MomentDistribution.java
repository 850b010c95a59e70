package dev.headroom.streams.latency;

import com.datadoghq.sketch.ddsketch.DDSketch;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * Folds a moment observation (calls, mean, variance over one interval) into a sketch as a
 * fitted log-normal: latencies are positive and right-skewed, and the log-normal is the
 * two-parameter family that matches a given mean and variance without going below zero.
 * The distribution is represented by {@link #POINTS} equal-weight quantile points.
 */
public final class MomentDistribution {
  /** Quantile points per observation; the p99 step between neighbours is under 1 %. */
  public static final int POINTS = 200;

  private static final double[] Z = standardNormalQuantiles(POINTS);

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
    double weight = count / POINTS;
    double max = 0.0;
    for (double z : Z) {
      double x = Math.exp(mu + sigma * z);
      sketch.accept(x, weight);
      max = Math.max(max, x);
    }
    return max;
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
