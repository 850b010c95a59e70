package dev.headroom.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class SimulatorConfigTest {
  @Test
  void settingsMakeTheFleetSpec() {
    SimulatorConfig config = new SimulatorConfig(Map.of("instances", "50", "history.days", "60", "seed", "9",
        "interval.ms", "45000", "history.interval.ms", "1000000", "patterns", "linear=1,step=1", "realtime", "true",
        "duration.ms", "600000"));
    FleetSpec spec = config.fleetSpec(Instant.parse("2026-11-22T10:00:00Z"));
    assertThat(spec.instances()).isEqualTo(50);
    assertThat(spec.seed()).isEqualTo(9);
    assertThat(spec.historyDays()).isEqualTo(60);
    assertThat(spec.historyIntervalMs()).isEqualTo(1_035_000).isEqualTo(config.historyIntervalMs());
    assertThat(spec.patterns().weights()).containsOnlyKeys("linear", "step");
    assertThat(spec.until()).isEqualTo(spec.now().plusSeconds(600));
  }

  @Test
  void badSettingsFailNamingTheKey() {
    assertThatThrownBy(() -> new SimulatorConfig(Map.of("patterns", "linear=1,sideways=2")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("patterns").hasMessageContaining("sideways");
    assertThatThrownBy(() -> new SimulatorConfig(Map.of("patterns", "flat=0")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("patterns");
    assertThatThrownBy(() -> new SimulatorConfig(Map.of("runway.min.days", "100", "runway.max.days", "10")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("runway.max.days");
    assertThatThrownBy(() -> new SimulatorConfig(Map.of("kafka.acks", "1")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("kafka.acks");
    assertThatThrownBy(() -> new SimulatorConfig(Map.of("kafka.frobnicate", "1")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("kafka.frobnicate");
    assertThatThrownBy(() -> new SimulatorConfig(Map.of("history.days", "0")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("history.days");
  }

  @Test
  void kafkaSettingsGoToTheClients() {
    SimulatorConfig config = new SimulatorConfig(Map.of("bootstrap.servers", "k:9092", "kafka.security.protocol", "SSL"));
    assertThat(config.clientConfig()).containsEntry("bootstrap.servers", "k:9092")
        .containsEntry("security.protocol", "SSL");
  }
}
