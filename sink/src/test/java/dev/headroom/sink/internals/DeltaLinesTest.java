package dev.headroom.sink.internals;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.headroom.schemas.Delta;
import dev.headroom.schemas.Json;
import dev.headroom.schemas.Topics;
import dev.headroom.sink.ResultTable;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class DeltaLinesTest {
  private static final ObjectMapper MAPPER = Json.mapper();
  private static final Instant T = Instant.parse("2026-11-23T10:00:00.123Z");

  @Test
  void shouldWriteTheLineTheGenericReaderWritesForEveryMessageInTheStreamsAppsForm() throws Exception {
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < 2_000; i++) {
      byte[] json = Topics.DELTA_SERDE.write(delta(random, i));
      String fast = fast(json);

      assertThat(fast).as("the usual form is read the fast way").isNotNull();
      assertSameRow(fast, generic(json), new String(json, StandardCharsets.UTF_8));
      assertThat(sent(json)).as("the sink's row is the fast one").isEqualTo(fast);
    }
  }

  @Test
  void shouldLeaveEveryOtherMessageToTheGenericReaderAndNeverWriteADifferentRow() throws Exception {
    SplittableRandom random = new SplittableRandom(2);
    Object[] odd = {null, "12", "x", 12, 12.5, -3, 0, true, "2026-11-23T10:00:00Z", "2026-11-23 10:00:00", "NaN",
        List.of(1), Map.of("a", 1), Map.of("a", "b\u0000"), Long.MAX_VALUE, new BigInteger("123456789012345678901234567890"),
        "", -0.0, 1e300, "a\u0000b", "+10000-01-01T00:00:00Z", "0000-12-31T23:59:59Z"};
    String[] fields = {"schema", "instance_id", "section", "object", "captured_at", "previous_at", "interval_ms", "reset",
        "gap", "labels", "deltas", "rates"};
    int fastAccepted = 0;
    int genericOnly = 0;
    for (int i = 0; i < 5_000; i++) {
      Map<String, Object> tree = MAPPER.convertValue(delta(random, i), new TypeReference<LinkedHashMap<String, Object>>() {});
      for (int m = 0; m < random.nextInt(3); m++) {
        String field = fields[random.nextInt(fields.length)];
        switch (random.nextInt(5)) {
          case 0 -> tree.remove(field);
          case 1, 2 -> tree.put(field, odd[random.nextInt(odd.length)]);
          case 3 -> tree.put("unknown_" + m, odd[random.nextInt(odd.length)]);
          default -> {
            if (tree.get(field) instanceof Map<?, ?> map) {
              Map<String, Object> copy = new LinkedHashMap<>();
              map.forEach((k, v) -> copy.put(String.valueOf(k), v));
              copy.put(random.nextBoolean() ? "odd" : "odd\u0000", odd[random.nextInt(odd.length)]);
              tree.put(field, copy);
            }
          }
        }
      }
      String text = MAPPER.writeValueAsString(tree);
      // now and then a repeated field or key, or trailing content, which a map cannot hold
      if (random.nextInt(20) == 0) {
        text = text.replaceFirst("\\{", "{\"section\":\"tables\",");
      } else if (random.nextInt(20) == 0) {
        text = text.replace("\"deltas\":{", "\"deltas\":{\"x\":1,\"x\":2,");
      } else if (random.nextInt(30) == 0) {
        text = text + (random.nextBoolean() ? " {}" : " ]");
      }
      byte[] json = text.getBytes(StandardCharsets.UTF_8);
      if (takenTheFastWay(json, text)) {
        fastAccepted++;
      } else if (generic(json) != null) {
        genericOnly++;
      }
    }
    // both ways were taken
    assertThat(fastAccepted).isGreaterThan(1_000);
    assertThat(genericOnly).isGreaterThan(100);
    for (String broken : List.of("", "[]", "null", "{", "{\"schema\":", "\"delta\"", "{\"schema\":\"headroom.delta/1\"]")) {
      assertThat(fast(broken.getBytes(StandardCharsets.UTF_8))).as(broken).isNull();
    }
    assertThat(fast(null)).isNull();
  }

  @Test
  void shouldReadWhiteSpaceEscapesAndNumbersAsJacksonDoesAndLeaveTheRestToIt() throws Exception {
    String base = new String(Topics.DELTA_SERDE.write(delta(new SplittableRandom(3), 7)), StandardCharsets.UTF_8);
    String pretty = MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(MAPPER.readTree(base));
    byte[] prettyJson = pretty.getBytes(StandardCharsets.UTF_8);
    assertSameRow(fast(prettyJson), generic(prettyJson), pretty);

    String template = "{\"schema\":\"" + Delta.SCHEMA + "\",\"instance_id\":\"prod/db-1\",\"section\":\"tables\","
        + "\"object\":\"app.public.t\",\"captured_at\":\"2026-11-23T10:01:00Z\","
        + "\"previous_at\":\"2026-11-23T10:00:00Z\",\"interval_ms\":60000,\"reset\":false,\"gap\":true,"
        + "\"labels\":{\"schema\":\"LABEL\"},\"deltas\":{\"n_tup_ins\":DELTA},\"rates\":{\"n_tup_ins\":1.5}}";
    String[] labels = {"\\u00e9t\\u00E9", "\\/\\b\\f\\n\\r\\t\\\"\\\\", "\\ud83d\\ude00", "caf\u00e9 \u20ac",
        "\\u0000", "\\x", "\\u12", "\\u12G4"};
    String[] numbers = {"0", "-0", "0.0", "-0.0", "1E+2", "1e-2", "2.5e3", "123456789012345678", "1234567890123456789",
        "12345678901234567890123", "1e400", "4.9e-324", "1".repeat(70), "01", "1.", ".5", "-", "1e", "+1", "0x10",
        "1.5.2", "NaN", "true", "\"1\""};
    int fastAccepted = 0;
    for (String label : labels) {
      for (String number : numbers) {
        String text = template.replace("LABEL", label).replace("DELTA", number);
        if (takenTheFastWay(text.getBytes(StandardCharsets.UTF_8), text)) {
          fastAccepted++;
        }
      }
    }
    assertThat(fastAccepted).isGreaterThan(40);
    // strictly UTF-8 or not at all, and numbers of every length the generic reader takes
    byte[] invalid = template.replace("DELTA", "1").getBytes(StandardCharsets.UTF_8);
    int label = new String(invalid, StandardCharsets.ISO_8859_1).indexOf("LABEL");
    invalid[label] = (byte) 0xC3;
    invalid[label + 1] = (byte) 0x28;
    assertThat(fast(invalid)).isNull();
    byte[] longNumber = template.replace("LABEL", "x").replace("DELTA", "1".repeat(70))
        .getBytes(StandardCharsets.UTF_8);
    assertThat(fast(longNumber)).isNull();
    assertThat(generic(longNumber)).isNotNull();
    assertThat(fast(template.replace("LABEL", "x").replace("DELTA", "7").getBytes(StandardCharsets.UTF_8))).isNotNull();
  }

  private static Delta delta(SplittableRandom random, int i) {
    Map<String, String> labels = new LinkedHashMap<>();
    for (int k = 0; k < random.nextInt(5); k++) {
      labels.put("label_" + k, random.nextBoolean() ? "public" : "t\"ab\\le\t\n" + i + "é€");
    }
    Map<String, Double> deltas = new LinkedHashMap<>();
    Map<String, Double> rates = new LinkedHashMap<>();
    double[] specials = {0.0, -0.0, 1e-300, 4.9e-324, 1.7976931348623157e308, 0.1 + 0.2, 123456789012.0, 9.007199254740993e15};
    for (int c = 0; c < random.nextInt(16); c++) {
      double v = random.nextInt(5) == 0 ? specials[random.nextInt(specials.length)]
          : random.nextBoolean() ? random.nextInt(1_000_000) : random.nextDouble() * Math.pow(10, random.nextInt(-6, 12));
      deltas.put("counter_" + c, v);
      rates.put("counter_" + c, v / 60);
    }
    Instant at = T.plusMillis(random.nextLong(-86_400_000L * 365, 86_400_000L * 365)).plusNanos(random.nextInt(3) == 0
        ? random.nextInt(1_000_000) : 0);
    return new Delta(Delta.SCHEMA, "prod/db-" + i, random.nextBoolean() ? "tables" : "statements",
        "app|u|" + i + (random.nextInt(10) == 0 ? "\ttab" : ""), at, at.minusSeconds(60), 60_000,
        random.nextBoolean(), random.nextBoolean(), labels, deltas, rates);
  }

  /** Whether the fast reader takes the message; if it does, the generic one must, with the same row. */
  private static boolean takenTheFastWay(byte[] json, String text) throws Exception {
    String fast = fast(json);
    if (fast == null) {
      return false;
    }
    String generic = generic(json);
    assertThat(generic).as("the generic reader accepts what the fast one does: " + text).isNotNull();
    assertSameRow(fast, generic, text);
    return true;
  }

  private static String fast(byte[] json) {
    ByteLine line = ByteLine.pooled();
    return DeltaLines.encode(json, line) == Long.MIN_VALUE ? null : new String(line.bytes(), StandardCharsets.UTF_8);
  }

  /** The row as the generic reader writes it, or null when it refuses the record. */
  @SuppressWarnings("unchecked")
  private static String generic(byte[] json) {
    try {
      Delta d = Topics.DELTA_SERDE.read(json);
      CopyLine line = CopyLine.pooled();
      ((BiConsumer<Delta, CopyLine>) (BiConsumer<?, ?>) TableSpec.of(ResultTable.DELTAS).encoder()).accept(d, line);
      return new String(line.finish().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8); // as it is sent
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The text of the row as the sink sends it, or null when the generic reader refuses the record. */
  private static String sent(byte[] json) {
    try {
      TableSpec.Row row = TableSpec.of(ResultTable.DELTAS).encode(new ConsumerRecord<>("t", 0, 0, null, json));
      return new String(row.line(), StandardCharsets.UTF_8);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The same fields, the jsonb ones as the same JSON objects (key order is jsonb's own). */
  private static void assertSameRow(String fast, String generic, String message) throws Exception {
    String[] a = fast.split("\t", -1);
    String[] b = generic.split("\t", -1);
    assertThat(a).as(message).hasSameSizeAs(b).hasSize(10);
    for (int i = 0; i < a.length; i++) {
      if (i >= 8) {
        assertThat(MAPPER.readTree(CopyLineTest.copyText(a[i]))).as(message)
            .isEqualTo(MAPPER.readTree(CopyLineTest.copyText(b[i])));
      } else {
        assertThat(a[i]).as(message).isEqualTo(b[i]);
      }
    }
  }
}
