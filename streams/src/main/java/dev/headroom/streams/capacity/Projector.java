package dev.headroom.streams.capacity;

import java.util.Locale;
import java.util.function.DoubleUnaryOperator;
import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.stat.regression.SimpleRegression;

/**
 * Fits a resource's daily peaks with a linear and an exponential (log-linear) model, chooses
 * between them on their residuals in the original scale (AICc, which with two parameters each
 * is the sum of squared residuals, asking the exponential for a clear gain), and projects when the
 * resource reaches a fraction of its capacity, with a runway range from the regression's
 * prediction interval. Pure: times are in days on any origin, {@code now} among them.
 */
public final class Projector {
  /** What shapes a projection. */
  public record Settings(double saturationFraction, double horizonDays, double growthBuffer, double confidence,
      int minPoints, double maxRunwayDays) {
    public static final Settings DEFAULTS = new Settings(0.8, 90, 0.1, 0.95, 7, 3650);

    public Settings {
      if (!(saturationFraction > 0 && saturationFraction <= 1)) {
        throw new IllegalArgumentException("the saturation fraction must be in (0, 1]");
      }
      if (!(confidence > 0 && confidence < 1)) {
        throw new IllegalArgumentException("the confidence must be in (0, 1)");
      }
      if (minPoints < 3) {
        throw new IllegalArgumentException("a fit needs at least 3 points");
      }
    }
  }

  /**
   * A what-if: growth from now on multiplied by {@code growthMultiplier} ("traffic triples" is 3),
   * and on the day starting at {@code spikeAtDay} (same origin as the points) the peak multiplied
   * by {@code spikeFactor} ("5× on Black Friday"). The baseline is multiplier 1 and no spike.
   */
  public record Scenario(String name, double growthMultiplier, Double spikeAtDay, double spikeFactor) {
    public static final Scenario BASELINE = new Scenario("baseline", 1, null, 1);

    public Scenario {
      if (growthMultiplier < 0 || spikeFactor <= 0) {
        throw new IllegalArgumentException("scenario " + name + ": the multiplier and the spike factor must be positive");
      }
    }
  }

  public enum Model {
    LINEAR, EXPONENTIAL;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One fitted model: value = intercept + slope·t (linear), or intercept·e^(rate·t)
   * (exponential, fitted as a line through the logarithms). {@code r2} is in the space it was
   * fitted in; {@code sse} is the sum of squared residuals in the original scale.
   */
  public record Fit(Model model, double intercept, double slope, double r2, double sse, int n, double meanT,
      double sxx, double residualSe, double slopeP) {

    public double predict(double t) {
      return model == Model.LINEAR ? intercept + slope * t : intercept * Math.exp(slope * t);
    }

    /** The prediction interval of one new daily peak at {@code t}: [low, high] in the original scale. */
    public double[] interval(double t, double quantile) {
      double half = quantile * residualSe * Math.sqrt(1 + 1.0 / n + (t - meanT) * (t - meanT) / sxx);
      if (model == Model.LINEAR) {
        double y = predict(t);
        return new double[] {y - half, y + half};
      }
      double log = Math.log(intercept) + slope * t;
      return new double[] {Math.exp(log - half), Math.exp(log + half)};
    }

    /** Growth the data supports: a positive slope (or rate) significant at the confidence. */
    public boolean grows(double confidence) {
      return slope > 0 && slopeP < 1 - confidence;
    }

    /** AICc of the fit from its residuals in the original scale (two parameters). */
    double aicc() {
      int k = 2;
      return n * Math.log(Math.max(sse, Double.MIN_NORMAL) / n) + 2 * k + 2.0 * k * (k + 1) / (n - k - 1);
    }
  }

  /**
   * Where a resource goes. Days are counted from {@code now}; null where the resource does not
   * reach the saturation level within the longest runway considered (or, for the time to
   * saturation, does not grow).
   */
  public record Projection(Fit chosen, Fit linear, Fit exponential, double currentPeak, double saturationLevel,
      Double timeToSaturationDays, Double runwayLowDays, Double runwayHighDays, double projectedAtHorizon,
      double headroomAtHorizon) {}

  /** The exponential must beat the linear fit's AICc by this much to be chosen. */
  static final double AICC_MARGIN = 2;

  private Projector() {}

  public static Fit linear(double[] t, double[] y) {
    SimpleRegression r = regress(t, y, false);
    double sse = 0;
    for (int i = 0; i < t.length; i++) {
      double e = y[i] - (r.getIntercept() + r.getSlope() * t[i]);
      sse += e * e;
    }
    return new Fit(Model.LINEAR, r.getIntercept(), r.getSlope(), r2(r, sse), sse, t.length, mean(t),
        r.getXSumSquares(), Math.sqrt(r.getMeanSquareError()), significance(r));
  }

  /** The log-linear fit, or null when a value is not positive (no logarithm). */
  public static Fit exponential(double[] t, double[] y) {
    for (double v : y) {
      if (!(v > 0)) {
        return null;
      }
    }
    SimpleRegression r = regress(t, y, true);
    double a = Math.exp(r.getIntercept());
    double sse = 0;
    for (int i = 0; i < t.length; i++) {
      double e = y[i] - a * Math.exp(r.getSlope() * t[i]);
      sse += e * e;
    }
    return new Fit(Model.EXPONENTIAL, a, r.getSlope(), r2(r, sse), sse, t.length, mean(t), r.getXSumSquares(),
        Math.sqrt(r.getMeanSquareError()), significance(r));
  }

  /** The model the residuals favour: exponential only when its AICc is lower by {@link #AICC_MARGIN}. */
  public static Fit choose(Fit linear, Fit exponential) {
    if (exponential == null || !(exponential.slope() > 0)) {
      return linear;
    }
    return exponential.aicc() + AICC_MARGIN < linear.aicc() ? exponential : linear;
  }

  /**
   * Projects the resource whose daily peaks are {@code y} at days {@code t}: null with fewer
   * points than the settings ask for, or when the times do not vary.
   */
  public static Projection project(double[] t, double[] y, double capacity, double now, Settings s,
      Scenario scenario) {
    if (t.length != y.length) {
      throw new IllegalArgumentException("as many times as values");
    }
    if (t.length < s.minPoints() || !(capacity > 0) || mean(t) == t[0] && t[t.length - 1] == t[0]) {
      return null;
    }
    Fit lin = linear(t, y);
    Fit exp = exponential(t, y);
    Fit fit = choose(lin, exp);
    double level = s.saturationFraction() * capacity;
    double quantile = new TDistribution(fit.n() - 2).inverseCumulativeProbability(0.5 + s.confidence() / 2);
    boolean grows = fit.grows(s.confidence());
    // the expected path from now on; without supported growth it stays at today's level
    double base = fit.predict(now);
    DoubleUnaryOperator expected = grows ? at -> scenario(scenario, base, fit.predict(at), at)
        : at -> scenario(scenario, base, base, at);
    DoubleUnaryOperator upper = at -> scenario(scenario, base, fit.interval(at, quantile)[1], at);
    DoubleUnaryOperator lower = at -> scenario(scenario, base, fit.interval(at, quantile)[0], at);
    double[] spike = scenario.spikeAtDay() == null ? new double[0] : new double[] {scenario.spikeAtDay()};
    Double tts = firstReach(expected, level, now, s.maxRunwayDays(), spike);
    Double low = firstReach(upper, level, now, s.maxRunwayDays(), spike);
    Double high = firstReach(lower, level, now, s.maxRunwayDays(), spike);
    double atHorizon = expected.applyAsDouble(now + s.horizonDays());
    double headroom = capacity - atHorizon * (1 + s.growthBuffer());
    return new Projection(fit, lin, exp, y[y.length - 1], level, tts, low, high, atHorizon, headroom);
  }

  /** The scenario's value at {@code at}, from the baseline path's value there and today's level. */
  private static double scenario(Scenario scenario, double today, double value, double at) {
    double v = today + scenario.growthMultiplier() * (value - today);
    Double spike = scenario.spikeAtDay();
    if (spike != null && at >= spike && at < spike + 1) {
      v *= scenario.spikeFactor();
    }
    return v;
  }

  /**
   * Days from {@code now} until {@code path} first reaches {@code level}: 0 when it starts there,
   * null when it does not within {@code maxDays}. Probes day by day and at {@code extra} times
   * (a spike's start), then bisects between the last probe below and the first at or above.
   */
  static Double firstReach(DoubleUnaryOperator path, double level, double now, double maxDays, double... extra) {
    if (path.applyAsDouble(now) >= level) {
      return 0.0;
    }
    java.util.TreeSet<Double> probes = new java.util.TreeSet<>();
    for (double day = 1; day <= maxDays; day++) {
      probes.add(now + day);
    }
    for (double e : extra) {
      if (e > now && e <= now + maxDays) {
        probes.add(e);
      }
    }
    double before = now;
    for (double probe : probes) {
      if (path.applyAsDouble(probe) >= level) {
        double lo = before;
        double hi = probe;
        for (int i = 0; i < 60 && hi - lo > 1e-6; i++) {
          double mid = (lo + hi) / 2;
          if (path.applyAsDouble(mid) >= level) {
            hi = mid;
          } else {
            lo = mid;
          }
        }
        return hi - now;
      }
      before = probe;
    }
    return null;
  }

  private static SimpleRegression regress(double[] t, double[] y, boolean log) {
    SimpleRegression r = new SimpleRegression(true);
    for (int i = 0; i < t.length; i++) {
      r.addData(t[i], log ? Math.log(y[i]) : y[i]);
    }
    return r;
  }

  /** r² of the fit; a constant series (nothing to explain) counts as explained when the fit is exact. */
  private static double r2(SimpleRegression r, double sse) {
    double r2 = r.getRSquare();
    return Double.isNaN(r2) ? (sse <= 1e-9 * Math.max(1, r.getN()) ? 1 : 0) : r2;
  }

  private static double significance(SimpleRegression r) {
    double p = r.getSignificance();
    return Double.isNaN(p) ? (r.getSlope() != 0 && r.getMeanSquareError() == 0 ? 0 : 1) : p;
  }

  private static double mean(double[] values) {
    double sum = 0;
    for (double v : values) {
      sum += v;
    }
    return sum / values.length;
  }
}
