package dev.headroom.streams.latency;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import org.apache.commons.math3.distribution.NormalDistribution;

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
    Bins bins = Bins.of(mapping, first, last);
    double scale = 1 / sigma;
    double below = 0.0; // the first bin takes the lower tail, the last the upper one
    double max = 0.0;
    for (int i = first; i <= last; i++) {
      double above = i == last ? 1.0 : normalCdf((bins.logUpper(i) - mu) * scale);
      double mass = above - below;
      below = above;
      if (mass > 0) {
        double value = bins.value(i);
        sketch.accept(value, count * mass);
        max = value;
      }
    }
    return max;
  }

  /** The standard normal CDF is tabulated over [-CDF_RANGE, CDF_RANGE], CDF_STEPS points per unit. */
  static final int CDF_RANGE = 8;
  static final int CDF_STEPS = 256;
  private static final double[] CDF = new double[2 * CDF_RANGE * CDF_STEPS + 1];
  private static final double[] DENSITY = new double[CDF.length];

  static {
    for (int i = 0; i < CDF.length; i++) {
      double z = (double) i / CDF_STEPS - CDF_RANGE;
      CDF[i] = 0.5 * org.apache.commons.math3.special.Erf.erfc(-z / Math.sqrt(2));
      DENSITY[i] = Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
    }
  }

  /**
   * The standard normal CDF, by cubic Hermite interpolation of a table of its values and slopes:
   * within 1e-12 of commons-math's on the table's range (the error term is h⁴/384 times the
   * fourth derivative), and a few multiplications instead of an exponential per bin of every fit,
   * which was most of the fits' time. Outside the range, from {@link #erfc}.
   */
  static double normalCdf(double z) {
    double x = (z + CDF_RANGE) * CDF_STEPS;
    if (!(x >= 0 && x < CDF.length - 1)) {
      return 0.5 * erfc(-z / Math.sqrt(2));
    }
    int i = (int) x;
    double t = x - i;
    double h = 1.0 / CDF_STEPS;
    double t2 = t * t;
    double t3 = t2 * t;
    return (2 * t3 - 3 * t2 + 1) * CDF[i] + (t3 - 2 * t2 + t) * h * DENSITY[i]
        + (-2 * t3 + 3 * t2) * CDF[i + 1] + (t3 - t2) * h * DENSITY[i + 1];
  }

  /**
   * The complementary error function to a fractional error below 1.2e-7 everywhere (a Chebyshev
   * fit, Numerical Recipes' erfcc): far below the sketch's 1 % and 30 times cheaper than the
   * continued fraction of commons-math's {@code Erf.erfc}, which was most of the fit's time.
   */
  static double erfc(double x) {
    double z = Math.abs(x);
    double t = 1 / (1 + 0.5 * z);
    double ans = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
        + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223
        + t * 0.17087277)))))))));
    return x >= 0 ? ans : 2 - ans;
  }

  /**
   * The logarithm of each bin's upper bound and each bin's value, computed once per mapping (every
   * sketch here shares one) for the bins asked so far, instead of per bin and fit.
   */
  static final class Bins {
    // by mapping, found with equals (cheap) rather than hashCode (a power): there is one mapping
    private static volatile Bins[] known = new Bins[0];
    private final IndexMapping mapping;
    private final int offset;
    private final double[] logUpper;
    private final double[] values;

    private Bins(IndexMapping mapping, int from, int to) {
      this.mapping = mapping;
      this.offset = from;
      this.logUpper = new double[to - from + 1];
      this.values = new double[to - from + 1];
      for (int i = from; i <= to; i++) {
        logUpper[i - from] = Math.log(mapping.upperBound(i));
        values[i - from] = mapping.value(i);
      }
    }

    static Bins of(IndexMapping mapping, int first, int last) {
      Bins[] all = known;
      int at = -1;
      for (int i = 0; i < all.length; i++) {
        if (all[i].mapping == mapping || all[i].mapping.equals(mapping)) {
          at = i;
          break;
        }
      }
      Bins k = at < 0 ? null : all[at];
      if (k != null && first >= k.offset && last < k.offset + k.values.length) {
        return k;
      }
      // grow to cover both, with room, so a few tables serve every fit
      int from = k == null ? first : Math.min(first, k.offset);
      int to = k == null ? last : Math.max(last, k.offset + k.values.length - 1);
      int room = Math.max(64, (to - from) / 2);
      Bins grown = new Bins(mapping, from - room, to + room);
      synchronized (Bins.class) {
        Bins[] now = known;
        Bins[] next = java.util.Arrays.copyOf(now, now.length + 1);
        int i = 0;
        for (Bins b : now) {
          if (!b.mapping.equals(mapping)) {
            next[i++] = b;
          }
        }
        next[i++] = grown;
        known = java.util.Arrays.copyOf(next, i);
      }
      return grown;
    }

    double logUpper(int index) {
      return logUpper[index - offset];
    }

    double value(int index) {
      return values[index - offset];
    }
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
