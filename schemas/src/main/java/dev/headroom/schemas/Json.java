package dev.headroom.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;

/** The one JSON configuration of every Headroom wire format (CONTRACTS.md "Common rules"). */
public final class Json {
  /** RFC 3339 UTC with exactly three fraction digits, e.g. {@code 2026-11-22T10:00:00.000Z}. */
  public static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private static final ObjectMapper MAPPER = build(true);

  private Json() {}

  /** Shared, thread-safe once configured; never reconfigure it. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  public static String format(Instant instant) {
    // a message's rows share their capture time, and a batch of deltas or usage readings writes it
    // once per row: the last two instants formatted (per thread) are kept with their text
    Formatted last = LAST_FORMATTED.get();
    if (last.seconds == instant.getEpochSecond() && last.nanos == instant.getNano()) {
      return last.text;
    }
    Formatted other = last.other;
    if (other.seconds == instant.getEpochSecond() && other.nanos == instant.getNano()) {
      return other.text;
    }
    // replace the older of the two; the other becomes the older
    String text = TIME.format(instant);
    other.seconds = instant.getEpochSecond();
    other.nanos = instant.getNano();
    other.text = text;
    LAST_FORMATTED.set(other);
    return text;
  }

  /**
   * {@link Delta} field by field, in the record's order, as the bean serializer writes it but for
   * integral numbers, which it writes without the {@code .0}.
   */
  private static final class DeltaSerializer extends JsonSerializer<Delta> {
    private static final long NEGATIVE_ZERO = Double.doubleToRawLongBits(-0.0);

    @Override
    public void serialize(Delta d, JsonGenerator gen, SerializerProvider provider) throws IOException {
      gen.writeStartObject(d);
      gen.writeStringField("schema", d.schema());
      gen.writeStringField("instance_id", d.instanceId());
      gen.writeStringField("section", d.section());
      gen.writeStringField("object", d.object());
      gen.writeStringField("captured_at", format(d.capturedAt()));
      gen.writeStringField("previous_at", format(d.previousAt()));
      gen.writeNumberField("interval_ms", d.intervalMs());
      gen.writeBooleanField("reset", d.reset());
      gen.writeBooleanField("gap", d.gap());
      gen.writeObjectFieldStart("labels");
      for (Map.Entry<String, String> e : d.labels().entrySet()) {
        gen.writeStringField(e.getKey(), e.getValue());
      }
      gen.writeEndObject();
      writeNumbers(gen, "deltas", d.deltas());
      writeNumbers(gen, "rates", d.rates());
      gen.writeEndObject();
    }

    private static void writeNumbers(JsonGenerator gen, String name, Map<String, Double> values) throws IOException {
      gen.writeObjectFieldStart(name);
      for (Map.Entry<String, Double> e : values.entrySet()) {
        gen.writeFieldName(e.getKey());
        double v = e.getValue();
        // most deltas are counts: written as integers (12, not 12.0), which is the same JSON number
        // and far cheaper to write than a double's shortest digits
        if (v == (long) v && Math.abs(v) < 0x1p53 && Double.doubleToRawLongBits(v) != NEGATIVE_ZERO) {
          gen.writeNumber((long) v);
        } else {
          gen.writeNumber(v);
        }
      }
      gen.writeEndObject();
    }
  }

  /**
   * {@link Instant#parse}, faster for the form Headroom writes: the last two texts parsed (per
   * thread) are kept with their instant, since a message's rows share their times, and
   * {@code uuuu-MM-ddTHH:mm:ss[.fraction]Z} is read by hand. Anything else, valid or not, is left
   * to {@link Instant#parse}, so what is accepted and what is refused does not change.
   *
   * @throws DateTimeParseException as {@link Instant#parse} does
   */
  public static Instant parse(String text) {
    Parsed last = LAST_PARSED.get();
    if (text.equals(last.text)) {
      return last.instant;
    }
    Parsed other = last.other;
    if (text.equals(other.text)) {
      return other.instant;
    }
    Instant instant = parseUtc(text);
    other.text = text;
    other.instant = instant;
    LAST_PARSED.set(other);
    return instant;
  }

  private static Instant parseUtc(String t) {
    int n = t.length();
    if (n < 20 || n > 30 || t.charAt(4) != '-' || t.charAt(7) != '-' || t.charAt(10) != 'T' || t.charAt(13) != ':'
        || t.charAt(16) != ':' || t.charAt(n - 1) != 'Z' || (n > 20 && (t.charAt(19) != '.' || n == 21))) {
      return Instant.parse(t);
    }
    int year = digits(t, 0, 4);
    int month = digits(t, 5, 7);
    int day = digits(t, 8, 10);
    int hour = digits(t, 11, 13);
    int minute = digits(t, 14, 16);
    int second = digits(t, 17, 19);
    int nanos = n > 20 ? digits(t, 20, n - 1) : 0;
    if ((year | month | day | hour | minute | second | nanos) < 0 || month < 1 || month > 12 || day < 1 || hour > 23
        || minute > 59 || second > 59 || day > YearMonth.of(year, month).lengthOfMonth()) {
      return Instant.parse(t); // leap seconds, 24:00 and every error are Instant.parse's to judge
    }
    for (int i = n - 1; i < 29; i++) {
      nanos *= 10;
    }
    long days = LocalDate.of(year, month, day).toEpochDay();
    return Instant.ofEpochSecond(days * 86_400 + hour * 3_600L + minute * 60L + second, nanos);
  }

  /** The decimal value of t[from, to), or -1 if a character there is not an ASCII digit. */
  private static int digits(String t, int from, int to) {
    int value = 0;
    for (int i = from; i < to; i++) {
      int d = t.charAt(i) - '0';
      if (d < 0 || d > 9) {
        return -1;
      }
      value = value * 10 + d;
    }
    return value;
  }

  private static final class Parsed {
    String text;
    Instant instant;
    Parsed other;
  }

  private static final ThreadLocal<Parsed> LAST_PARSED = ThreadLocal.withInitial(() -> {
    Parsed a = new Parsed();
    Parsed b = new Parsed();
    a.other = b;
    b.other = a;
    return a;
  });

  private static final class Formatted {
    long seconds = Long.MIN_VALUE;
    int nanos;
    String text;
    Formatted other; // two: a delta writes its capture time and the one before, row after row
  }

  private static final ThreadLocal<Formatted> LAST_FORMATTED = ThreadLocal.withInitial(() -> {
    Formatted a = new Formatted();
    Formatted b = new Formatted();
    a.other = b;
    b.other = a;
    return a;
  });

  /** Encoded size of a value, for splitting large sections into parts of bounded size. */
  public static int encodedSize(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value).length;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot encode " + value.getClass().getSimpleName() + ": " + e.getOriginalMessage(), e);
    }
  }

  /**
   * The mapper; {@code fastDeltas} writes {@link Delta} with its own serializer (the same fields in
   * the same order and the same numbers as the generic one: tests compare them), since deltas are
   * most of what the streams app writes.
   */
  static ObjectMapper build(boolean fastDeltas) {
    SimpleModule times = new SimpleModule("headroom-times");
    if (fastDeltas) {
      times.addSerializer(Delta.class, new DeltaSerializer());
    }
    times.addSerializer(Instant.class, new JsonSerializer<>() {
      @Override
      public void serialize(Instant value, JsonGenerator gen, SerializerProvider provider) throws IOException {
        gen.writeString(format(value));
      }
    });
    times.addDeserializer(Instant.class, new JsonDeserializer<>() {
      @Override
      public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        String text = p.getValueAsString();
        try {
          return parse(text);
        } catch (DateTimeParseException | NullPointerException e) {
          throw new JsonProcessingException("not an RFC 3339 time: " + text, p.currentLocation(), e) {};
        }
      }
    });
    // Schubfach for writing doubles and FastDoubleParser for reading them: the same values, and
    // JDK 17's Double.toString was the largest single cost of writing deltas
    JsonFactory factory = JsonFactory.builder()
        .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
        .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
        .build();
    return new ObjectMapper(factory)
        .registerModule(times)
        .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .setSerializationInclusion(JsonInclude.Include.ALWAYS)
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
        .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
        .configure(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES, false)
        .configure(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS, false);
  }
}
