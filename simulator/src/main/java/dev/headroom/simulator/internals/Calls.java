package dev.headroom.simulator.internals;

import java.util.random.RandomGenerator;

/**
 * The calls one statement made in one interval, with the exact sums pg_stat_statements would
 * fold in. Drawing every call of a busy statement would cost too much (thousands per interval),
 * so at most {@code drawsMax} execution times are drawn from the log-normal and the n calls are
 * those values repeated: the first {@code n mod m} of them {@code n / m + 1} times, the others
 * {@code n / m} times. The sums are those of that multiset exactly, so mean, variance, min and
 * max stay consistent with the calls made, and the distribution is the log-normal's in law.
 */
public record Calls(double[] values, long[] repeats, long n, double sum, double sumSq, double m2, double min,
    double max) {
  public static final Calls NONE = new Calls(new double[0], new long[0], 0, 0, 0, 0, 0, 0);

  /** n calls with execution times (ms) of log-normal(mu, sigma). */
  public static Calls draw(RandomGenerator rng, long n, double mu, double sigma, int drawsMax) {
    if (n <= 0) {
      return NONE;
    }
    int m = (int) Math.min(n, drawsMax);
    long each = n / m;
    long extra = n % m;
    double[] values = new double[m];
    long[] repeats = new long[m];
    double sum = 0;
    double sumSq = 0;
    double min = Double.POSITIVE_INFINITY;
    double max = 0;
    for (int i = 0; i < m; i++) {
      double x = Math.exp(mu + sigma * rng.nextGaussian());
      long r = each + (i < extra ? 1 : 0);
      values[i] = x;
      repeats[i] = r;
      sum += r * x;
      sumSq += r * x * x;
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    double mean = sum / n;
    double m2 = 0;
    for (int i = 0; i < m; i++) {
      double d = values[i] - mean;
      m2 += repeats[i] * d * d;
    }
    return new Calls(values, repeats, n, sum, sumSq, m2, min, max);
  }

  public double mean() {
    return n == 0 ? 0 : sum / n;
  }
}
