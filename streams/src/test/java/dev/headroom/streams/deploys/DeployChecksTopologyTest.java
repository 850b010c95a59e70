package dev.headroom.streams.deploys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.headroom.schemas.DeployCheck;
import dev.headroom.schemas.Event;
import dev.headroom.schemas.SchemaValidator;
import dev.headroom.schemas.Topics;
import dev.headroom.streams.TestDrivers;
import dev.headroom.streams.TopologySettings;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
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

class DeployChecksTopologyTest {
  static final String INSTANCE = "prod-eu/orders-1";
  static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
  static final Instant START = Instant.parse("2026-11-01T00:00:00Z");

  TopologyTestDriver driver;
  TestInputTopic<String, byte[]> snapshots;
  TestInputTopic<String, byte[]> events;
  TestOutputTopic<String, DeployCheck> checks;
  // one statement's cumulative totals: calls, Σx, Σx²
  double calls;
  double sum;
  double squares;
  long commits;
  long rollbacks;

  @BeforeEach
  void setUp() {
    driver = TestDrivers.driver("deploys-test", new TopologySettings(Duration.ofMinutes(1), Duration.ofSeconds(10), 50));
    snapshots = driver.createInputTopic(Topics.SNAPSHOTS.name(), new StringSerializer(), new ByteArraySerializer());
    events = driver.createInputTopic(Topics.EVENTS.name(), new StringSerializer(), new ByteArraySerializer());
    checks = driver.createOutputTopic(Topics.DEPLOY_CHECKS.name(), new StringDeserializer(),
        Topics.DEPLOY_CHECK_SERDE.deserializer());
  }

  @AfterEach
  void tearDown() {
    driver.close();
  }

  /** Minute {@code m}'s snapshot: 6,000 calls of {@code latencyMs} each, 5,000 commits and {@code rolledBack} rollbacks. */
  void minute(int m, double latencyMs, long rolledBack) {
    Instant at = T0.plus(Duration.ofMinutes(m));
    calls += 6000;
    sum += 6000 * latencyMs;
    squares += 6000 * latencyMs * latencyMs;
    double mean = sum / calls;
    Map<String, Object> statement = new LinkedHashMap<>();
    statement.put("datname", "orders");
    statement.put("usename", "app");
    statement.put("toplevel", true);
    statement.put("queryid", 42L);
    statement.put("calls", (long) calls);
    statement.put("total_exec_time_ms", sum);
    statement.put("mean_exec_time_ms", mean);
    statement.put("stddev_exec_time_ms", Math.sqrt(Math.max(0, squares / calls - mean * mean)));
    commits += 5000;
    rollbacks += rolledBack;
    pipe("statements", at, List.of(statement));
    pipe("databases", at, List.of(Map.of("datname", "orders", "xact_commit", commits, "xact_rollback", rollbacks)));
  }

  void pipe(String section, Instant at, List<Map<String, Object>> rows) {
    snapshots.pipeInput(INSTANCE, Topics.SNAPSHOT_SERDE.write(TestDrivers.snapshot(INSTANCE, section, at, START, 0, 1,
        rows)), at);
  }

  void deploy(String id, Instant at) {
    events.pipeInput(INSTANCE, Topics.EVENT_SERDE.write(new Event(Event.SCHEMA, id, INSTANCE, at, Event.DEPLOY,
        "cdc:public.flyway_schema_history", Map.of("version", id))), at);
  }

  @Test
  void shouldFindTheLatencyRegressionOfADeployAndJudgeEachDeployOnce() {
    for (int m = 0; m <= 60; m++) {
      minute(m, 10, 50);
    }
    deploy("flyway:42", T0.plus(Duration.ofMinutes(60)));
    for (int m = 61; m <= 92; m++) {
      minute(m, 20, 50); // every call of the deployed version takes twice as long
    }
    assertThat(checks.isEmpty()).as("not before the window and the settling time have passed").isTrue();
    minute(93, 20, 50);
    deploy("flyway:42", T0.plus(Duration.ofMinutes(60))); // delivered again: judged once
    minute(94, 20, 50);
    List<DeployCheck> out = checks.readValuesToList();
    out.forEach(c -> assertThat(SchemaValidator.violations(Topics.DEPLOY_CHECK_SERDE.write(c))).isEmpty());
    assertThat(out).extracting(c -> c.metric() + ":" + c.verdict()).containsExactly("p95_ms:regressed",
        "calls_per_s:ok", "rollback_ratio:ok");
    DeployCheck p95 = out.get(0);
    assertThat(p95.before()).isCloseTo(10, within(0.3));
    assertThat(p95.after()).isCloseTo(20, within(0.6));
    assertThat(p95.changePct()).isCloseTo(100, within(6.0));
    assertThat(p95.deployId()).isEqualTo("flyway:42");
    assertThat(p95.windowMs()).isEqualTo(Duration.ofMinutes(30).toMillis());
    assertThat(out.get(1).before()).isCloseTo(100, within(1e-9));
    assertThat(out.get(1).after()).isCloseTo(100, within(1e-9));
    assertThat(out.get(2).before()).isCloseTo(50.0 / 5050, within(1e-12));
  }

  @Test
  void shouldJudgeADeployMarkerThatArrivesAfterItsWindowAndSayUnknownWithoutData() {
    for (int m = 0; m <= 70; m++) {
      minute(m, 10, m <= 30 ? 10 : 100); // rollbacks jump from minute 30 on (the snapshot at 31)
    }
    // the capture was slow: the marker comes 40 minutes late, and is judged at once
    deploy("liquibase:7", T0.plus(Duration.ofMinutes(30)));
    deploy("liquibase:8", T0.minus(Duration.ofHours(5))); // before anything kept
    List<DeployCheck> out = checks.readValuesToList();
    assertThat(out).extracting(c -> c.deployId() + ":" + c.metric() + ":" + c.verdict())
        .containsExactly("liquibase:7:p95_ms:ok", "liquibase:7:calls_per_s:ok", "liquibase:7:rollback_ratio:regressed",
            "liquibase:8:p95_ms:unknown", "liquibase:8:calls_per_s:unknown", "liquibase:8:rollback_ratio:unknown");
    assertThat(out.get(2).changePct()).isCloseTo(100.0 * (100.0 / 5100 - 10.0 / 5010) / (10.0 / 5010), within(1e-6));
  }
}
