package dev.headroom.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentConfigTest {
  @TempDir
  Path dir;

  Path write(String yaml) throws Exception {
    Path file = dir.resolve("fleet.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  @Test
  void shouldGiveEachTargetTheTopLevelDefaultsAndItsOwnSettings() throws Exception {
    AgentConfig config = AgentConfig.fleet(write("""
        bootstrap.servers: kafka1:9092
        interval.ms: 30000
        kafka:
          security.protocol: SSL
        targets:
          - instance.id: prod/orders-1
            target.url: jdbc:postgresql://db1:5432/postgres
            instance.labels: {env: prod, team: orders}
            sections: [statements, activity]
          - instance.id: prod/billing-1
            target.url: jdbc:postgresql://db2:5432/postgres
            interval.ms: 10000
        """), Map.of("metrics.port", "-1"));
    assertThat(config.targets()).hasSize(2);
    CollectorConfig orders = config.targets().get(0);
    assertThat(orders.getLong(CollectorConfig.INTERVAL_MS)).isEqualTo(30_000);
    assertThat(orders.labels()).containsEntry("env", "prod").containsEntry("team", "orders");
    assertThat(orders.sections()).containsExactlyInAnyOrder(Section.STATEMENTS, Section.STATEMENTS_INFO, Section.ACTIVITY);
    assertThat(orders.kafkaClientConfig()).containsEntry("security.protocol", "SSL")
        .containsEntry("bootstrap.servers", "kafka1:9092");
    assertThat(config.targets().get(1).getLong(CollectorConfig.INTERVAL_MS)).isEqualTo(10_000);
    assertThat(config.agent().getInt(CollectorConfig.METRICS_PORT)).isEqualTo(-1);
  }

  @Test
  void shouldNameTheTargetAndTheKeyOfABadSetting() throws Exception {
    assertThatThrownBy(() -> AgentConfig.fleet(write("""
        targets:
          - instance.id: a
            target.url: jdbc:postgresql://db1/postgres
          - instance.id: b
            target.url: jdbc:postgresql://db2/postgres
            interval.ms: 10
        """), Map.of())).isInstanceOf(ConfigException.class).hasMessageContaining("targets[1] (b)")
        .hasMessageContaining("interval.ms");
    assertThatThrownBy(() -> AgentConfig.fleet(write("""
        targets:
          - instance.id: a
            target.url: jdbc:postgresql://db1/postgres
          - instance.id: a
            target.url: jdbc:postgresql://db2/postgres
        """), Map.of())).hasMessageContaining("appears twice");
    assertThatThrownBy(() -> AgentConfig.fleet(write("""
        targets:
          - instance.id: a
            target.url: jdbc:postgresql://db1/postgres
            spool.dir: /tmp/x
        """), Map.of())).hasMessageContaining("spool.dir is a setting of the whole agent");
    assertThatThrownBy(() -> AgentConfig.fleet(write("targets: []\n"), Map.of()))
        .hasMessageContaining("non-empty targets list");
    assertThatThrownBy(() -> AgentConfig.fleet(write("targets: [\n"), Map.of()))
        .hasMessageContaining("cannot read the fleet file");
  }

  @Test
  void shouldFailFastOnAnUnreadablePasswordFileWithoutShowingSecrets() {
    assertThatThrownBy(() -> AgentConfig.single(Map.of(CollectorConfig.INSTANCE_ID, "a",
        CollectorConfig.TARGET_URL, "jdbc:postgresql://db1/postgres?password=hunter2",
        CollectorConfig.TARGET_PASSWORD_FILE, dir.resolve("missing").toString())))
        .isInstanceOf(ConfigException.class).hasMessageContaining(CollectorConfig.TARGET_PASSWORD_FILE)
        .hasMessageNotContaining("hunter2");
  }
}
