package dev.headroom.streams.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headroom.schemas.Alert;
import dev.headroom.schemas.SchemaValidator;
import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.Topics;
import dev.headroom.streams.TestDrivers;
import dev.headroom.streams.TopologySettings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The default rules on catalog gauges: PgBouncer pool efficiency, cache hit ratio, replication lag. */
class CatalogAlertsTopologyTest {
  static final String INSTANCE = "prod-eu/orders-1";
  static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

  TopologyTestDriver driver;
  TestInputTopic<String, byte[]> snapshots;
  TestOutputTopic<String, Alert> alerts;

  @BeforeEach
  void setUp() {
    driver = TestDrivers.driver("catalog-alerts-test", new TopologySettings(Duration.ofMinutes(1),
        Duration.ofSeconds(10), 50));
    snapshots = driver.createInputTopic(Topics.SNAPSHOTS.name(), new StringSerializer(), new ByteArraySerializer());
    alerts = driver.createOutputTopic(Topics.ALERTS.name(), new StringDeserializer(), Topics.ALERT_SERDE.deserializer());
  }

  @AfterEach
  void tearDown() {
    driver.close();
  }

  static Instant at(int minute) {
    return T0.plusSeconds(60L * minute);
  }

  void pipe(int minute, String section, List<Map<String, Object>> rows) {
    Instant at = at(minute);
    Snapshot s = TestDrivers.snapshot(INSTANCE, section, at, T0.minusSeconds(3600), 0, 1, rows);
    snapshots.pipeInput(INSTANCE, Topics.SNAPSHOT_SERDE.write(s), at);
  }

  void pool(int minute, long active, long waiting) {
    pipe(minute, "pgbouncer_pools", List.of(Map.of("database", "orders", "user", "app", "cl_active", active,
        "cl_waiting", waiting, "maxwait_ms", 0L)));
  }

  List<String> transitions() {
    List<Alert> out = alerts.readValuesToList();
    out.forEach(a -> assertThat(SchemaValidator.violations(Topics.ALERT_SERDE.write(a))).isEmpty());
    return out.stream().map(a -> a.rule() + ":" + a.state() + "@" + minuteOf(a.at()) + " since "
        + minuteOf(a.since())).toList();
  }

  static long minuteOf(Instant t) {
    return Duration.between(T0, t).toMinutes();
  }

  @Test
  void shouldWalkPoolEfficiencyThroughTheRunbookSeverities() {
    for (int m = 1; m <= 6; m++) {
      pool(m, 13, 7); // 65 %: below the 70 % warning line only
    }
    for (int m = 7; m <= 9; m++) {
      pool(m, 4, 6); // 40 %: below every line
    }
    pool(3, 4, 6); // an old reading replayed (from a collector's spool): changes nothing
    for (int m = 10; m <= 13; m++) {
      pool(m, 10, 0);
    }
    assertThat(transitions()).containsExactly(
        "pool-efficiency-warning:pending@1 since 0",
        "pool-efficiency-warning:firing@5 since 0", // held for the rule's 5 minutes
        "pool-efficiency-critical:pending@7 since 6",
        "pool-efficiency-emergency:firing@7 since 6", // 0s: one reading is enough
        "pool-efficiency-critical:firing@8 since 6",
        "pool-efficiency-warning:resolved@11 since 9", // clear for alerts.clear.ms (2 minutes)
        "pool-efficiency-critical:resolved@11 since 9",
        "pool-efficiency-emergency:resolved@11 since 9");
  }

  @Test
  void shouldAlertOnTheCacheHitRatioOfBusyIntervalsOnly() {
    long hit = 1_000_000;
    long read = 1_000;
    for (int m = 0; m <= 10; m++) {
      pipe(m, "databases", List.of(Map.of("datname", "orders", "blks_hit", hit, "blks_read", read)));
      hit += 95_000; // 95 % of 100,000 block reads each minute
      read += 5_000;
    }
    pipe(11, "databases", List.of(Map.of("datname", "orders", "blks_hit", hit + 100, "blks_read", read)));
    List<Alert> out = alerts.readValuesToList();
    assertThat(out).extracting(a -> a.rule() + ":" + a.state() + "@" + minuteOf(a.at()) + " since "
        + minuteOf(a.since())).containsExactly("cache-hit-warning:pending@1 since 0",
        "cache-hit-warning:firing@10 since 0");
    assertThat(out.get(1).scope()).isEqualTo("db:orders");
    assertThat(out.get(1).value()).isCloseTo(0.95, org.assertj.core.data.Offset.offset(1e-9));
    // minute 11 read 100 blocks, too few to judge: the alert stays firing, nothing is sent
  }

  @Test
  void shouldAlertOnTheReplayLagOfEachStandby() {
    for (int m = 1; m <= 2; m++) {
      pipe(m, "replication", List.of(Map.of("kind", "sender", "application_name", "standby1", "replay_lag_s", 400.0),
          Map.of("kind", "sender", "application_name", "standby2", "replay_lag_s", 0.5)));
    }
    List<Alert> out = alerts.readValuesToList();
    assertThat(out).extracting(a -> a.rule() + ":" + a.state() + "@" + minuteOf(a.at()) + ":" + a.scope())
        .containsExactly("replication-lag-warning:pending@1:replica:standby1",
            "replication-lag-critical:pending@1:replica:standby1",
            "replication-lag-critical:firing@2:replica:standby1");
  }
}
