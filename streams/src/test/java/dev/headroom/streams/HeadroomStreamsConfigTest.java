package dev.headroom.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class HeadroomStreamsConfigTest {
  @Test
  void shouldBatchTheProducerBy256KibUnlessKafkaBatchSizeIsSet() {
    assertThat(new HeadroomStreamsConfig(Map.of()).streamsProperties())
        .containsEntry(ProducerConfig.BATCH_SIZE_CONFIG, 262_144);
    assertThat(new HeadroomStreamsConfig(Map.of("kafka.batch.size", "32768")).streamsProperties())
        .containsEntry(ProducerConfig.BATCH_SIZE_CONFIG, "32768");
  }
}
