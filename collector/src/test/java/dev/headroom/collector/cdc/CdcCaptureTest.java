package dev.headroom.collector.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headroom.collector.transport.OutboundRecord;
import dev.headroom.collector.transport.Outbox;
import java.sql.SQLException;
import java.util.List;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class CdcCaptureTest {
  static final Outbox NOWHERE = new Outbox() {
    @Override
    public void publish(List<OutboundRecord> records) {
      throw new AssertionError("nothing is published in unit tests");
    }

    @Override
    public void close() {}
  };

  @Test
  void shouldDescribeFailuresOnceWithTheirRootCause() {
    Exception root = new java.net.ConnectException("Connection refused");
    Exception error = new IllegalStateException("Error while validating connector config", root);
    assertThat(CdcCapture.describe("Error while validating connector config", error))
        .isEqualTo("Error while validating connector config (java.net.ConnectException: Connection refused)");
    assertThat(CdcCapture.describe(null, new IllegalStateException("boom"))).isEqualTo("java.lang.IllegalStateException: boom");
    assertThat(CdcCapture.describe("stopped", null)).isEqualTo("stopped");
    assertThat(CdcCapture.describe(" ", null)).isEqualTo("unknown error");
  }

  @Test
  void shouldStartWithNothingCountedAndNoFailure() {
    CdcCapture capture = new CdcCapture(CdcOptionsTest.valid().build(), NOWHERE);
    assertThat(capture.isRunning()).isFalse();
    assertThat(capture.isStreaming()).isFalse();
    assertThat(capture.lastFailure()).isEmpty();
    assertThat(capture.samplesPublished()).isZero();
    assertThat(capture.eventsPublished()).isZero();
    assertThat(capture.skipped()).hasSize(SkipReason.values().length).allSatisfy((reason, n) -> assertThat(n).isZero());
    capture.close(); // never started: nothing to stop
  }

  @Test
  void shouldRejectSlotAndPublicationNamesBeforeConnecting() {
    PgTarget nowhere = new PgTarget("127.0.0.1", 1, "postgres", "postgres", "s3cr3t-pw");
    assertThatThrownBy(() -> CdcCapture.dropSlot(nowhere, "Bad-Slot", "p")).isInstanceOf(ConfigException.class)
        .hasMessageContaining(CdcOptions.SLOT_NAME);
    assertThatThrownBy(() -> CdcCapture.dropSlot(nowhere, "s", "p\"; DROP TABLE x; --"))
        .isInstanceOf(ConfigException.class).hasMessageContaining(CdcOptions.PUBLICATION_NAME);
    assertThatThrownBy(() -> CdcCapture.dropSlot(nowhere, "s", "p")).isInstanceOf(SQLException.class)
        .hasMessageNotContaining("s3cr3t-pw");
  }
}
