package dev.headroom.bench;

import dev.headroom.bench.Evaluation.Outcome;
import dev.headroom.bench.Evaluation.WindowResult;
import dev.headroom.bench.Workload.Kind;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/** Markdown tables of the relative errors, so a run's output can go into BENCHMARKS.md as printed. */
public final class Report {
  /** The estimators compared, in column order. */
  public enum Method {
    MOMENT("moment (log-normal)"), NORMAL("normal fit"), MEAN("mean only");

    final String label;

    Method(String label) {
      this.label = label;
    }
  }

  /** Relative errors of one window: [method][quantile], plus the window's call count as its weight. */
  record Errors(Kind kind, long calls, double[][] relative) {}

  private final List<WindowResult> included = new ArrayList<>();
  private final List<Errors> errors = new ArrayList<>();
  private final Map<Kind, int[]> windowCounts = new EnumMap<>(Kind.class); // {included, excluded}

  /**
   * @param alignMeans shift every estimate by (logged mean − pg_stat_statements mean) of its
   *     window: the log times a little more of each execution than pg_stat_statements does (a
   *     near-constant per call), so the shift leaves the error of the fitted shape alone
   */
  public Report(Outcome outcome, long minCalls, boolean alignMeans) {
    for (WindowResult w : outcome.windows()) {
      int[] counts = windowCounts.computeIfAbsent(w.kind(), k -> new int[2]);
      boolean usable = w.loggedCalls() >= minCalls && w.exact() != null && w.moment() != null;
      if (!usable) {
        counts[1]++;
        continue;
      }
      counts[0]++;
      included.add(w);
      double[][] rel = new double[Method.values().length][Evaluation.QUANTILES.length];
      double shift = alignMeans ? w.loggedMeanMs() - w.meanMs() : 0.0;
      for (int q = 0; q < Evaluation.QUANTILES.length; q++) {
        double exact = w.exact()[q];
        rel[Method.MOMENT.ordinal()][q] = (w.moment()[q] + shift) / exact - 1;
        rel[Method.NORMAL.ordinal()][q] = (w.normal()[q] + shift) / exact - 1;
        rel[Method.MEAN.ordinal()][q] = (w.meanMs() + shift) / exact - 1;
      }
      errors.add(new Errors(w.kind(), w.loggedCalls(), rel));
    }
  }

  public int included() {
    return included.size();
  }

  public int excluded() {
    return windowCounts.values().stream().mapToInt(c -> c[1]).sum();
  }

  /** Per kind and overall: median and p90 of |relative error| of p50, p95, p99, and the median signed p95 error. */
  public String errorTable(boolean perKind) {
    StringBuilder sb = new StringBuilder();
    sb.append("| statement | method | windows | p50 med | p50 p90 | p95 med | p95 p90 | p99 med | p99 p90 | p95 bias | p99 bias |\n");
    sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    if (perKind) {
      for (Kind kind : Kind.values()) {
        appendRows(sb, kind.label(), e -> e.kind() == kind, false);
      }
    }
    appendRows(sb, "**all, window-weighted**", e -> true, false);
    appendRows(sb, "**all, call-weighted**", e -> true, true);
    return sb.toString();
  }

  /** Ratios of the moment method's error to each baseline's (median and p90 of |error|); below 1 means better. */
  public String ratioTable(boolean perKind) {
    StringBuilder sb = new StringBuilder();
    sb.append("| statement | p50 vs mean | p95 vs mean | p99 vs mean | p50 vs normal | p95 vs normal | p99 vs normal |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|\n");
    if (perKind) {
      for (Kind kind : Kind.values()) {
        appendRatios(sb, kind.label(), e -> e.kind() == kind, false);
      }
    }
    appendRatios(sb, "**all, window-weighted**", e -> true, false);
    appendRatios(sb, "**all, call-weighted**", e -> true, true);
    return sb.toString();
  }

  /** What the workload looked like: calls per side, agreement of the means, the true shape. */
  public String workloadTable(Outcome outcome) {
    StringBuilder sb = new StringBuilder();
    sb.append("| statement | logged calls | pgss calls | windows used / excluded | Σlog / Σpgss time | exact p50 | exact p95 | exact p99 | p99/p50 |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Kind kind : Kind.values()) {
      long logged = 0;
      long pgss = 0;
      double loggedMs = 0;
      double pgssMs = 0;
      List<Double> p50 = new ArrayList<>();
      List<Double> p95 = new ArrayList<>();
      List<Double> p99 = new ArrayList<>();
      for (WindowResult w : outcome.windows()) {
        if (w.kind() != kind) {
          continue;
        }
        logged += w.loggedCalls();
        pgss += w.pgssCalls();
        if (w.loggedCalls() > 0) {
          loggedMs += w.loggedMeanMs() * w.loggedCalls();
        }
        if (w.pgssCalls() > 0) {
          pgssMs += w.meanMs() * w.pgssCalls();
        }
      }
      for (WindowResult w : included) {
        if (w.kind() == kind) {
          p50.add(w.exact()[0]);
          p95.add(w.exact()[1]);
          p99.add(w.exact()[2]);
        }
      }
      int[] counts = windowCounts.getOrDefault(kind, new int[2]);
      double m50 = median(p50);
      double m99 = median(p99);
      sb.append(String.format(Locale.ROOT, "| %s | %d | %d | %d / %d | %.3f | %s | %s | %s | %.1f |%n", kind.label(), logged,
          pgss, counts[0], counts[1], pgssMs > 0 ? loggedMs / pgssMs : Double.NaN, ms(m50), ms(median(p95)), ms(m99),
          m99 / m50));
    }
    sb.append("\n(exact pNN columns: median over the used windows.)\n");
    return sb.toString();
  }

  private void appendRows(StringBuilder sb, String scope, Predicate<Errors> filter, boolean callWeighted) {
    for (Method m : Method.values()) {
      List<Errors> selected = errors.stream().filter(filter).toList();
      if (selected.isEmpty()) {
        return;
      }
      sb.append("| ").append(scope).append(" | ").append(m.label).append(" | ").append(selected.size());
      for (int q = 0; q < Evaluation.QUANTILES.length; q++) {
        sb.append(" | ").append(pct(summary(selected, m, q, 0.5, callWeighted, true)));
        sb.append(" | ").append(pct(summary(selected, m, q, 0.9, callWeighted, true)));
      }
      sb.append(" | ").append(signedPct(summary(selected, m, 1, 0.5, callWeighted, false)));
      sb.append(" | ").append(signedPct(summary(selected, m, 2, 0.5, callWeighted, false))).append(" |\n");
    }
  }

  private void appendRatios(StringBuilder sb, String scope, Predicate<Errors> filter, boolean callWeighted) {
    List<Errors> selected = errors.stream().filter(filter).toList();
    if (selected.isEmpty()) {
      return;
    }
    sb.append("| ").append(scope);
    for (Method baseline : new Method[] {Method.MEAN, Method.NORMAL}) {
      for (int q = 0; q < Evaluation.QUANTILES.length; q++) {
        double med = summary(selected, Method.MOMENT, q, 0.5, callWeighted, true)
            / summary(selected, baseline, q, 0.5, callWeighted, true);
        double p90 = summary(selected, Method.MOMENT, q, 0.9, callWeighted, true)
            / summary(selected, baseline, q, 0.9, callWeighted, true);
        sb.append(String.format(Locale.ROOT, " | %s / %s", ratio(med), ratio(p90)));
      }
    }
    sb.append(" |\n");
  }

  /** The {@code at}-quantile of the (absolute or signed) relative errors of one method and quantile. */
  static double summary(List<Errors> selected, Method m, int q, double at, boolean callWeighted, boolean absolute) {
    double[] values = new double[selected.size()];
    double[] weights = new double[selected.size()];
    for (int i = 0; i < values.length; i++) {
      double e = selected.get(i).relative()[m.ordinal()][q];
      values[i] = absolute ? Math.abs(e) : e;
      weights[i] = callWeighted ? selected.get(i).calls() : 1.0;
    }
    return ExactQuantiles.weighted(values, weights, at);
  }

  private static double median(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    return ExactQuantiles.of(values.stream().mapToDouble(Double::doubleValue).toArray(), 0.5)[0];
  }

  static String pct(double v) {
    return String.format(Locale.ROOT, "%.1f %%", 100 * v);
  }

  static String signedPct(double v) {
    return String.format(Locale.ROOT, "%+.1f %%", 100 * v);
  }

  static String ratio(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f", v) : "–";
  }

  static String ms(double v) {
    return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, v < 1 ? "%.3f ms" : "%.2f ms", v);
  }
}
