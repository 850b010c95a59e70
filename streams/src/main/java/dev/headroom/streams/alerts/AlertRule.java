package dev.headroom.streams.alerts;

import dev.headroom.schemas.LatencyWindow;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One SLO rule over the 1-minute latency windows: the metric of a window, a comparator and a
 * threshold, how long the condition must hold before it fires, its severity, and which scopes it
 * watches. Written in configuration as {@code name:metric:op:threshold:sustained:severity[:scopes]},
 * e.g. {@code p95-warning:p95_ms:>:80:10m:warning:instance}.
 */
public record AlertRule(String name, String metric, boolean above, double threshold, Duration sustained,
    String severity, Pattern scopes) {

  public static final List<String> METRICS = List.of("p50_ms", "p95_ms", "p99_ms", "max_ms", "count");
  public static final List<String> SEVERITIES = List.of("warning", "critical", "emergency");

  /** The operations runbook's latency rules: p95 above 80 ms for 10 min, 95 ms for 5 min, 110 ms for 2 min. */
  public static final String DEFAULTS = "p95-warning:p95_ms:>:80:10m:warning:instance,"
      + "p95-critical:p95_ms:>:95:5m:critical:instance,p95-emergency:p95_ms:>:110:2m:emergency:instance";

  public AlertRule {
    if (name == null || name.isBlank() || name.contains(":")) {
      throw new IllegalArgumentException("a rule needs a name without ':'");
    }
    if (!METRICS.contains(metric)) {
      throw new IllegalArgumentException("rule " + name + ": metric must be one of " + METRICS);
    }
    if (!SEVERITIES.contains(severity)) {
      throw new IllegalArgumentException("rule " + name + ": severity must be one of " + SEVERITIES);
    }
    if (sustained.isNegative()) {
      throw new IllegalArgumentException("rule " + name + ": the sustained duration must not be negative");
    }
  }

  public static AlertRule parse(String spec) {
    String[] f = spec.trim().split(":", 7);
    if (f.length < 6) {
      throw new IllegalArgumentException("'" + spec + "': expected name:metric:op:threshold:sustained:severity[:scopes]");
    }
    boolean above = switch (f[2]) {
      case ">" -> true;
      case "<" -> false;
      default -> throw new IllegalArgumentException("'" + spec + "': the comparator must be > or <");
    };
    double threshold;
    try {
      threshold = Double.parseDouble(f[3]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + spec + "': the threshold must be a number");
    }
    return new AlertRule(f[0], f[1], above, threshold, duration(f[4], spec), f[5].toLowerCase(Locale.ROOT),
        Pattern.compile(f.length > 6 ? f[6] : "instance"));
  }

  /** {@code 90s}, {@code 10m}, {@code 1h}, or milliseconds. */
  static Duration duration(String text, String spec) {
    try {
      if (text.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
      }
      long n = Long.parseLong(text.substring(0, text.length() - 1));
      return switch (text.charAt(text.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        default -> Duration.ofMillis(Long.parseLong(text));
      };
    } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
      throw new IllegalArgumentException("'" + spec + "': the sustained duration must look like 90s, 10m or 1h");
    }
  }

  public boolean watches(String scope) {
    return scopes.matcher(scope).matches();
  }

  public double value(LatencyWindow w) {
    return switch (metric) {
      case "p50_ms" -> w.p50Ms();
      case "p95_ms" -> w.p95Ms();
      case "p99_ms" -> w.p99Ms();
      case "max_ms" -> w.maxMs();
      default -> w.count();
    };
  }

  public boolean breached(double value) {
    return above ? value > threshold : value < threshold;
  }
}
