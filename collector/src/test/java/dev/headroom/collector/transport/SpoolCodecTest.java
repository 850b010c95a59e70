package dev.headroom.collector.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SpoolCodecTest {

  @Test
  void shouldRoundTripARecordWithAKey() {
    OutboundRecord record = new OutboundRecord("headroom.snapshots.v1", "pg-ü-1", 1_700_000_000_123L,
        "{\"a\":1}".getBytes(StandardCharsets.UTF_8));

    OutboundRecord back = SpoolCodec.decode(SpoolCodec.encode(record));

    assertThat(back.topic()).isEqualTo(record.topic());
    assertThat(back.key()).isEqualTo(record.key());
    assertThat(back.timestampMs()).isEqualTo(record.timestampMs());
    assertThat(back.value()).isEqualTo(record.value());
  }

  @Test
  void shouldRoundTripANullKeyAndAnEmptyValue() {
    OutboundRecord back = SpoolCodec.decode(SpoolCodec.encode(new OutboundRecord("t", null, -1, new byte[0])));

    assertThat(back.key()).isNull();
    assertThat(back.timestampMs()).isEqualTo(-1);
    assertThat(back.value()).isEmpty();
  }

  @Test
  void shouldLeadWithTheFormatByte() {
    assertThat(SpoolCodec.encode(new OutboundRecord("t", "k", 0, new byte[] {7}))[0]).isEqualTo(SpoolCodec.FORMAT_1);
  }

  @Test
  void shouldRefuseAnUnknownFormat() {
    byte[] entry = SpoolCodec.encode(new OutboundRecord("t", "k", 0, new byte[] {7}));
    entry[0] = 9;

    assertThatThrownBy(() -> SpoolCodec.decode(entry)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown format 9");
  }

  @Test
  void shouldRefuseATruncatedOrPaddedEntry() {
    byte[] entry = SpoolCodec.encode(new OutboundRecord("topic", "key", 0, new byte[] {1, 2, 3}));

    assertThatThrownBy(() -> SpoolCodec.decode(Arrays.copyOf(entry, entry.length - 1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SpoolCodec.decode(Arrays.copyOf(entry, 10))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SpoolCodec.decode(Arrays.copyOf(entry, entry.length + 2)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("past its value");
    assertThatThrownBy(() -> SpoolCodec.decode(new byte[0])).isInstanceOf(IllegalArgumentException.class);
  }
}
