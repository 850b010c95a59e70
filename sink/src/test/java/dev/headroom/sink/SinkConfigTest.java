package dev.headroom.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SinkConfigTest {
  private static final String URL = "jdbc:postgresql://127.0.0.1:5432/headroom";

  private static Map<String, Object> minimal() {
    Map<String, Object> props = new HashMap<>();
    props.put(SinkConfig.URL, URL);
    return props;
  }

  private static Map<String, Object> with(String key, Object value) {
    Map<String, Object> props = minimal();
    props.put(key, value);
    return props;
  }

  @Test
  void shouldApplyTheDocumentedDefaults() {
    SinkConfig config = SinkConfig.fromMap(minimal());

    assertThat(config.getString(SinkConfig.BOOTSTRAP_SERVERS)).isEqualTo("127.0.0.1:9092");
    assertThat(config.user()).isEqualTo("postgres");
    assertThat(config.groupId()).isEqualTo("headroom-sink");
    assertThat(config.getInt(SinkConfig.TOPICS_PARTITIONS)).isEqualTo(6);
    assertThat(config.getShort(SinkConfig.TOPICS_REPLICATION_FACTOR)).isEqualTo((short) -1);
    assertThat(config.batchMaxRecords()).isEqualTo(5_000);
    assertThat(config.pollTimeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(config.retryBackoffInitial()).isEqualTo(Duration.ofMillis(500));
    assertThat(config.retryBackoffMax()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.chunkInterval(ResultTable.LATENCY_WINDOWS)).isEqualTo("1 day");
    assertThat(config.chunkDuration(ResultTable.DELTAS)).isEqualTo(Duration.ofHours(1));
    assertThat(config.retention(ResultTable.DELTAS)).contains(Duration.ofDays(14));
    assertThat(config.tables()).containsExactly(ResultTable.values());
    assertThat(config.retentionCheckInterval()).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void shouldDocumentEverySetting() {
    assertThat(SinkConfig.CONFIG_DEF.configKeys().values())
        .allSatisfy(key -> assertThat(key.documentation).as(key.name).isNotBlank());
    assertThat(SinkConfig.CONFIG_DEF.names()).contains(SinkConfig.URL, SinkConfig.PASSWORD, SinkConfig.GROUP_ID,
        "table.deltas.retention", "table.deploy_checks.chunk.interval", SinkConfig.TABLES,
        SinkConfig.RETRY_BACKOFF_MAX_MS);
  }

  @Test
  void shouldRequireTheUrl() {
    assertThatThrownBy(() -> SinkConfig.fromMap(Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("\"url\"");
  }

  @Test
  void shouldRejectANonPostgresUrlWithoutShowingItsPassword() {
    assertThatThrownBy(() -> SinkConfig.fromMap(with(SinkConfig.URL, "jdbc:mysql://db:3306/x?password=hunter2")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("url")
        .hasMessageContaining("jdbc:postgresql:")
        .hasMessageNotContaining("hunter2");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '=', quoteCharacter = '"', value = {
      "batch.max.records=0",
      "batch.max.records=many",
      "poll.timeout.ms=0",
      "retry.backoff.initial.ms=-5",
      "retry.backoff.max.ms=0",
      "topics.partitions=0",
      "topics.replication.factor=0",
      "topics.replication.factor=-2",
      "group.id=",
      "bootstrap.servers=",
      "table.latency_windows.chunk.interval=1 fortnight",
      "table.latency_windows.chunk.interval=0 days",
      "table.latency_windows.chunk.interval=1 day'; DROP TABLE latency_windows; --",
      "table.deltas.chunk.interval=1day",
      "table.deltas.chunk.interval=1 month",
      "table.usage.chunk.interval=forever",
      "table.usage.retention=0 days",
      "table.usage.retention=always",
      "tables=deltas,latencies",
      "tables=usage,usage",
      "retention.check.interval.ms=10",
  })
  void shouldRejectABadValueNamingItsKey(String key, String value) {
    assertThatThrownBy(() -> SinkConfig.fromMap(with(key, value == null ? "" : value)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(key);
  }

  @ParameterizedTest
  @CsvSource({"1 day,PT24H", "12 hours,PT12H", "30 minutes,PT30M", "1 week,PT168H", "2 weeks,PT336H", "90 seconds,PT1M30S"})
  void shouldAcceptAPlainInterval(String interval, Duration length) {
    SinkConfig config = SinkConfig.fromMap(with(SinkConfig.chunkIntervalKey(ResultTable.USAGE), interval));
    assertThat(config.chunkInterval(ResultTable.USAGE)).isEqualTo(interval);
    assertThat(config.chunkDuration(ResultTable.USAGE)).isEqualTo(length);
    assertThat(SinkConfig.fromMap(with(SinkConfig.retentionKey(ResultTable.USAGE), interval))
        .retention(ResultTable.USAGE)).contains(length);
  }

  @Test
  void shouldKeepRowsForeverAndLeaveTablesOutWhenTold() {
    Map<String, Object> props = minimal();
    props.put("table.alerts.retention", "forever");
    props.put(SinkConfig.TABLES, "usage, latency_windows");
    SinkConfig config = SinkConfig.fromMap(props);

    assertThat(config.retention(ResultTable.ALERTS)).isEmpty();
    assertThat(config.tables()).containsExactly(ResultTable.LATENCY_WINDOWS, ResultTable.USAGE);
  }

  @Test
  void shouldRejectAMaximumBackoffBelowTheInitialOne() {
    Map<String, Object> props = minimal();
    props.put(SinkConfig.RETRY_BACKOFF_INITIAL_MS, 5_000L);
    props.put(SinkConfig.RETRY_BACKOFF_MAX_MS, 1_000L);

    assertThatThrownBy(() -> SinkConfig.fromMap(props))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(SinkConfig.RETRY_BACKOFF_MAX_MS);
  }

  @Test
  void shouldRejectAnUnknownKafkaSettingNamingItButNotItsValue() {
    assertThatThrownBy(() -> SinkConfig.fromMap(with("kafka.securty.protocol", "SASL_SSL-secret")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("kafka.securty.protocol")
        .hasMessageNotContaining("SASL_SSL-secret");
  }

  @ParameterizedTest
  @ValueSource(strings = {"kafka.enable.auto.commit", "kafka.isolation.level", "kafka.group.id", "kafka.acks"})
  void shouldRejectAKafkaSettingTheSinkDependsOn(String key) {
    assertThatThrownBy(() -> SinkConfig.fromMap(with(key, "true")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(key);
  }

  @Test
  void shouldPassKafkaSettingsWithoutThePrefixToTheClientsThatKnowThem() {
    Map<String, Object> props = minimal();
    props.put(SinkConfig.BOOTSTRAP_SERVERS, "kafka-1:9093");
    props.put("kafka.security.protocol", "SSL");
    props.put("kafka.max.poll.interval.ms", "600000");
    props.put("kafka.linger.ms", "5");
    SinkConfig config = SinkConfig.fromMap(props);

    assertThat(config.consumerConfig()).containsEntry("bootstrap.servers", "kafka-1:9093")
        .containsEntry("security.protocol", "SSL").containsEntry("max.poll.interval.ms", "600000")
        .doesNotContainKey("linger.ms");
    assertThat(config.producerConfig()).containsEntry("security.protocol", "SSL").containsEntry("linger.ms", "5")
        .doesNotContainKey("max.poll.interval.ms");
    assertThat(config.adminConfig()).containsEntry("bootstrap.servers", "kafka-1:9093")
        .containsEntry("security.protocol", "SSL").doesNotContainKeys("linger.ms", "max.poll.interval.ms");
  }

  @Test
  void shouldTakeThePasswordFromTheSettingThenFromTheEnvironment() {
    Map<String, String> env = Map.of(SinkConfig.PASSWORD_ENV, "from-env");

    assertThat(new SinkConfig(with(SinkConfig.PASSWORD, "from-setting"), env::get).password()).contains("from-setting");
    assertThat(new SinkConfig(minimal(), env::get).password()).contains("from-env");
    assertThat(new SinkConfig(minimal(), name -> null).password()).isEmpty();
  }

  @Test
  void shouldNotShowThePasswordWhenPrinted() {
    SinkConfig config = SinkConfig.fromMap(with(SinkConfig.PASSWORD, "hunter2"));

    assertThat(config.values().toString()).doesNotContain("hunter2");
    assertThat(config.redactedUrl()).isEqualTo(URL);
    assertThat(SinkConfig.fromMap(with(SinkConfig.URL, URL + "?user=me&password=hunter2")).redactedUrl())
        .doesNotContain("hunter2");
  }
}
