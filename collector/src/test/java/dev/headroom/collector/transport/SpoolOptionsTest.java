package dev.headroom.collector.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SpoolOptionsTest {
  private final SpoolOptions defaults = SpoolOptions.defaults(Path.of("/var/lib/headroom/spool"));

  @Test
  void shouldHaveSensibleDefaults() {
    assertThat(defaults.maxBytes()).isEqualTo(256L * 1024 * 1024);
    assertThat(defaults.drainTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(defaults.minBackoff()).isEqualTo(Duration.ofSeconds(1));
    assertThat(defaults.maxBackoff()).isEqualTo(Duration.ofSeconds(30));
    assertThat(defaults.maxBatchRecords()).isEqualTo(500);
  }

  @Test
  void shouldNameTheBadOption() {
    assertThatThrownBy(() -> defaults.withMaxBytes(1000)).hasMessageContaining("maxBytes");
    assertThatThrownBy(() -> defaults.withDrainTimeout(Duration.ofSeconds(-1))).hasMessageContaining("drainTimeout");
    assertThatThrownBy(() -> defaults.withBackoff(Duration.ZERO, Duration.ofSeconds(1)))
        .hasMessageContaining("minBackoff");
    assertThatThrownBy(() -> defaults.withBackoff(Duration.ofSeconds(5), Duration.ofSeconds(1)))
        .hasMessageContaining("maxBackoff");
    assertThatThrownBy(() -> defaults.withMaxBatchRecords(0)).hasMessageContaining("maxBatchRecords");
    assertThatThrownBy(() -> SpoolOptions.defaults(null)).hasMessageContaining("directory");
  }

  @Test
  void shouldAcceptAZeroDrainTimeout() {
    assertThat(defaults.withDrainTimeout(Duration.ZERO).drainTimeout()).isZero();
  }
}
