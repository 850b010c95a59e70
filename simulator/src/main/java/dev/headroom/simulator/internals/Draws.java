package dev.headroom.simulator.internals;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/** Random draws the simulator needs beyond {@link RandomGenerator}'s, and its seeds. */
public final class Draws {
  private Draws() {}

  /**
   * An independent generator for one purpose of one instance: the same (seed, instance, stream)
   * always gives the same sequence, whatever else is simulated beside it.
   */
  public static SplittableRandom rng(long seed, int instance, int stream) {
    long h = mix(seed ^ 0x9E3779B97F4A7C15L * (instance + 1L));
    return new SplittableRandom(mix(h + 0xBF58476D1CE4E5B9L * (stream + 1L)));
  }

  /** SplitMix64's finaliser. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  public static double uniform(RandomGenerator rng, double lo, double hi) {
    return lo + (hi - lo) * rng.nextDouble();
  }

  public static double logUniform(RandomGenerator rng, double lo, double hi) {
    return Math.exp(uniform(rng, Math.log(lo), Math.log(hi)));
  }

  /** Poisson by multiplication for small means, the normal approximation above 30 (rounded, never negative). */
  public static long poisson(RandomGenerator rng, double mean) {
    if (!(mean > 0)) {
      return 0;
    }
    if (mean < 30) {
      double limit = Math.exp(-mean);
      long k = 0;
      double p = rng.nextDouble();
      while (p > limit) {
        k++;
        p *= rng.nextDouble();
      }
      return k;
    }
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * rng.nextGaussian()));
  }

  /** value · (1 + relative · N(0,1)), never below zero. */
  public static double noisy(RandomGenerator rng, double value, double relative) {
    return relative <= 0 ? value : Math.max(0, value * (1 + relative * rng.nextGaussian()));
  }

  public static <T> T pick(RandomGenerator rng, java.util.List<T> items) {
    return items.get(rng.nextInt(items.size()));
  }
}
