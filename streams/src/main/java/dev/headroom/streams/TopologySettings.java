package dev.headroom.streams;

import dev.headroom.streams.alerts.AlertRule;
import dev.headroom.streams.capacity.CapacitySettings;
import dev.headroom.streams.deploys.DeploySettings;
import dev.headroom.streams.deltas.DeltaProcessor;
import dev.headroom.streams.findings.FindingThresholds;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** What shapes the topology, apart from how it connects. */
public record TopologySettings(Duration latencyWindow, Duration latencyGrace, int topStatements,
    Duration sampleDedupeRetention, Duration deltasForgetAfter, List<AlertRule> alertRules, Duration alertClear,
    FindingThresholds findings, int maxScopes, CapacitySettings capacity, Duration latencyIdle,
    DeploySettings deploys) {
  public static final Duration ONE_MINUTE = Duration.ofMinutes(1);
  public static final Duration DEFAULT_DEDUPE_RETENTION = Duration.ofHours(1);
  public static final Duration DEFAULT_ALERT_CLEAR = Duration.ofMinutes(2);
  public static final int DEFAULT_MAX_SCOPES = 100;
  public static final Duration DEFAULT_LATENCY_IDLE = Duration.ofMinutes(5);

  /** The defaults but for the window, its grace and the statements with a scope of their own. */
  public TopologySettings(Duration latencyWindow, Duration latencyGrace, int topStatements) {
    this(latencyWindow, latencyGrace, topStatements, DEFAULT_DEDUPE_RETENTION, DeltaProcessor.DEFAULT_FORGET_AFTER,
        defaultRules(), DEFAULT_ALERT_CLEAR, FindingThresholds.DEFAULTS, DEFAULT_MAX_SCOPES, CapacitySettings.DEFAULTS,
        DEFAULT_LATENCY_IDLE, DeploySettings.DEFAULTS);
  }

  public static List<AlertRule> defaultRules() {
    return Arrays.stream(AlertRule.DEFAULTS.split(",")).map(AlertRule::parse).toList();
  }

  public TopologySettings {
    if (latencyGrace.isNegative()) {
      throw new IllegalArgumentException("latency grace must not be negative");
    }
    if (sampleDedupeRetention.compareTo(Duration.ofMinutes(1)) < 0) {
      throw new IllegalArgumentException("sample dedupe retention must be at least a minute");
    }
    if (deltasForgetAfter.compareTo(Duration.ofMinutes(10)) < 0) {
      throw new IllegalArgumentException("deltas forget-after must be at least 10 minutes");
    }
    alertRules = List.copyOf(alertRules);
    if (topStatements < 0) {
      throw new IllegalArgumentException("top statements must not be negative");
    }
    if (latencyIdle.compareTo(latencyGrace) < 0) {
      throw new IllegalArgumentException("the latency idle time must not be shorter than the grace");
    }
    if (maxScopes < 1) {
      throw new IllegalArgumentException("max scopes must be at least 1");
    }
  }

  public TopologySettings withAlerts(List<AlertRule> rules, Duration clear) {
    return new TopologySettings(latencyWindow, latencyGrace, topStatements, sampleDedupeRetention, deltasForgetAfter,
        rules, clear, findings, maxScopes, capacity, latencyIdle, deploys);
  }

  public TopologySettings withFindings(FindingThresholds thresholds) {
    return new TopologySettings(latencyWindow, latencyGrace, topStatements, sampleDedupeRetention, deltasForgetAfter,
        alertRules, alertClear, thresholds, maxScopes, capacity, latencyIdle, deploys);
  }

  public TopologySettings withMaxScopes(int max) {
    return new TopologySettings(latencyWindow, latencyGrace, topStatements, sampleDedupeRetention, deltasForgetAfter,
        alertRules, alertClear, findings, max, capacity, latencyIdle, deploys);
  }

  public TopologySettings withLatencyIdle(Duration idle) {
    return new TopologySettings(latencyWindow, latencyGrace, topStatements, sampleDedupeRetention, deltasForgetAfter,
        alertRules, alertClear, findings, maxScopes, capacity, idle, deploys);
  }

  public TopologySettings withDeploys(DeploySettings settings) {
    return new TopologySettings(latencyWindow, latencyGrace, topStatements, sampleDedupeRetention, deltasForgetAfter,
        alertRules, alertClear, findings, maxScopes, capacity, latencyIdle, settings);
  }

  public TopologySettings withCapacity(CapacitySettings settings) {
    return new TopologySettings(latencyWindow, latencyGrace, topStatements, sampleDedupeRetention, deltasForgetAfter,
        alertRules, alertClear, findings, maxScopes, settings, latencyIdle, deploys);
  }
}
