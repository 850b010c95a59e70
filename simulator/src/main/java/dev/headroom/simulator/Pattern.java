package dev.headroom.simulator;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * How one resource of one simulated instance grows: its value as a function of the days since
 * the simulation's origin (the start of the history). The simulator publishes this value (plus
 * noise) and the truth keeps the pattern, so a projection can be checked against it.
 */
public sealed interface Pattern permits Pattern.Flat, Pattern.Linear, Pattern.Exponential, Pattern.Weekly,
    Pattern.Step {

  /** Searches for a crossing this far at most (ten years). */
  double HORIZON_DAYS = 3_650;

  /** The pattern's name: flat, linear, exponential, weekly or step. */
  String kind();

  /** The value {@code days} days after the origin. */
  double value(double days);

  /** The same pattern with every level multiplied by {@code factor} (rates and times unchanged). */
  Pattern scaled(double factor);

  /** The parameters, named as in the truth file; levels in the resource's unit, times in days from the origin. */
  Map<String, Double> params();

  /**
   * The first day at or after the origin (day 0) on which the value reaches {@code level}, or empty
   * when it does not within {@link #HORIZON_DAYS}.
   */
  OptionalDouble reach(double level);

  /** value = level. */
  record Flat(double level) implements Pattern {
    @Override
    public String kind() {
      return "flat";
    }

    @Override
    public double value(double days) {
      return level;
    }

    @Override
    public Pattern scaled(double factor) {
      return new Flat(level * factor);
    }

    @Override
    public Map<String, Double> params() {
      return Map.of("level", level);
    }

    @Override
    public OptionalDouble reach(double target) {
      return level >= target ? OptionalDouble.of(0) : OptionalDouble.empty();
    }
  }

  /** value = intercept + slope · days. */
  record Linear(double intercept, double slopePerDay) implements Pattern {
    @Override
    public String kind() {
      return "linear";
    }

    @Override
    public double value(double days) {
      return intercept + slopePerDay * days;
    }

    @Override
    public Pattern scaled(double factor) {
      return new Linear(intercept * factor, slopePerDay * factor);
    }

    @Override
    public Map<String, Double> params() {
      return ordered("intercept", intercept, "slope_per_day", slopePerDay);
    }

    @Override
    public OptionalDouble reach(double target) {
      return linearReach(intercept, slopePerDay, target, 0);
    }
  }

  /** value = initial · e^(rate · days). */
  record Exponential(double initial, double ratePerDay) implements Pattern {
    @Override
    public String kind() {
      return "exponential";
    }

    @Override
    public double value(double days) {
      return initial * Math.exp(ratePerDay * days);
    }

    @Override
    public Pattern scaled(double factor) {
      return new Exponential(initial * factor, ratePerDay);
    }

    @Override
    public Map<String, Double> params() {
      return ordered("initial", initial, "rate_per_day", ratePerDay);
    }

    @Override
    public OptionalDouble reach(double target) {
      if (initial >= target) {
        return OptionalDouble.of(0);
      }
      if (initial <= 0 || ratePerDay <= 0) {
        return OptionalDouble.empty();
      }
      return within(Math.log(target / initial) / ratePerDay);
    }
  }

  /**
   * A trend with a weekly rhythm on top: value = intercept + slope · days + amplitude · sin(2π · days / 7).
   * Its crossing is found numerically (the sine makes it first touch the level at a weekly peak).
   */
  record Weekly(double intercept, double slopePerDay, double amplitude) implements Pattern {
    @Override
    public String kind() {
      return "weekly";
    }

    @Override
    public double value(double days) {
      return intercept + slopePerDay * days + amplitude * Math.sin(2 * Math.PI * days / 7);
    }

    @Override
    public Pattern scaled(double factor) {
      return new Weekly(intercept * factor, slopePerDay * factor, amplitude * factor);
    }

    @Override
    public Map<String, Double> params() {
      return ordered("intercept", intercept, "slope_per_day", slopePerDay, "amplitude", amplitude);
    }

    @Override
    public OptionalDouble reach(double target) {
      if (value(0) >= target) {
        return OptionalDouble.of(0);
      }
      // The maximum of a week lies within a week of any time, so hour steps cannot jump a crossing
      // that lasts at least an hour; bisection then pins it down.
      double step = 1.0 / 24;
      for (double d = step; d <= HORIZON_DAYS; d += step) {
        if (value(d) >= target) {
          double lo = d - step;
          double hi = d;
          for (int i = 0; i < 60; i++) {
            double mid = (lo + hi) / 2;
            if (value(mid) >= target) {
              hi = mid;
            } else {
              lo = mid;
            }
          }
          return OptionalDouble.of(hi);
        }
        if (slopePerDay <= 0 && d > 7) {
          return OptionalDouble.empty(); // a week seen, and nothing grows any more
        }
      }
      return OptionalDouble.empty();
    }
  }

  /** A linear trend with a one-off jump: value = intercept + slope · days, plus {@code size} from {@code at_day} on. */
  record Step(double intercept, double slopePerDay, double atDay, double size) implements Pattern {
    @Override
    public String kind() {
      return "step";
    }

    @Override
    public double value(double days) {
      return intercept + slopePerDay * days + (days >= atDay ? size : 0);
    }

    @Override
    public Pattern scaled(double factor) {
      return new Step(intercept * factor, slopePerDay * factor, atDay, size * factor);
    }

    @Override
    public Map<String, Double> params() {
      return ordered("intercept", intercept, "slope_per_day", slopePerDay, "at_day", atDay, "size", size);
    }

    @Override
    public OptionalDouble reach(double target) {
      OptionalDouble before = linearReach(intercept, slopePerDay, target, 0);
      if (before.isPresent() && before.getAsDouble() < atDay) {
        return before;
      }
      if (atDay >= 0 && value(atDay) >= target) {
        return within(Math.max(0, atDay));
      }
      return linearReach(intercept + size, slopePerDay, target, Math.max(0, atDay));
    }
  }

  /** Where intercept + slope · d first reaches the target, at or after day {@code from}. */
  private static OptionalDouble linearReach(double intercept, double slope, double target, double from) {
    if (intercept + slope * from >= target) {
      return OptionalDouble.of(from);
    }
    if (slope <= 0) {
      return OptionalDouble.empty();
    }
    return within((target - intercept) / slope);
  }

  private static OptionalDouble within(double days) {
    return days <= HORIZON_DAYS ? OptionalDouble.of(days) : OptionalDouble.empty();
  }

  private static Map<String, Double> ordered(Object... keysAndValues) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      out.put((String) keysAndValues[i], (Double) keysAndValues[i + 1]);
    }
    return out;
  }
}
