package dev.headroom.sink.internals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.NumberOutput;
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
  private static final long NEGATIVE_ZERO = Double.doubleToRawLongBits(-0.0);

  /** Per thread, the last two instants written and their text: the rows of a message share their times. */
  private static final ThreadLocal<Object[]> LAST_TIMES = ThreadLocal.withInitial(() -> new Object[4]);

  /** {@link Instant#toString()}, which is slow, remembered for the last two instants of the thread. */
  private static String isoText(Instant value) {
    Object[] last = LAST_TIMES.get();
    if (value.equals(last[0])) {
      return (String) last[1];
    }
    if (value.equals(last[2])) {
      return (String) last[3];
    }
    String text = value.toString();
    last[2] = last[0];
    last[3] = last[1];
    last[0] = value;
    last[1] = text;
    return text;
  }

  /** Whether the text has no control character and no backslash: nothing COPY or JSON would escape but quotes. */
  private static boolean plain(String value) {
    for (int i = 0; i < value.length(); i++) {
      char ch = value.charAt(i);
      if (ch < 0x20 || ch == '\\') {
        return false;
      }
    }
    return true;
  }

  /** One builder per thread for {@link #pooled()}: rows are encoded one after another, and most outgrow a new one. */
  private static final ThreadLocal<StringBuilder> BUILDERS = ThreadLocal.withInitial(() -> new StringBuilder(1024));

  private final StringBuilder out;
  private int fields;

  CopyLine() {
    this(new StringBuilder(256));
  }

  private CopyLine(StringBuilder out) {
    this.out = out;
  }

  /** A line in this thread's builder, which the next {@code pooled()} line of the thread reuses: finish one first. */
  static CopyLine pooled() {
    StringBuilder out = BUILDERS.get();
    out.setLength(0);
    return new CopyLine(out);
  }

  CopyLine text(String field, String value) {
    separate();
    if (value == null) {
      out.append("\\N");
      return this;
    }
    if (plain(value)) {
      out.append(value);
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
    appendDouble(value);
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
    String text = timeText(field, value);
    separate();
    out.append(text);
    return this;
  }

  /** A timestamptz field's text: ISO 8601 with 'Z', which timestamptz reads as UTC. */
  static String timeText(String field, Instant value) {
    if (value.isBefore(EARLIEST) || value.isAfter(LATEST)) {
      throw new UnwritableException(field + " " + value + " is outside the years 1 to 9999");
    }
    return isoText(value);
  }

  /** A text field's value as COPY reads it, escaped; as {@link #text} writes it. */
  static String textField(String field, String value) {
    return new CopyLine(new StringBuilder(value.length() + 8)).text(field, value).finish();
  }

  /** A JSON string, quoted, escaped, and escaped again for COPY, as {@link #jsonStrings} writes a key or value. */
  static String jsonStringField(String field, String value) {
    if (value.indexOf('\0') >= 0) {
      throw new UnwritableException(field + " contains a NUL character, which jsonb cannot store");
    }
    CopyLine line = new CopyLine(new StringBuilder(value.length() + 8));
    line.jsonString(value);
    return line.finish();
  }

  /** A double as {@link #jsonNumbers} and {@link #real} write it. */
  static String doubleText(double value) {
    CopyLine line = new CopyLine(new StringBuilder(24));
    line.appendDouble(value);
    return line.finish();
  }

  CopyLine bytes(byte[] value) {
    separate();
    out.append("\\\\x"); // bytea's hex form, its backslash escaped for COPY
    for (byte b : value) {
      out.append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
    }
    return this;
  }

  /**
   * A jsonb value; jsonb refuses NUL characters and JSON has no NaN or infinity, so both are
   * refused here. Strings, numbers, booleans and nulls are written straight into the line, JSON
   * escapes and COPY escapes in one pass (the JSON text has no raw control characters, so only its
   * backslashes need COPY's escape); any other value goes through the shared mapper.
   */
  CopyLine json(String field, Map<String, ?> value) {
    for (Map.Entry<String, ?> e : value.entrySet()) {
      if (e.getKey().indexOf('\0') >= 0 || (e.getValue() instanceof String s && s.indexOf('\0') >= 0)) {
        throw new UnwritableException(field + " contains a NUL character, which jsonb cannot store");
      }
      if ((e.getValue() instanceof Double d && !Double.isFinite(d))
          || (e.getValue() instanceof Float f && !Float.isFinite(f))) {
        throw new UnwritableException(field + "." + e.getKey() + " is " + e.getValue() + ", which JSON cannot hold");
      }
    }
    int start = out.length();
    int startFields = fields;
    separate();
    out.append('{');
    boolean first = true;
    for (Map.Entry<String, ?> e : value.entrySet()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      jsonString(e.getKey());
      out.append(':');
      Object v = e.getValue();
      if (v == null) {
        out.append("null");
      } else if (v instanceof String s) {
        jsonString(s);
      } else if (v instanceof Double || v instanceof Float) {
        appendDouble(((Number) v).doubleValue());
      } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
        out.append(((Number) v).longValue());
      } else if (v instanceof Boolean b) {
        out.append(b.booleanValue());
      } else {
        out.setLength(start); // a value of another kind: the whole map through Jackson
        fields = startFields;
        try {
          return text(field, Json.mapper().writeValueAsString(value));
        } catch (JsonProcessingException ex) {
          throw new UnwritableException(field + " cannot be written as JSON: " + ex.getOriginalMessage());
        }
      }
    }
    out.append('}');
    return this;
  }

  /**
   * A jsonb object of string values, given as keys and values in turn ({@code n} of them), written
   * as {@link #json} writes a map of them.
   */
  CopyLine jsonStrings(String field, String[] keysAndValues, int n) {
    for (int i = 0; i < n; i++) {
      if (keysAndValues[i].indexOf('\0') >= 0) {
        throw new UnwritableException(field + " contains a NUL character, which jsonb cannot store");
      }
    }
    separate();
    out.append('{');
    for (int i = 0; i < n; i += 2) {
      if (i > 0) {
        out.append(',');
      }
      jsonString(keysAndValues[i]);
      out.append(':');
      jsonString(keysAndValues[i + 1]);
    }
    out.append('}');
    return this;
  }

  /** A jsonb object of numbers ({@code n} of them), written as {@link #json} writes a map of doubles. */
  CopyLine jsonNumbers(String field, String[] keys, double[] values, int n) {
    for (int i = 0; i < n; i++) {
      if (keys[i].indexOf('\0') >= 0) {
        throw new UnwritableException(field + " contains a NUL character, which jsonb cannot store");
      }
      if (!Double.isFinite(values[i])) {
        throw new UnwritableException(field + "." + keys[i] + " is " + values[i] + ", which JSON cannot hold");
      }
    }
    separate();
    out.append('{');
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        out.append(',');
      }
      jsonString(keys[i]);
      out.append(':');
      appendDouble(values[i]);
    }
    out.append('}');
    return this;
  }

  /** A JSON string, quoted and escaped, with each backslash of it escaped again for COPY. */
  private void jsonString(String value) {
    out.append('"');
    if (plain(value) && value.indexOf('"') < 0) {
      out.append(value).append('"'); // most keys and labels: nothing to escape, appended at once
      return;
    }
    for (int i = 0; i < value.length(); i++) {
      char ch = value.charAt(i);
      if (ch >= 0x20 && ch != '"' && ch != '\\') {
        out.append(ch);
        continue;
      }
      out.append("\\\\"); // JSON's backslash, as COPY reads it
      switch (ch) {
        case '"' -> out.append('"');
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append('n');
        case '\t' -> out.append('t');
        case '\r' -> out.append('r');
        case '\b' -> out.append('b');
        case '\f' -> out.append('f');
        default -> out.append("u00").append(HEX[(ch >> 4) & 0xf]).append(HEX[ch & 0xf]);
      }
    }
    out.append('"');
  }

  /**
   * A double in its shortest form, integral values without a fraction (as the streams app writes
   * deltas: most are counts); Schubfach, since JDK 17's {@code Double.toString} is slow.
   */
  private void appendDouble(double value) {
    if (value == (long) value && Math.abs(value) < 0x1p53 && Double.doubleToRawLongBits(value) != NEGATIVE_ZERO) {
      out.append((long) value);
    } else {
      out.append(NumberOutput.toString(value, true));
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
