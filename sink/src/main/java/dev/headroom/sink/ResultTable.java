package dev.headroom.sink;

import dev.headroom.schemas.Topic;
import dev.headroom.schemas.Topics;

/**
 * The tables the sink writes, one per result topic, with the defaults of their settings. The names
 * here are the tables' names in the database and the middle part of their settings
 * ({@code table.<name>.retention}, {@code table.<name>.chunk.interval},
 * {@code table.<name>.compress.after}).
 */
public enum ResultTable {
  /** Interval deltas of every counter: by far the largest; it can be turned off. */
  DELTAS("deltas", Topics.DELTAS, "captured_at", "1 hour", "14 days", "2 days"),
  LATENCY_WINDOWS("latency_windows", Topics.LATENCY_WINDOWS, "window_end", "1 day", "90 days", "7 days"),
  /** Every alert transition; {@code alert_states} holds each alert's latest. */
  ALERTS("alerts", Topics.ALERTS, "at", "30 days", "400 days", "off"),
  /** Every finding sent; {@code finding_states} holds each (instance, check, object)'s latest. */
  FINDINGS("findings", Topics.FINDINGS, "at", "30 days", "400 days", "off"),
  TRENDS("trends", Topics.TRENDS, "bucket_start", "30 days", "400 days", "off"),
  USAGE("usage", Topics.USAGE, "at", "7 days", "400 days", "14 days"),
  /** Every projection computed; {@code projections_latest} holds the latest per (instance, resource, scenario). */
  PROJECTIONS("projections", Topics.PROJECTIONS, "computed_at", "30 days", "400 days", "off"),
  DEPLOY_CHECKS("deploy_checks", Topics.DEPLOY_CHECKS, "deploy_at", "90 days", "400 days", "off");

  private final String tableName;
  private final Topic<String, ?> topic;
  private final String timeColumn;
  private final String defaultChunkInterval;
  private final String defaultRetention;
  private final String defaultCompressAfter;

  ResultTable(String tableName, Topic<String, ?> topic, String timeColumn, String defaultChunkInterval,
      String defaultRetention, String defaultCompressAfter) {
    this.tableName = tableName;
    this.topic = topic;
    this.timeColumn = timeColumn;
    this.defaultChunkInterval = defaultChunkInterval;
    this.defaultRetention = defaultRetention;
    this.defaultCompressAfter = defaultCompressAfter;
  }

  /** The table's name in the database. */
  public String tableName() {
    return tableName;
  }

  /** The topic whose records become the table's rows. */
  public Topic<String, ?> topic() {
    return topic;
  }

  /** The event time of a row: what hypertable chunks, partitions and retention go by. */
  public String timeColumn() {
    return timeColumn;
  }

  public String defaultChunkInterval() {
    return defaultChunkInterval;
  }

  public String defaultRetention() {
    return defaultRetention;
  }

  /** Age after which TimescaleDB (Timescale licence only) compresses a chunk, or {@code off}. */
  public String defaultCompressAfter() {
    return defaultCompressAfter;
  }
}
