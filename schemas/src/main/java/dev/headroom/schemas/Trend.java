package dev.headroom.schemas;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * One bucket of one metric against the same bucket a week earlier ({@code headroom.trends.v1}):
 * an hour or a day against the hour or day 7 days before, or a week against the week before.
 */
public record Trend(String schema, String instanceId, String metric, String scope, String bucket, Instant bucketStart,
    double value, Instant previousBucketStart, double previousValue, Double changePct) implements Message {

  public static final String SCHEMA = "headroom.trend/1";
  public static final Set<String> BUCKETS = Set.of("PT1H", "P1D", "P7D");

  public Trend {
    Objects.requireNonNull(schema, "schema");
    Snapshot.require(instanceId != null && !instanceId.isBlank(), "instance_id is required");
    Snapshot.require(metric != null && !metric.isBlank(), "metric is required");
    Snapshot.require(scope != null, "scope is required");
    Snapshot.require(BUCKETS.contains(bucket), "bucket must be one of " + BUCKETS);
    Snapshot.require(bucketStart != null && previousBucketStart != null, "bucket_start and previous_bucket_start are required");
  }
}
