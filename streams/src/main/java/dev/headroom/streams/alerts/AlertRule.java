package dev.headroom.streams.alerts;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One SLO rule: a metric (of the 1-minute latency windows, or a catalog gauge such as PgBouncer
 * pool efficiency), a comparator and a threshold, how long the condition must hold before it
 * fires, its severity, and which scopes it watches. Written in configuration as
 * {@code name:metric:op:threshold:sustained:severity[:scopes]}, e.g.
 * {@code p95-warning:p95_ms:>:80:10m:warning:instance}. Without scopes, a latency rule watches
 * the instance scope and a catalog rule every scope its metric has.
 */
public record AlertRule(String name, String metric, boolean above, double threshold, Duration sustained,
    String severity, Pattern scopes) {

  public static final List<String> METRICS = java.util.stream.Stream.concat(Gauges.LATENCY_METRICS.stream(),
      Gauges.CATALOG_METRICS.stream()).toList();
  public static final List<String> SEVERITIES = List.of("warning", "critical", "emergency");

  /**
   * The operations runbook's rules: p95 above 80 ms for 10 min, 95 ms for 5 min, 110 ms for 2 min;
   * PgBouncer pool efficiency below 70 % for 5 min, 60 % for 2 min, 50 % at once; buffer cache
   * hit ratio below 99 %; replication lag.
   */
  public static final String DEFAULTS = "p95-warning:p95_ms:>:80:10m:warning:instance,"
      + "p95-critical:p95_ms:>:95:5m:critical:instance,p95-emergency:p95_ms:>:110:2m:emergency:instance,"
      + "pool-efficiency-warning:pool_efficiency:<:0.7:5m:warning,"
      + "pool-efficiency-critical:pool_efficiency:<:0.6:2m:critical,"
      + "pool-efficiency-emergency:pool_efficiency:<:0.5:0s:emergency,"
      + "cache-hit-warning:cache_hit_ratio:<:0.99:10m:warning,"
      + "replication-lag-warning:replication_lag_s:>:30:5m:warning,"
      + "replication-lag-critical:replication_lag_s:>:300:2m:critical";

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
        Pattern.compile(f.length > 6 ? f[6] : Gauges.LATENCY_METRICS.contains(f[1]) ? "instance" : ".*"));
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

  public boolean watches(Measurement m) {
    return metric.equals(m.metric()) && scopes.matcher(m.scope()).matches();
  }

  public boolean breached(double value) {
    return above ? value > threshold : value < threshold;
  }
}
