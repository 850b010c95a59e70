package dev.headroom.sink.internals;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.headroom.schemas.Delta;
import dev.headroom.schemas.Json;
import dev.headroom.schemas.JsonSerde;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The {@code deltas} row of a {@code headroom.deltas.v1} record straight from its JSON, without a
 * {@link Delta} or its maps: the sink's largest table, and reading deltas was most of its CPU.
 *
 * <p>It only ever accepts: a message in the form the streams app writes — every field once, of
 * its usual JSON type, every check of the contract and of {@link CopyLine} passed — gets its line;
 * anything else (a null, a number given as text, a missing or repeated field or key, a value that
 * cannot be stored, invalid JSON) gets {@code null}, and the caller reads the record the generic
 * way, which accepts it or says why not. So the rows written and the dead letters with their
 * reasons are the generic reader's; a test compares the two.
 */
final class DeltaLines {
  private static final JsonFactory FACTORY = Json.mapper().getFactory();
  private static final int MAX_KEYS = 256;

  private DeltaLines() {}

  /** Per thread: the fields of one message as they are read, reused from message to message. */
  private static final ThreadLocal<Fields> FIELDS = ThreadLocal.withInitial(Fields::new);

  private static final class Fields {
    String schema;
    String instanceId;
    String section;
    String object;
    Instant capturedAt;
    Instant previousAt;
    long intervalMs;
    int booleans; // reset = 1, gap = 2
    int seen; // a bit per field, for the missing and the repeated
    final String[] labels = new String[2 * MAX_KEYS];
    int labelCount; // keys and values
    final String[] deltaKeys = new String[MAX_KEYS];
    final double[] deltaValues = new double[MAX_KEYS];
    int deltaCount;
    final String[] rateKeys = new String[MAX_KEYS];

    void clear() {
      schema = instanceId = section = object = null;
      capturedAt = previousAt = null;
      intervalMs = 0;
      booleans = seen = labelCount = deltaCount = 0;
    }
  }

  private static final int SCHEMA = 1;
  private static final int INSTANCE = 1 << 1;
  private static final int SECTION = 1 << 2;
  private static final int OBJECT = 1 << 3;
  private static final int CAPTURED = 1 << 4;
  private static final int PREVIOUS = 1 << 5;
  private static final int INTERVAL = 1 << 6;
  private static final int RESET = 1 << 7;
  private static final int GAP = 1 << 8;
  private static final int LABELS = 1 << 9;
  private static final int DELTAS = 1 << 10;
  private static final int RATES = 1 << 11;
  /** Every field but labels, which may be left out. */
  private static final int REQUIRED = (1 << 12) - 1 & ~LABELS;

  /**
   * Encodes the row into {@code line} and returns its time (captured_at, epoch milliseconds), or
   * returns {@link Long#MIN_VALUE} when the record is to be read the generic way; {@code line}
   * then holds nothing to keep.
   */
  static long encode(byte[] value, CopyLine line) {
    if (value == null || value.length > JsonSerde.MAX_MESSAGE_BYTES) {
      return Long.MIN_VALUE;
    }
    Fields f = FIELDS.get();
    f.clear();
    try (JsonParser p = FACTORY.createParser(value)) {
      if (!read(p, f) || p.nextToken() != null) {
        return Long.MIN_VALUE; // not ours to judge, or trailing content
      }
    } catch (IOException | RuntimeException e) {
      return Long.MIN_VALUE; // invalid JSON, a number out of range, a time that does not parse: the generic reader says why
    }
    if ((f.seen & REQUIRED) != REQUIRED || !Delta.SCHEMA.equals(f.schema) || f.intervalMs <= 0) {
      return Long.MIN_VALUE;
    }
    try {
      line.text("instance_id", f.instanceId).text("section", f.section).text("object", f.object)
          .time("captured_at", f.capturedAt).time("previous_at", f.previousAt).number(f.intervalMs)
          .bool((f.booleans & 1) != 0).bool((f.booleans & 2) != 0).jsonStrings("labels", f.labels, f.labelCount)
          .jsonNumbers("deltas", f.deltaKeys, f.deltaValues, f.deltaCount);
    } catch (CopyLine.UnwritableException e) {
      return Long.MIN_VALUE;
    }
    return f.capturedAt.toEpochMilli();
  }

  /** Reads the message's fields; false at the first thing that is not the usual form. */
  private static boolean read(JsonParser p, Fields f) throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      return false;
    }
    for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
      JsonToken token = p.nextToken();
      int bit = switch (name) {
        case "schema" -> SCHEMA;
        case "instance_id" -> INSTANCE;
        case "section" -> SECTION;
        case "object" -> OBJECT;
        case "captured_at" -> CAPTURED;
        case "previous_at" -> PREVIOUS;
        case "interval_ms" -> INTERVAL;
        case "reset" -> RESET;
        case "gap" -> GAP;
        case "labels" -> LABELS;
        case "deltas" -> DELTAS;
        case "rates" -> RATES;
        default -> 0;
      };
      if (bit == 0) {
        p.skipChildren(); // unknown fields are ignored, as the generic reader ignores them
        continue;
      }
      if ((f.seen & bit) != 0) {
        return false;
      }
      f.seen |= bit;
      boolean usual = switch (bit) {
        case SCHEMA -> (f.schema = text(p, token)) != null;
        case INSTANCE -> (f.instanceId = text(p, token)) != null;
        case SECTION -> (f.section = text(p, token)) != null;
        case OBJECT -> (f.object = text(p, token)) != null;
        case CAPTURED -> (f.capturedAt = time(p, token)) != null;
        case PREVIOUS -> (f.previousAt = time(p, token)) != null;
        case INTERVAL -> {
          if (token != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            yield false;
          }
          f.intervalMs = p.getLongValue();
          yield true;
        }
        case RESET, GAP -> {
          if (token != JsonToken.VALUE_TRUE && token != JsonToken.VALUE_FALSE) {
            yield false;
          }
          f.booleans |= token == JsonToken.VALUE_TRUE ? (bit == RESET ? 1 : 2) : 0;
          yield true;
        }
        case LABELS -> token == JsonToken.START_OBJECT && labels(p, f);
        case DELTAS -> token == JsonToken.START_OBJECT && deltas(p, f);
        default -> token == JsonToken.START_OBJECT && rates(p, f.rateKeys);
      };
      if (!usual) {
        return false;
      }
    }
    return true;
  }

  private static String text(JsonParser p, JsonToken token) throws IOException {
    return token == JsonToken.VALUE_STRING ? p.getText() : null;
  }

  private static Instant time(JsonParser p, JsonToken token) throws IOException {
    if (token != JsonToken.VALUE_STRING) {
      return null;
    }
    try {
      return Json.parse(p.getText());
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static boolean labels(JsonParser p, Fields f) throws IOException {
    long hashes = 0;
    for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
      long bit = 1L << (key.hashCode() & 63);
      if (p.nextToken() != JsonToken.VALUE_STRING || f.labelCount == f.labels.length
          || ((hashes & bit) != 0 && contains(f.labels, f.labelCount, 2, key))) {
        return false;
      }
      hashes |= bit;
      f.labels[f.labelCount++] = key;
      f.labels[f.labelCount++] = p.getText();
    }
    return true;
  }

  private static boolean deltas(JsonParser p, Fields f) throws IOException {
    long hashes = 0;
    for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
      JsonToken token = p.nextToken();
      long bit = 1L << (key.hashCode() & 63);
      if ((token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT)
          || f.deltaCount == MAX_KEYS || ((hashes & bit) != 0 && contains(f.deltaKeys, f.deltaCount, 1, key))) {
        return false;
      }
      hashes |= bit;
      f.deltaKeys[f.deltaCount] = key;
      f.deltaValues[f.deltaCount++] = p.getDoubleValue();
    }
    return true;
  }

  /** Rates are not stored: only checked to be numbers, each key once. */
  private static boolean rates(JsonParser p, String[] keys) throws IOException {
    int n = 0;
    long hashes = 0;
    for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
      JsonToken token = p.nextToken();
      long bit = 1L << (key.hashCode() & 63);
      if ((token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) || n == MAX_KEYS
          || ((hashes & bit) != 0 && contains(keys, n, 1, key))) {
        return false;
      }
      hashes |= bit;
      keys[n++] = key;
    }
    return true;
  }

  /**
   * Whether {@code key} is among every {@code step}-th of the first {@code n} entries; asked only
   * when a key with the same 6 low bits of its hash came before.
   */
  private static boolean contains(String[] entries, int n, int step, String key) {
    for (int i = 0; i < n; i += step) {
      if (entries[i].equals(key)) {
        return true;
      }
    }
    return false;
  }
}
