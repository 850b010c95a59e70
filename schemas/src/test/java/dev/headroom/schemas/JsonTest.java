package dev.headroom.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void shouldWriteDeltasAsTheGenericSerializerDoesButForIntegralNumbers() throws Exception {
    ObjectMapper generic = Json.build(false);
    SplittableRandom random = new SplittableRandom(3);
    Instant t = Instant.parse("2026-11-23T10:00:00.123Z");
    double[] specials = {0.0, -0.0, 1e-300, 4.9e-324, 1.7976931348623157e308, 0.1 + 0.2, 1e7, 1.0e-3, 123456789012.0,
        Double.NaN, Double.POSITIVE_INFINITY};
    for (int i = 0; i < 500; i++) {
      Map<String, Double> deltas = new LinkedHashMap<>();
      Map<String, Double> rates = new LinkedHashMap<>();
      for (int c = 0; c < random.nextInt(25); c++) {
        double v = random.nextInt(4) == 0 ? specials[random.nextInt(specials.length)]
            : random.nextBoolean() ? Math.floor(random.nextDouble() * 1e9) : random.nextDouble() * Math.pow(10,
                random.nextInt(-8, 12));
        deltas.put("counter_" + c, v);
        rates.put("counter_" + c, v / 60);
      }
      Map<String, String> labels = i % 3 == 0 ? Map.of() : Map.of("datname", "app \"quoted\" é", "queryid", "-42");
      Delta d = new Delta(Delta.SCHEMA, "prod/db-" + i, "statements", "app|u|true|-42\n", t.plusMillis(60_000L * i),
          t.plusMillis(60_000L * i - 59_999), 59_999, i % 7 == 0, i % 11 == 0, labels, deltas, rates);
      String fast = new String(Json.mapper().writeValueAsBytes(d), "UTF-8");
      String slow = new String(generic.writeValueAsBytes(d), "UTF-8");
      // the same message, field for field and value for value (NaN and -0.0 included)
      assertThat(Json.mapper().readValue(fast, Delta.class)).isEqualTo(generic.readValue(slow, Delta.class))
          .isEqualTo(d);
      // the same fields in the same order, the same numbers (an integral double may be written as an integer)
      sameJson(Json.mapper().readTree(fast), generic.readTree(slow), "");
    }
  }

  @Test
  void shouldParseTimesAsInstantParseDoes() {
    SplittableRandom random = new SplittableRandom(11);
    List<String> texts = new ArrayList<>(List.of("2026-11-23T10:00:00Z", "2026-11-23T10:00:00.5Z",
        "2024-02-29T23:59:59.999999999Z", "2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-31T00:00:00Z",
        "2026-11-23T24:00:00Z", "2016-12-31T23:59:60Z", "2026-11-23T10:60:00Z", "2026-11-23T10:00:00.Z",
        "2026-11-23T10:00:00.1234567890Z", "2026-11-23T10:00:00z", "2026-11-23 10:00:00Z", "2026-11-23T10:00:00+01:00",
        "0000-01-01T00:00:00Z", "+10000-01-01T00:00:00Z", "2026-1a-23T10:00:00Z", "2026-11-23T10:00:0-Z", "", "Z",
        "2026-11-23T10:00:00.12-4Z"));
    for (int i = 0; i < 5_000; i++) {
      Instant t = Instant.ofEpochSecond(random.nextLong(-62_000_000_000L, 253_000_000_000L), random.nextInt(1_000_000_000));
      String iso = t.toString(); // 0, 3, 6 or 9 fraction digits
      texts.add(iso);
      texts.add(Json.TIME.format(t));
      int digits = random.nextInt(10);
      String fraction = String.format("%09d", t.getNano()).substring(0, digits);
      texts.add(iso.substring(0, 19) + (digits == 0 ? "" : "." + fraction) + "Z");
    }
    for (String text : texts) {
      Object expected;
      try {
        expected = Instant.parse(text);
      } catch (DateTimeParseException e) {
        expected = DateTimeParseException.class;
      }
      Object actual;
      try {
        actual = Json.parse(text);
      } catch (DateTimeParseException e) {
        actual = DateTimeParseException.class;
      }
      assertThat(actual).as(text).isEqualTo(expected);
      // again, now from the last-parsed cache
      assertThat(expected instanceof Instant ? Json.parse(text) : expected).as(text).isEqualTo(expected);
    }
  }

  @Test
  void shouldWriteCountsAsIntegers() throws Exception {
    Instant t = Instant.parse("2026-11-23T10:00:00Z");
    Delta d = new Delta(Delta.SCHEMA, "prod/db-1", "databases", "app", t, t.minusSeconds(60), 60_000, false, false,
        Map.of("datname", "app"), Map.of("xact_commit", 120.0), Map.of("xact_commit", 2.0));
    assertThat(new String(Json.mapper().writeValueAsBytes(d), "UTF-8"))
        .contains("\"deltas\":{\"xact_commit\":120}", "\"rates\":{\"xact_commit\":2}");
  }

  private static void sameJson(JsonNode a, JsonNode b, String path) {
    if (a.isNumber() && b.isNumber()) {
      assertThat(a.doubleValue()).as(path).isEqualTo(b.doubleValue());
    } else if (a.isObject() && b.isObject()) {
      List<String> names = new ArrayList<>();
      a.fieldNames().forEachRemaining(names::add);
      List<String> expected = new ArrayList<>();
      b.fieldNames().forEachRemaining(expected::add);
      assertThat(names).as(path).isEqualTo(expected);
      names.forEach(n -> sameJson(a.get(n), b.get(n), path + "." + n));
    } else {
      assertThat(a).as(path).isEqualTo(b);
    }
  }

  @Test
  void shouldFormatInstantsAsBeforeWhicheverWereFormattedLast() {
    Instant a = Instant.parse("2026-11-23T10:00:00.123Z");
    Instant b = Instant.parse("2026-11-23T10:01:00Z");
    Instant c = Instant.parse("1999-12-31T23:59:59.999999999Z");
    for (Instant i : new Instant[] {a, b, a, b, c, a, c, c, b}) {
      assertThat(Json.format(i)).isEqualTo(Json.TIME.format(i));
    }
  }
}
