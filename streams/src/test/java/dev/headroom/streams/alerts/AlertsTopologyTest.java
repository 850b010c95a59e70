package dev.headroom.streams.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headroom.schemas.Alert;
import dev.headroom.schemas.LatencySample;
import dev.headroom.schemas.SchemaValidator;
import dev.headroom.schemas.Topics;
import dev.headroom.streams.HeadroomStreamsConfig;
import dev.headroom.streams.TestDrivers;
import dev.headroom.streams.TopologySettings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AlertsTopologyTest {
  static final String INSTANCE = "prod-eu/orders-1";
  static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

  TopologyTestDriver driver;
  TestInputTopic<String, byte[]> samples;
  TestOutputTopic<String, Alert> alerts;

  @BeforeEach
  void setUp() {
    TopologySettings settings = new TopologySettings(Duration.ofMinutes(1), Duration.ofSeconds(10), 50)
        .withAlerts(List.of(AlertRule.parse("slow-checkout:p95_ms:>:100:3m:critical:app:.*")), Duration.ofMinutes(2));
    driver = TestDrivers.driver("alerts-test", settings);
    samples = driver.createInputTopic(Topics.LATENCY.name(), new StringSerializer(), new ByteArraySerializer());
    alerts = driver.createOutputTopic(Topics.ALERTS.name(), new StringDeserializer(), Topics.ALERT_SERDE.deserializer());
  }

  @AfterEach
  void tearDown() {
    driver.close();
  }

  /** One sample in the middle of each minute, at the given latency. */
  void minute(int m, double valueMs) {
    Instant at = T0.plusSeconds(60L * m + 30);
    samples.pipeInput(INSTANCE, Topics.LATENCY_SAMPLE_SERDE.write(
        new LatencySample(LatencySample.SCHEMA, INSTANCE, at, "app:checkout", "cdc", valueMs, 1.0)), at);
  }

  static Instant at(int minute) {
    return T0.plusSeconds(60L * minute);
  }

  @Test
  void shouldEmitOnlyTransitionsAndDampAFlap() {
    double[] latency = {50, 50, 200, 200, 200, 200, 200, 50, 200, 50, 50, 50, 50, 200, 50, 50, 50};
    for (int m = 0; m < latency.length; m++) {
      minute(m, latency[m]);
    }
    minute(20, 50); // closes everything before
    List<TestRecord<String, Alert>> out = alerts.readRecordsToList();
    assertThat(out).extracting(r -> r.value().state() + "@" + r.value().at() + " since " + r.value().since())
        .containsExactly(
            "pending@" + at(3) + " since " + at(2),
            "firing@" + at(5) + " since " + at(2), // breached for the sustained 3 minutes
            // minute 7 dips, minute 8 breaches again: a flap inside the clear time says nothing
            "resolved@" + at(11) + " since " + at(9), // clear for the 2 minutes of alerts.clear.ms
            "pending@" + at(14) + " since " + at(13),
            "resolved@" + at(15) + " since " + at(14)); // never fired: it ends at once
    for (TestRecord<String, Alert> r : out) {
      assertThat(r.key()).isEqualTo(INSTANCE);
      assertThat(r.timestamp()).isEqualTo(r.value().at().toEpochMilli());
      assertThat(r.value().rule()).isEqualTo("slow-checkout");
      assertThat(r.value().severity()).isEqualTo("critical");
      assertThat(r.value().scope()).isEqualTo("app:checkout");
      assertThat(SchemaValidator.violations(Topics.ALERT_SERDE.write(r.value()))).isEmpty();
    }
    assertThat(out.get(1).value().value()).isGreaterThan(100.0);
    assertThat(out.get(1).value().sustainedMs()).isEqualTo(180_000);
  }

  @Test
  void shouldWatchOnlyTheScopesOfItsRule() {
    Instant at = T0.plusSeconds(30);
    for (int m = 0; m < 6; m++) {
      Instant t = T0.plusSeconds(60L * m + 30);
      samples.pipeInput(INSTANCE, Topics.LATENCY_SAMPLE_SERDE.write(
          new LatencySample(LatencySample.SCHEMA, INSTANCE, t, "db:orders", "log", 500.0, 1.0)), t);
    }
    samples.pipeInput(INSTANCE, Topics.LATENCY_SAMPLE_SERDE.write(
        new LatencySample(LatencySample.SCHEMA, INSTANCE, at.plusSeconds(600), "db:orders", "log", 5.0, 1.0)),
        at.plusSeconds(600));
    assertThat(alerts.isEmpty()).isTrue();
  }

  @Test
  void shouldRejectABadRuleNamingTheSetting() {
    assertThatThrownBy(() -> new HeadroomStreamsConfig(Map.of(HeadroomStreamsConfig.ALERTS_RULES,
        "slow:p97_ms:>:100:3m:critical"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining(HeadroomStreamsConfig.ALERTS_RULES).hasMessageContaining("metric must be one of");
    assertThatThrownBy(() -> new HeadroomStreamsConfig(Map.of(HeadroomStreamsConfig.ALERTS_RULES,
        "a:p95_ms:>:1:1m:warning,a:p95_ms:>:2:1m:critical"))).hasMessageContaining("unique");
    assertThat(new HeadroomStreamsConfig(Map.of()).topologySettings().alertRules()).extracting(AlertRule::name)
        .containsExactly("p95-warning", "p95-critical", "p95-emergency", "pool-efficiency-warning",
            "pool-efficiency-critical", "pool-efficiency-emergency", "cache-hit-warning", "replication-lag-warning",
            "replication-lag-critical");
  }
}
