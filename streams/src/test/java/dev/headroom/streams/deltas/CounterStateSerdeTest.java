package dev.headroom.streams.deltas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headroom.streams.internals.JsonStateSerde;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
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
    Map<String, Double> edges = new HashMap<>();
    double[] values = {0.0, -0.0, 1.0, -1.0, 127.0, 128.0, -5e6, 0x1p62, -0x1p62, 0x1p62 + 0x1p11, 0x1p63, 1e19,
        -1e300, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE, 0.5, 12345.678};
    for (int i = 0; i < values.length; i++) {
      edges.put(CounterState.Serde.NAMES.get(i), values[i]);
      edges.put("not-in-the-dictionary-" + i, values[i]);
    }
    CounterState edge = new CounterState(Instant.ofEpochSecond(-1, 999_999_999), null, Instant.EPOCH, "", edges);
    CounterState bare = new CounterState(Instant.EPOCH, null, null, null, Map.of());
    for (CounterState s : new CounterState[] {full, bare, edge}) {
      assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", s))).isEqualTo(s);
    }
    assertThat(serde.serializer().serialize("t", null)).isNull();
    assertThat(serde.deserializer().deserialize("t", null)).isNull();
  }

  @Test
  void shouldReadVersionOne() throws IOException {
    CounterState s = new CounterState(Instant.parse("2026-11-23T10:00:00.5Z"), null,
        Instant.parse("2026-11-20T08:00:00Z"), "stats_since=2026-11-20", Map.of("calls", 12.0, "odd name", 0.25));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) { // version 1, as it was written
      out.writeByte(1);
      for (Instant t : new Instant[] {s.capturedAt(), s.postmasterStart(), s.statsReset()}) {
        out.writeBoolean(t != null);
        if (t != null) {
          out.writeLong(t.getEpochSecond());
          out.writeInt(t.getNano());
        }
      }
      out.writeBoolean(true);
      out.writeUTF(s.resetMarker());
      out.writeShort(2);
      out.writeUTF("calls");
      out.writeDouble(12.0);
      out.writeUTF("odd name");
      out.writeDouble(0.25);
    }
    assertThat(serde.deserializer().deserialize("t", bytes.toByteArray())).isEqualTo(s);
  }

  @Test
  void shouldNameEveryCounterOfEverySectionInOneByte() {
    assertThat(CounterState.Serde.NAMES).doesNotHaveDuplicates().hasSizeLessThan(CounterState.Serde.NAMED);
    for (Sections.Section section : Sections.BY_NAME.values()) {
      assertThat(CounterState.Serde.NAMES).as(section.name()).containsAll(section.counters());
    }
    assertThat(CounterState.Serde.NAMES).contains(Sections.WATCH_MAX_EXEC_TIME, Sections.WATCH_MIN_EXEC_TIME);
  }

  @Test
  void shouldWriteAStatementInLessThanHalfOfVersionOnesBytes() {
    Map<String, Double> counters = new HashMap<>();
    for (String name : Sections.STATEMENTS.counters()) {
      counters.put(name, name.endsWith("_ms") || name.endsWith("_ms2") ? 81_234.5678 : 1_234_567.0);
    }
    counters.put(Sections.WATCH_MAX_EXEC_TIME, 912.25);
    counters.put(Sections.WATCH_MIN_EXEC_TIME, -0.125);
    CounterState s = new CounterState(Instant.parse("2026-11-23T10:00:00Z"), Instant.parse("2026-11-01T00:00:00Z"),
        null, "stats_since=2026-11-20T08:00:00Z", counters);
    int versionOne = 1 + 3 * 13 + 1 + 2 + s.resetMarker().length() + 2
        + counters.keySet().stream().mapToInt(name -> 2 + name.length() + 8).sum();
    int versionTwo = serde.serializer().serialize("t", s).length;
    assertThat(versionTwo).isLessThan(versionOne / 2);
    assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", s))).isEqualTo(s);
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
