package dev.headroom.bench;

import java.util.Arrays;

/**
 * Exact quantiles of a finite sample, with the rank convention DDSketch uses (the value at
 * rank {@code q·(n−1)}, rounded down), so a difference between the exact figure and a
 * sketch's figure is never a difference of definitions.
 */
public final class ExactQuantiles {
  private ExactQuantiles() {}

  /** @param values not modified; at least one */
  public static double[] of(double[] values, double... quantiles) {
    if (values.length == 0) {
      throw new IllegalArgumentException("no values");
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return ofSorted(sorted, quantiles);
  }

  public static double[] ofSorted(double[] sorted, double... quantiles) {
    double[] out = new double[quantiles.length];
    for (int i = 0; i < quantiles.length; i++) {
      double q = quantiles[i];
      if (!(q >= 0 && q <= 1)) {
        throw new IllegalArgumentException("quantile " + q + " is outside [0, 1]");
      }
      out[i] = sorted[(int) Math.floor(q * (sorted.length - 1))];
    }
    return out;
  }

  /**
   * The weighted quantile of {@code values}: the smallest value whose cumulative weight
   * reaches {@code q} of the total. Used to summarise errors call-weighted.
   */
  public static double weighted(double[] values, double[] weights, double q) {
    if (values.length != weights.length || values.length == 0) {
      throw new IllegalArgumentException("need as many weights as values, and at least one");
    }
    Integer[] order = new Integer[values.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(values[a], values[b]));
    double total = 0;
    for (double w : weights) {
      total += w;
    }
    double target = q * total;
    double cumulative = 0;
    for (int i : order) {
      cumulative += weights[i];
      if (cumulative >= target - 1e-9 * total) {
        return values[i];
      }
    }
    return values[order[order.length - 1]];
  }
}
