package dev.headroom.schemas;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** The catalogue of Headroom's topics (CONTRACTS.md). Nobody else spells a topic name. */
public final class Topics {
  public static final JsonSerde<Snapshot> SNAPSHOT_SERDE = new JsonSerde<>(Snapshot.class, Snapshot.SCHEMA);
  public static final JsonSerde<LatencySample> LATENCY_SAMPLE_SERDE = new JsonSerde<>(LatencySample.class, LatencySample.SCHEMA);
  public static final JsonSerde<Delta> DELTA_SERDE = new JsonSerde<>(Delta.class, Delta.SCHEMA);
  public static final JsonSerde<LatencyWindow> LATENCY_WINDOW_SERDE = new JsonSerde<>(LatencyWindow.class, LatencyWindow.SCHEMA);
  public static final JsonSerde<Event> EVENT_SERDE = new JsonSerde<>(Event.class, Event.SCHEMA);
  public static final JsonSerde<Alert> ALERT_SERDE = new JsonSerde<>(Alert.class, Alert.SCHEMA);
  public static final JsonSerde<Finding> FINDING_SERDE = new JsonSerde<>(Finding.class, Finding.SCHEMA);
  public static final JsonSerde<Usage> USAGE_SERDE = new JsonSerde<>(Usage.class, Usage.SCHEMA);
  public static final JsonSerde<Trend> TREND_SERDE = new JsonSerde<>(Trend.class, Trend.SCHEMA);
  public static final JsonSerde<Projection> PROJECTION_SERDE = new JsonSerde<>(Projection.class, Projection.SCHEMA);
  public static final JsonSerde<DeployCheck> DEPLOY_CHECK_SERDE = new JsonSerde<>(DeployCheck.class, DeployCheck.SCHEMA);
  public static final JsonSerde<DeadLetter> DEAD_LETTER_SERDE = new JsonSerde<>(DeadLetter.class, DeadLetter.SCHEMA);

  private static final Serde<String> KEY = Serdes.String();

  /** Input: one message per snapshot section, key = instance id. */
  public static final Topic<String, Snapshot> SNAPSHOTS = new Topic<>("headroom.snapshots.v1", KEY, SNAPSHOT_SERDE);
  /** Input: exact latency samples, key = instance id. */
  public static final Topic<String, LatencySample> LATENCY = new Topic<>("headroom.latency.v1", KEY, LATENCY_SAMPLE_SERDE);
  /** Input: deploys, configuration changes and restarts, key = instance id. */
  public static final Topic<String, Event> EVENTS = new Topic<>("headroom.events.v1", KEY, EVENT_SERDE);
  /** Output: interval deltas, key = instance id. */
  public static final Topic<String, Delta> DELTAS = new Topic<>("headroom.deltas.v1", KEY, DELTA_SERDE);
  /** Output: closed latency windows, key = {@code instance_id|scope}. */
  public static final Topic<String, LatencyWindow> LATENCY_WINDOWS =
      new Topic<>("headroom.latency-windows.v1", KEY, LATENCY_WINDOW_SERDE);
  /** Output: SLO alert transitions, key = instance id. */
  public static final Topic<String, Alert> ALERTS = new Topic<>("headroom.alerts.v1", KEY, ALERT_SERDE);
  /** Output: catalog health findings, key = instance id. */
  public static final Topic<String, Finding> FINDINGS = new Topic<>("headroom.findings.v1", KEY, FINDING_SERDE);
  /** Output: resource usage against capacity, key = instance id. */
  public static final Topic<String, Usage> USAGE = new Topic<>("headroom.usage.v1", KEY, USAGE_SERDE);
  /** Output: week-over-week comparisons, key = instance id. */
  public static final Topic<String, Trend> TRENDS = new Topic<>("headroom.trends.v1", KEY, TREND_SERDE);
  /** Output: capacity projections, key = {@code instance_id|resource|scenario}. */
  public static final Topic<String, Projection> PROJECTIONS =
      new Topic<>("headroom.projections.v1", KEY, PROJECTION_SERDE);
  /** Output: before/after comparisons of deploys, key = instance id. */
  public static final Topic<String, DeployCheck> DEPLOY_CHECKS =
      new Topic<>("headroom.deploy-checks.v1", KEY, DEPLOY_CHECK_SERDE);
  /** Messages that could not be read, with the reason. */
  public static final Topic<String, DeadLetter> DEADLETTER = new Topic<>("headroom.deadletter.v1", KEY, DEAD_LETTER_SERDE);

  private Topics() {}
}
