package dev.headroom.streams.latency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headroom.streams.internals.JsonStateSerde;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class LatencySerdesTest {
  private final KeyedWindows.Clock.Serde clocks = new KeyedWindows.Clock.Serde();

  @Test
  void shouldReadBackClocksAndTheirJsonForm() {
    KeyedWindows.Clock c = new KeyedWindows.Clock(Long.MIN_VALUE, 1_700_000_000_000L, -1);
    assertThat(clocks.deserializer().deserialize("t", clocks.serializer().serialize("t", c))).isEqualTo(c);
    byte[] json = new JsonStateSerde<>(KeyedWindows.Clock.class).serializer().serialize("t", c);
    assertThat(clocks.deserializer().deserialize("t", json)).isEqualTo(c);
  }

  @Test
  void shouldRefuseTruncatedOrUnknownBytes() {
    byte[] bytes = clocks.serializer().serialize("t", new KeyedWindows.Clock(1, 2, 3));
    assertThatThrownBy(() -> clocks.deserializer().deserialize("t", java.util.Arrays.copyOf(bytes, 20)))
        .isInstanceOf(SerializationException.class).hasMessageContaining("unreadable Clock");
    assertThatThrownBy(() -> clocks.deserializer().deserialize("t", new byte[] {2, 0}))
        .isInstanceOf(SerializationException.class).hasMessageContaining("unknown Clock version 2");
  }
}
