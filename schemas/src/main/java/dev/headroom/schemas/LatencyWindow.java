package dev.headroom.schemas;

import java.time.Instant;
import java.util.Objects;

/**
 * Latency quantiles of one scope over one closed window ({@code headroom.latency-windows.v1}),
 * with the mergeable sketch they came from, so consumers can merge windows themselves.
 */
public record LatencyWindow(
    String schema,
    String instanceId,
    String scope,
    String window,
    Instant windowStart,
    Instant windowEnd,
    long count,
    double p50Ms,
    double p95Ms,
    double p99Ms,
    double maxMs,
    String method,
    String sketch)
    implements Message {

  public static final String SCHEMA = "headroom.latency-window/1";

  public LatencyWindow {
    Objects.requireNonNull(schema, "schema");
    Snapshot.require(instanceId != null && !instanceId.isBlank(), "instance_id is required");
    Snapshot.require(scope != null && !scope.isBlank(), "scope is required");
    Snapshot.require(window != null, "window is required");
    Snapshot.require(windowStart != null && windowEnd != null && windowStart.isBefore(windowEnd),
        "window_start must be before window_end");
    Snapshot.require(count >= 0, "count must not be negative");
    Snapshot.require(method != null, "method is required");
    Snapshot.require(sketch != null, "sketch is required");
  }

  /** The record key: {@code instance_id|scope}. */
  public String key() {
    return instanceId + "|" + scope;
  }
}
