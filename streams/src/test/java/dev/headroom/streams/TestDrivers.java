package dev.headroom.streams;

import dev.headroom.schemas.Snapshot;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;

/** What the topology tests share: a driver over the whole topology, and snapshots of one instance. */
public final class TestDrivers {
  private TestDrivers() {}

  /**
   * The whole topology under a test driver. Closed windows are looked for on every record: the
   * driver's wall clock does not move by itself.
   */
  public static TopologyTestDriver driver(String applicationId, TopologySettings settings) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.InternalConfig.EMIT_INTERVAL_MS_KSTREAMS_WINDOWED_AGGREGATION, 0L);
    // the default state folder is /tmp/kafka-streams/<application id>, shared by every checkout on the machine
    try {
      props.put(StreamsConfig.STATE_DIR_CONFIG, java.nio.file.Files.createTempDirectory("topology-test").toString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return new TopologyTestDriver(HeadroomTopology.build(settings), props);
  }

  /** One part of one section of a snapshot of a PostgreSQL 17 primary, collected every minute. */
  public static Snapshot snapshot(String instanceId, String section, Instant at, Instant postmasterStart, int part,
      int parts, List<Map<String, Object>> rows) {
    return snapshot(instanceId, section, at, 60_000, postmasterStart, part, parts, rows);
  }

  /** The same, collected every {@code intervalMs}. */
  public static Snapshot snapshot(String instanceId, String section, Instant at, long intervalMs,
      Instant postmasterStart, int part, int parts, List<Map<String, Object>> rows) {
    return new Snapshot(Snapshot.SCHEMA, "s-" + at.toEpochMilli(), new Snapshot.InstanceInfo(instanceId, "prod-eu",
        "primary", "7301", 170005, Map.of()), new Snapshot.AgentInfo("a", "0.1.0"), at, intervalMs, postmasterStart,
        null, section, part, parts, rows, false);
  }
}
