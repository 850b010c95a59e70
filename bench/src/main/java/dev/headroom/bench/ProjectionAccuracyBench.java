package dev.headroom.bench;

import dev.headroom.streams.capacity.Projector;
import dev.headroom.streams.capacity.Projector.Model;
import dev.headroom.streams.capacity.Projector.Projection;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * How right are the capacity projections? On synthetic daily peaks with a known truth — linear
 * or exponential growth, multiplicative Gaussian noise — it counts how often the projector picks
 * the true model and how far its time to saturation is from the truth, beside what a linear-only
 * fit does with the same series (Prometheus' predict_linear), over the whole lookback and over
 * its last 7 days.
 */
@Command(name = "projection-accuracy-bench", mixinStandardHelpOptions = true,
    description = "Model choice and time-to-saturation error of the projector against known truths.")
public final class ProjectionAccuracyBench implements Callable<Integer> {
  @Option(names = "--series", description = "Series per cell (default ${DEFAULT-VALUE}).")
  int series = 400;

  @Option(names = "--lookback", description = "Days of daily peaks (default ${DEFAULT-VALUE}).")
  int lookback = 28;

  @Option(names = "--headroom", description = "Capacity line as a multiple of today's level (default ${DEFAULT-VALUE}).")
  double headroom = 4;

  @Option(names = "--seed", description = "Random seed (default ${DEFAULT-VALUE}).")
  long seed = 2026;

  public static void main(String[] args) {
    System.exit(new CommandLine(new ProjectionAccuracyBench()).execute(args));
  }

  @Override
  public Integer call() {
    Random random = new Random(seed);
    double now = lookback;
    System.out.printf(Locale.ROOT, "lookback %d days, %d series per cell, saturation line at %.0f× today's level,"
        + " noise = relative standard deviation of a daily peak%n%n", lookback, series, headroom);
    System.out.println("| truth | growth/day | noise | right model | TTS error median | p90 | within 10 %"
        + " | linear-only (28 d) median | within 10 % | predict_linear (7 d) median | within 10 % |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
    for (boolean exponential : new boolean[] {true, false}) {
      for (double rate : new double[] {0.01, 0.02, 0.03, 0.05, 0.08}) {
        for (double noise : new double[] {0.02, 0.05, 0.10}) {
          cell(random, exponential, rate, noise, now);
        }
      }
    }
    return 0;
  }

  private void cell(Random random, boolean exponential, double rate, double noise, double now) {
    double[] t = new double[lookback];
    double[] y = new double[lookback];
    for (int i = 0; i < lookback; i++) {
      t[i] = i;
    }
    double[] errors = new double[series];
    double[] linear = new double[series];
    double[] last7 = new double[series];
    int right = 0;
    double level = exponential ? 100 * Math.exp(rate * now) : 100 * (1 + rate * now); // the truth at now
    double line = headroom * level;
    // the truth's time from now to the line (saturation fraction 0.8 of a capacity line / 0.8)
    double truth = exponential ? Math.log(headroom) / rate : (line - level) / (100 * rate);
    for (int k = 0; k < series; k++) {
      for (int i = 0; i < lookback; i++) {
        double value = exponential ? 100 * Math.exp(rate * i) : 100 * (1 + rate * i);
        y[i] = value * (1 + noise * random.nextGaussian());
      }
      Projection p = Projector.project(t, y, line / 0.8, now, Projector.Settings.DEFAULTS,
          Projector.Scenario.BASELINE);
      right += (p.chosen().model() == Model.EXPONENTIAL) == exponential ? 1 : 0;
      errors[k] = error(p.timeToSaturationDays(), truth);
      linear[k] = error(linearOnly(t, y, 0, line, now), truth);
      last7[k] = error(linearOnly(t, y, lookback - 7, line, now), truth);
    }
    System.out.printf(Locale.ROOT, "| %s | %.0f %% | %.0f %% | %.1f %% | %s | %s | %.1f %% | %s | %.1f %% | %s | %.1f %% |%n",
        exponential ? "exponential" : "linear", 100 * rate, 100 * noise, 100.0 * right / series, pct(median(errors)),
        pct(quantile(errors, 0.9)), within(errors), pct(median(linear)), within(linear), pct(median(last7)),
        within(last7));
  }

  /** Time to the line of a least-squares line through the points from index {@code from}: predict_linear. */
  private static Double linearOnly(double[] t, double[] y, int from, double line, double now) {
    Projector.Fit fit = Projector.linear(Arrays.copyOfRange(t, from, t.length), Arrays.copyOfRange(y, from, y.length));
    if (!(fit.slope() > 0)) {
      return null;
    }
    return Math.max(0, (line - fit.predict(now)) / fit.slope());
  }

  /** Relative error; a missing answer (no growth seen) counts as infinitely wrong. */
  private static double error(Double estimate, double truth) {
    return estimate == null ? Double.POSITIVE_INFINITY : Math.abs(estimate - truth) / truth;
  }

  private static double median(double[] values) {
    return quantile(values, 0.5);
  }

  private static double quantile(double[] values, double q) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  }

  private static double within(double[] values) {
    return 100.0 * Arrays.stream(values).filter(v -> v <= 0.10).count() / values.length;
  }

  private static String pct(double ratio) {
    return Double.isInfinite(ratio) ? "none" : String.format(Locale.ROOT, "%.1f %%", 100 * ratio);
  }
}
