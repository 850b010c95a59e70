package dev.headroom.sink.internals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.headroom.schemas.Json;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
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
        .isEqualTo("{\"calls\":3,\"name\":\"a\\\\tb\\\\\\\\c\"}");
  }

  @Test
  void shouldWriteJsonThatReadsBackAsTheSameValues() throws Exception {
    SplittableRandom random = new SplittableRandom(7);
    String alphabet = "ab\"\\\t\n\r\b\f\u0001\u001f\u007f é€😀/ ";
    double[] specials = {0.0, -0.0, 1e-300, 4.9e-324, 1.7976931348623157e308, 0.1 + 0.2, 1e7, 123456789012.0,
        9.007199254740993e15, -12.5};
    for (int i = 0; i < 2_000; i++) {
      Map<String, Object> value = new LinkedHashMap<>();
      for (int k = 0; k < random.nextInt(6); k++) {
        String key = text(random, alphabet) + k;
        switch (random.nextInt(5)) {
          case 0 -> value.put(key, text(random, alphabet));
          case 1 -> value.put(key, specials[random.nextInt(specials.length)]);
          case 2 -> value.put(key, random.nextDouble() * Math.pow(10, random.nextInt(-10, 20)));
          case 3 -> value.put(key, (long) random.nextInt());
          default -> value.put(key, random.nextBoolean() ? null : random.nextBoolean());
        }
      }
      String field = new CopyLine().json("labels", value).finish();

      assertThat(field).doesNotContain("\t", "\n", "\r");
      JsonNode read = Json.mapper().readTree(copyText(field));
      JsonNode expected = Json.mapper().valueToTree(value);
      assertThat(read).as(field).hasSize(value.size());
      value.forEach((k, v) -> {
        JsonNode node = read.get(k);
        if (v instanceof Number n) {
          assertThat(node.isNumber()).as(k).isTrue();
          assertThat(node.doubleValue()).as(k).isEqualTo(n.doubleValue());
        } else {
          assertThat(node).as(k).isEqualTo(expected.get(k));
        }
      });
    }
  }

  private static String text(SplittableRandom random, String alphabet) {
    StringBuilder b = new StringBuilder();
    int[] points = alphabet.codePoints().toArray();
    for (int i = 0; i < random.nextInt(8); i++) {
      b.appendCodePoint(points[random.nextInt(points.length)]);
    }
    return b.toString();
  }

  /** A field of a COPY text line as the server reads it. */
  static String copyText(String field) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char ch = field.charAt(i);
      if (ch != '\\') {
        b.append(ch);
        continue;
      }
      char next = field.charAt(++i);
      switch (next) {
        case 't' -> b.append('\t');
        case 'n' -> b.append('\n');
        case 'r' -> b.append('\r');
        default -> b.append(next);
      }
    }
    return b.toString();
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
