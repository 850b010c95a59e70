package dev.headroom.sink.internals;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.headroom.schemas.Json;
import java.time.Instant;
import java.util.Map;

/**
 * One row in PostgreSQL's COPY text format: fields separated by tabs, {@code \N} for null, and
 * backslash escapes for backslash, tab, newline and carriage return. Each field is checked to be
 * storable first, so a record that could never be written fails here, with the field named,
 * instead of failing its whole batch in the database.
 */
final class CopyLine {
  /** timestamptz goes further, but the text form of an {@link Instant} outside these years is not PostgreSQL's. */
  private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
  private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999Z");
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final StringBuilder out = new StringBuilder(256);
  private int fields;

  CopyLine text(String field, String value) {
    separate();
    if (value == null) {
      out.append("\\N");
      return this;
    }
    for (int i = 0; i < value.length(); i++) {
      char ch = value.charAt(i);
      switch (ch) {
        case '\\' -> out.append("\\\\");
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\0' -> throw new UnwritableException(field + " contains a NUL character, which PostgreSQL text cannot store");
        default -> out.append(ch);
      }
    }
    return this;
  }

  CopyLine number(long value) {
    separate();
    out.append(value);
    return this;
  }

  /** float8 takes NaN and ±Infinity in this form too. */
  CopyLine real(double value) {
    separate();
    out.append(value);
    return this;
  }

  CopyLine real(Double value) {
    return value == null ? nullValue() : real(value.doubleValue());
  }

  CopyLine bool(boolean value) {
    separate();
    out.append(value ? 't' : 'f');
    return this;
  }

  CopyLine time(String field, Instant value) {
    if (value == null) {
      return nullValue();
    }
    if (value.isBefore(EARLIEST) || value.isAfter(LATEST)) {
      throw new UnwritableException(field + " " + value + " is outside the years 1 to 9999");
    }
    separate();
    out.append(value); // ISO 8601 with 'Z', which timestamptz reads as UTC
    return this;
  }

  CopyLine bytes(byte[] value) {
    separate();
    out.append("\\\\x"); // bytea's hex form, its backslash escaped for COPY
    for (byte b : value) {
      out.append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
    }
    return this;
  }

  /** A jsonb value; jsonb refuses NUL characters and JSON has no NaN or infinity, so both are refused here. */
  CopyLine json(String field, Map<String, ?> value) {
    for (Map.Entry<String, ?> e : value.entrySet()) {
      if (e.getKey().indexOf('\0') >= 0 || (e.getValue() instanceof String s && s.indexOf('\0') >= 0)) {
        throw new UnwritableException(field + " contains a NUL character, which jsonb cannot store");
      }
      if (e.getValue() instanceof Double d && !Double.isFinite(d)) {
        throw new UnwritableException(field + "." + e.getKey() + " is " + d + ", which JSON cannot hold");
      }
    }
    try {
      return text(field, Json.mapper().writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new UnwritableException(field + " cannot be written as JSON: " + e.getOriginalMessage());
    }
  }

  CopyLine nullValue() {
    separate();
    out.append("\\N");
    return this;
  }

  /** The row without its line end. */
  String finish() {
    return out.toString();
  }

  private void separate() {
    if (fields++ > 0) {
      out.append('\t');
    }
  }

  /** A record that can be read but never written. */
  static final class UnwritableException extends RuntimeException {
    UnwritableException(String reason) {
      super(reason);
    }
  }
}
