package dev.headroom.streams.deploys;

import java.time.Duration;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/** The deploy checks: the window compared on each side of a deploy and the change each metric may make. */
public record DeploySettings(Duration window, double p95Pct, double callsPct, double rollbackPct) {
  static final String WINDOW = "deploy.checks.window.ms";
  static final String P95 = "deploy.checks.p95.pct";
  static final String CALLS = "deploy.checks.calls.pct";
  static final String ROLLBACK = "deploy.checks.rollback.pct";

  public static final DeploySettings DEFAULTS = new DeploySettings(Duration.ofMinutes(30), 20, 30, 50);

  public static ConfigDef define(ConfigDef def) {
    return def
        .define(WINDOW, Type.LONG, DEFAULTS.window.toMillis(), Range.between(60_000, 86_400_000), Importance.MEDIUM,
            "The window compared on each side of a deploy marker (headroom.events.v1, kind deploy): after the"
                + " deploy against the same length before it.")
        .define(P95, Type.DOUBLE, DEFAULTS.p95Pct, Range.atLeast(0), Importance.MEDIUM,
            "A p95 (of the instance's merged minute sketches) this many percent higher after a deploy is"
                + " regressed; as much lower is improved.")
        .define(CALLS, Type.DOUBLE, DEFAULTS.callsPct, Range.atLeast(0), Importance.LOW,
            "Statement calls per second this many percent lower after a deploy is regressed (work not done);"
                + " as much higher is improved.")
        .define(ROLLBACK, Type.DOUBLE, DEFAULTS.rollbackPct, Range.atLeast(0), Importance.LOW,
            "A rollback ratio (rollbacks / transactions) this many percent higher after a deploy is regressed;"
                + " as much lower is improved.");
  }

  public static DeploySettings from(AbstractConfig c) {
    return new DeploySettings(Duration.ofMillis(c.getLong(WINDOW)), c.getDouble(P95), c.getDouble(CALLS),
        c.getDouble(ROLLBACK));
  }
}
