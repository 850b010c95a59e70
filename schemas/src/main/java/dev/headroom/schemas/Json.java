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
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** The one JSON configuration of every Headroom wire format (CONTRACTS.md "Common rules"). */
public final class Json {
  /** RFC 3339 UTC with exactly three fraction digits, e.g. {@code 2026-11-22T10:00:00.000Z}. */
  public static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private static final ObjectMapper MAPPER = build();

  private Json() {}

  /** Shared, thread-safe once configured; never reconfigure it. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  public static String format(Instant instant) {
    // a message's rows share their capture time, and a batch of deltas or usage readings writes it
    // once per row: the last instant formatted (per thread) is kept with its text
    Formatted last = LAST_FORMATTED.get();
    if (last.seconds == instant.getEpochSecond() && last.nanos == instant.getNano()) {
      return last.text;
    }
    String text = TIME.format(instant);
    last.seconds = instant.getEpochSecond();
    last.nanos = instant.getNano();
    last.text = text;
    return text;
  }

  private static final class Formatted {
    long seconds = Long.MIN_VALUE;
    int nanos;
    String text;
  }

  private static final ThreadLocal<Formatted> LAST_FORMATTED = ThreadLocal.withInitial(Formatted::new);

  /** Encoded size of a value, for splitting large sections into parts of bounded size. */
  public static int encodedSize(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value).length;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot encode " + value.getClass().getSimpleName() + ": " + e.getOriginalMessage(), e);
    }
  }

  private static ObjectMapper build() {
    SimpleModule times = new SimpleModule("headroom-times");
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
          return Instant.parse(text);
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
