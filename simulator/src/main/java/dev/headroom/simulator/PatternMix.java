package dev.headroom.simulator;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The weights with which each (instance, resource) draws its growth pattern, written as
 * {@code linear=4,exponential=2,flat=2,weekly=1,step=1} (a kind without a weight weighs 1).
 */
public record PatternMix(Map<String, Double> weights) {
  public static final List<String> KINDS = List.of("flat", "linear", "exponential", "weekly", "step");
  public static final String DEFAULT = "linear=4,exponential=2,flat=2,weekly=1,step=1";

  public PatternMix {
    weights = Map.copyOf(weights);
    if (weights.isEmpty()) {
      throw new IllegalArgumentException("no pattern: name at least one of " + KINDS);
    }
    for (Map.Entry<String, Double> e : weights.entrySet()) {
      if (!KINDS.contains(e.getKey())) {
        throw new IllegalArgumentException("unknown pattern '" + e.getKey() + "': one of " + KINDS);
      }
      if (!(e.getValue() >= 0) || e.getValue().isInfinite()) {
        throw new IllegalArgumentException("the weight of " + e.getKey() + " must be a number >= 0");
      }
    }
    if (weights.values().stream().mapToDouble(Double::doubleValue).sum() <= 0) {
      throw new IllegalArgumentException("at least one pattern needs a weight above 0");
    }
  }

  public static PatternMix parse(String text) {
    Map<String, Double> weights = new LinkedHashMap<>();
    for (String item : text.split(",")) {
      String entry = item.trim().toLowerCase(Locale.ROOT);
      if (entry.isEmpty()) {
        continue;
      }
      int eq = entry.indexOf('=');
      String kind = eq < 0 ? entry : entry.substring(0, eq).trim();
      double weight;
      try {
        weight = eq < 0 ? 1 : Double.parseDouble(entry.substring(eq + 1).trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("the weight of " + kind + " is not a number: " + entry.substring(eq + 1));
      }
      if (weights.put(kind, weight) != null) {
        throw new IllegalArgumentException("pattern " + kind + " named twice");
      }
    }
    return new PatternMix(weights);
  }

  /** Only the given pattern. */
  public static PatternMix only(String kind) {
    return new PatternMix(Map.of(kind, 1.0));
  }

  /** A kind drawn by weight, in {@link #KINDS} order so that the draw does not depend on map order. */
  public String draw(RandomGenerator rng) {
    return drawAmong(rng, KINDS);
  }

  /** A kind drawn by weight among {@code allowed}; the first allowed kind when none of them weighs anything. */
  public String drawAmong(RandomGenerator rng, List<String> allowed) {
    double total = 0;
    for (String kind : allowed) {
      total += weights.getOrDefault(kind, 0.0);
    }
    double u = rng.nextDouble() * total;
    String last = allowed.get(0);
    for (String kind : allowed) {
      double w = weights.getOrDefault(kind, 0.0);
      if (w <= 0) {
        continue;
      }
      last = kind;
      if (u < w) {
        return kind;
      }
      u -= w;
    }
    return last;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (String kind : KINDS) {
      if (weights.containsKey(kind)) {
        sb.append(sb.length() == 0 ? "" : ",").append(kind).append('=').append(weights.get(kind));
      }
    }
    return sb.toString();
  }
}
