package dev.headroom.streams.deltas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headroom.streams.internals.JsonStateSerde;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class CounterStateSerdeTest {
  private final CounterState.Serde serde = new CounterState.Serde();

  @Test
  void shouldReadBackWhatItWrites() {
    CounterState full = new CounterState(Instant.parse("2026-11-23T10:00:00.123456789Z"),
        Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-11-20T08:00:00.5Z"), "stats_since=2026-11-20",
        Map.of("calls", 12.0, "total_exec_time_ms", 3.25e9, Sections.WATCH_MIN_EXEC_TIME, -0.01, "é-ünïcode", 1e-300));
    CounterState bare = new CounterState(Instant.EPOCH, null, null, null, Map.of());
    for (CounterState s : new CounterState[] {full, bare}) {
      assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", s))).isEqualTo(s);
    }
    assertThat(serde.serializer().serialize("t", null)).isNull();
    assertThat(serde.deserializer().deserialize("t", null)).isNull();
  }

  @Test
  void shouldReadTheJsonFormEarlierVersionsWrote() {
    CounterState s = new CounterState(Instant.parse("2026-11-23T10:00:00Z"), Instant.parse("2026-11-01T00:00:00Z"),
        null, "stats_reset=x", Map.of("xact_commit", 99.0));
    byte[] json = new JsonStateSerde<>(CounterState.class).serializer().serialize("t", s);
    assertThat(serde.deserializer().deserialize("t", json)).isEqualTo(s);
  }

  @Test
  void shouldRefuseAnUnknownVersion() {
    assertThatThrownBy(() -> serde.deserializer().deserialize("t", new byte[] {9, 0, 0}))
        .isInstanceOf(SerializationException.class).hasMessageContaining("version 9");
  }
}
