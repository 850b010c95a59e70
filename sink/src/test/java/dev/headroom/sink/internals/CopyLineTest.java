package dev.headroom.sink.internals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CopyLineTest {
  @Test
  void shouldEscapeWhatCopyTextWouldReadAsStructure() {
    String line = new CopyLine().text("a", "tab\there").text("b", "line\nbreak\r").text("c", "back\\slash")
        .text("d", "").text("e", null).finish();

    assertThat(line).isEqualTo("tab\\there\tline\\nbreak\\r\tback\\\\slash\t\t\\N");
  }

  @Test
  void shouldWriteNumbersBooleansTimesAndBytesAsPostgresReadsThem() {
    String line = new CopyLine().number(-42).real(1.5).real((Double) null).real(Double.NaN).bool(true).bool(false)
        .time("t", Instant.parse("2026-11-22T10:00:00.123Z")).time("u", null).bytes(new byte[] {0, 15, -1})
        .finish();

    assertThat(line).isEqualTo("-42\t1.5\t\\N\tNaN\tt\tf\t2026-11-22T10:00:00.123Z\t\\N\t\\\\x000fff");
  }

  @Test
  void shouldWriteJsonAndEscapeIt() {
    Map<String, Object> value = new LinkedHashMap<>();
    value.put("calls", 3.0);
    value.put("name", "a\tb\\c");

    assertThat(new CopyLine().json("deltas", value).finish())
        .isEqualTo("{\"calls\":3.0,\"name\":\"a\\\\tb\\\\\\\\c\"}");
  }

  @Test
  void shouldRefuseWhatPostgresCouldNeverStoreNamingTheField() {
    assertThatThrownBy(() -> new CopyLine().text("scope", "a\u0000b"))
        .isInstanceOf(CopyLine.UnwritableException.class).hasMessageContaining("scope").hasMessageContaining("NUL");
    assertThatThrownBy(() -> new CopyLine().time("window_end", Instant.parse("+10000-01-01T00:00:00Z")))
        .isInstanceOf(CopyLine.UnwritableException.class).hasMessageContaining("window_end");
    assertThatThrownBy(() -> new CopyLine().json("deltas", Map.of("calls", Double.POSITIVE_INFINITY)))
        .isInstanceOf(CopyLine.UnwritableException.class).hasMessageContaining("deltas.calls");
    assertThatThrownBy(() -> new CopyLine().json("labels", Map.of("k", "v\u0000")))
        .isInstanceOf(CopyLine.UnwritableException.class).hasMessageContaining("labels");
  }
}
