package dev.headroom.sink.internals;

import dev.headroom.schemas.Delta;
import dev.headroom.schemas.Json;
import dev.headroom.schemas.JsonSerde;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;

/**
 * The {@code deltas} row of a {@code headroom.deltas.v1} record straight from the bytes of its
 * JSON to the UTF-8 bytes of its COPY line, without a parser library, a {@link Delta} or its maps:
 * the sink's largest table, and reading deltas was most of its CPU (BENCHMARKS.md, "Sink
 * throughput"). Text with nothing to escape, keys, and integers of up to 15 digits go from the
 * message into the line as they are.
 *
 * <p>It only ever accepts: a message in the form the streams app writes — every field once, of
 * its usual JSON type, every check of the contract and of {@link CopyLine} passed — gets its line;
 * anything else (a null, a number given as text, a missing, repeated or unknown field, a key with
 * escapes or beyond ASCII, a repeated key, a number longer than 64 characters, an
 * {@code interval_ms} of more than 18 digits, text that is not strictly UTF-8, a value that cannot
 * be stored, invalid JSON) gets none, and the caller reads the record the generic way, which
 * accepts it or says why not. So the rows written and the dead letters with their reasons are the
 * generic reader's; a test compares the two.
 */
final class DeltaLines {
  private static final int MAX_KEYS = 256;
  /** Jackson, the generic reader, refuses numbers of more than 1,000 characters; these are left to it. */
  private static final int MAX_NUMBER_CHARS = 64;

  private DeltaLines() {}

  /** Per thread: the fields of one message as they are read, reused from message to message. */
  private static final ThreadLocal<Fields> FIELDS = ThreadLocal.withInitial(Fields::new);

  /**
   * The fields of one message as they are read, reused from message to message: strings as where
   * they are in the message, and decoded only when they are not {@linkplain Reader#plain plain}.
   */
  private static final class Fields {
    boolean schemaMatches;
    /** instance_id, section, object: start and end in the message, and the decoded text when not plain. */
    final int[] texts = new int[6];
    final String[] decodedTexts = new String[3];
    Instant capturedAt;
    Instant previousAt;
    long intervalMs;
    int booleans; // reset = 1, gap = 2
    int seen; // a bit per field, for the missing and the repeated
    /** Labels: key start and end, value start and end; the value decoded when not plain. */
    final int[] labels = new int[4 * MAX_KEYS];
    final String[] decodedLabels = new String[MAX_KEYS];
    final int[] labelHashes = new int[MAX_KEYS];
    int labelCount;
    /** Deltas: key start and end, number start and end; the value, and whether its text can be copied. */
    final int[] deltas = new int[4 * MAX_KEYS];
    final double[] deltaValues = new double[MAX_KEYS];
    final boolean[] deltaTextKept = new boolean[MAX_KEYS];
    final int[] deltaHashes = new int[MAX_KEYS];
    int deltaCount;
    /** Rates are only checked: where each key starts and ends, and its hash, for the repeated ones. */
    final int[] rateKeys = new int[2 * MAX_KEYS];
    final int[] rateHashes = new int[MAX_KEYS];
    final StringBuilder escaped = new StringBuilder(64);
    final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

    void clear() {
      schemaMatches = false;
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

  private static final byte[] SCHEMA_BYTES = Delta.SCHEMA.getBytes(StandardCharsets.UTF_8);
  private static final String[] TEXT_COLUMNS = {"instance_id", "section", "object"};

  /**
   * The row's COPY line, in UTF-8 without its line end, into {@code line}; returns its time
   * (captured_at, epoch milliseconds), or {@link Long#MIN_VALUE} when the record is to be read the
   * generic way ({@code line} then holds nothing to keep).
   */
  static long encode(byte[] value, ByteLine line) {
    if (value == null || value.length > JsonSerde.MAX_MESSAGE_BYTES) {
      return Long.MIN_VALUE;
    }
    Fields f = FIELDS.get();
    f.clear();
    try {
      if (!new Reader(value, f).message()) {
        return Long.MIN_VALUE;
      }
    } catch (RuntimeException e) {
      return Long.MIN_VALUE; // a time that does not parse, say: the generic reader says why
    }
    if ((f.seen & REQUIRED) != REQUIRED || !f.schemaMatches || f.intervalMs <= 0) {
      return Long.MIN_VALUE;
    }
    try {
      write(value, f, line);
    } catch (CopyLine.UnwritableException e) {
      return Long.MIN_VALUE;
    }
    return f.capturedAt.toEpochMilli();
  }

  /** The line as {@link CopyLine} writes the row of the same {@link Delta}: a test compares the two. */
  private static void write(byte[] b, Fields f, ByteLine line) {
    for (int t = 0; t < 3; t++) {
      line.field();
      if (f.decodedTexts[t] == null) {
        line.raw(b, f.texts[2 * t], f.texts[2 * t + 1]); // plain: nothing COPY escapes
      } else {
        line.text(CopyLine.textField(TEXT_COLUMNS[t], f.decodedTexts[t]));
      }
    }
    line.field().text(CopyLine.timeText("captured_at", f.capturedAt));
    line.field().text(CopyLine.timeText("previous_at", f.previousAt));
    line.field().number(f.intervalMs);
    line.field().put((f.booleans & 1) != 0 ? (byte) 't' : (byte) 'f');
    line.field().put((f.booleans & 2) != 0 ? (byte) 't' : (byte) 'f');
    line.field().put((byte) '{');
    for (int k = 0; k < f.labelCount; k++) {
      if (k > 0) {
        line.put((byte) ',');
      }
      quoted(line, b, f.labels[4 * k], f.labels[4 * k + 1]).put((byte) ':');
      if (f.decodedLabels[k] == null) {
        quoted(line, b, f.labels[4 * k + 2], f.labels[4 * k + 3]);
      } else {
        line.text(CopyLine.jsonStringField("labels", f.decodedLabels[k]));
      }
    }
    line.put((byte) '}');
    line.field().put((byte) '{');
    for (int k = 0; k < f.deltaCount; k++) {
      if (k > 0) {
        line.put((byte) ',');
      }
      quoted(line, b, f.deltas[4 * k], f.deltas[4 * k + 1]).put((byte) ':');
      if (f.deltaTextKept[k]) {
        line.raw(b, f.deltas[4 * k + 2], f.deltas[4 * k + 3]);
      } else if (Double.isFinite(f.deltaValues[k])) {
        line.text(CopyLine.doubleText(f.deltaValues[k]));
      } else {
        throw new CopyLine.UnwritableException("deltas holds " + f.deltaValues[k] + ", which JSON cannot hold");
      }
    }
    line.put((byte) '}');
  }

  /** A plain string of the message, quoted: as JSON and COPY write it, since it has nothing to escape. */
  private static ByteLine quoted(ByteLine line, byte[] b, int from, int to) {
    return line.put((byte) '"').raw(b, from, to).put((byte) '"');
  }

  /** The bytes that end a string's plain run: the quote, the backslash, control characters, and all beyond ASCII. */
  private static final boolean[] SPECIAL = new boolean[256];

  static {
    for (int c = 0; c < 256; c++) {
      SPECIAL[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
    }
  }

  private static final byte[][] NAMES = names("schema", "instance_id", "section", "object", "captured_at",
      "previous_at", "interval_ms", "reset", "gap", "labels", "deltas", "rates");

  private static byte[][] names(String... names) {
    byte[][] bytes = new byte[names.length][];
    for (int i = 0; i < names.length; i++) {
      bytes[i] = names[i].getBytes(StandardCharsets.US_ASCII);
    }
    return bytes;
  }

  /**
   * A reader of one message, by RFC 8259's grammar but narrower: each method returns false (or
   * null) at the first thing that is not the usual form, and the message goes to the generic reader.
   */
  private static final class Reader {
    private final byte[] b;
    private final Fields f;
    private int i;
    /** The start and end of the last string read, and whether it needed decoding. */
    private int start;
    private int end;
    private boolean plain;
    /** A hash of the last key's bytes, for finding repeated keys. */
    private int hash;

    Reader(byte[] bytes, Fields fields) {
      this.b = bytes;
      this.f = fields;
    }

    boolean message() {
      if (!next('{')) {
        return false;
      }
      if (!peek('}')) {
        do {
          if (!field()) {
            return false;
          }
        } while (next(','));
      }
      if (!next('}')) {
        return false;
      }
      skipSpace();
      return i == b.length; // nothing after the object
    }

    private boolean field() {
      skipSpace();
      if (!string()) {
        return false;
      }
      int bit = nameBit();
      if (bit == 0 || (f.seen & bit) != 0 || !next(':')) {
        return false; // an unknown field (the generic reader ignores it) or a repeated one
      }
      f.seen |= bit;
      skipSpace();
      return switch (bit) {
        case SCHEMA -> schema();
        case INSTANCE -> textField(0);
        case SECTION -> textField(1);
        case OBJECT -> textField(2);
        case CAPTURED -> (f.capturedAt = time()) != null;
        case PREVIOUS -> (f.previousAt = time()) != null;
        case INTERVAL -> interval();
        case RESET, GAP -> bool(bit == RESET ? 1 : 2);
        case LABELS -> labels();
        case DELTAS -> deltas();
        default -> rates();
      };
    }

    private int nameBit() {
      if (!plain) {
        return 0;
      }
      for (int n = 0; n < NAMES.length; n++) {
        byte[] name = NAMES[n];
        if (name.length == end - start && Arrays.equals(b, start, end, name, 0, name.length)) {
          return 1 << n;
        }
      }
      return 0;
    }

    private boolean schema() {
      if (!string()) {
        return false;
      }
      f.schemaMatches = plain ? Arrays.equals(b, start, end, SCHEMA_BYTES, 0, SCHEMA_BYTES.length)
          : Delta.SCHEMA.equals(decode());
      return true;
    }

    /** instance_id, section or object: where it is, and decoded when it is not plain. */
    private boolean textField(int t) {
      if (!string()) {
        return false;
      }
      f.texts[2 * t] = start;
      f.texts[2 * t + 1] = end;
      f.decodedTexts[t] = plain ? null : decode();
      return plain || f.decodedTexts[t] != null;
    }

    private boolean interval() {
      int from = i;
      boolean negative = at('-');
      if (negative) {
        i++;
      }
      int digits = i;
      long v = 0;
      while (i < b.length && b[i] >= '0' && b[i] <= '9') {
        v = v * 10 + (b[i++] - '0');
      }
      int n = i - digits;
      if (n == 0 || n > 18 || (n > 1 && b[digits] == '0') || !delimiter() || i - from > MAX_NUMBER_CHARS) {
        return false; // no digits, a leading zero, a fraction or exponent, or too long: the generic reader's
      }
      f.intervalMs = negative ? -v : v;
      return true;
    }

    private boolean bool(int flag) {
      if (literal("true")) {
        f.booleans |= flag;
        return true;
      }
      return literal("false");
    }

    private boolean literal(String word) {
      int n = word.length();
      if (i + n > b.length) {
        return false;
      }
      for (int k = 0; k < n; k++) {
        if (b[i + k] != word.charAt(k)) {
          return false;
        }
      }
      i += n;
      return delimiter();
    }

    private boolean labels() {
      if (!next('{')) {
        return false;
      }
      long hashes = 0;
      if (!peek('}')) {
        do {
          int k = f.labelCount;
          if (k == MAX_KEYS || !key(f.labels, 4 * k, f.labelHashes, k, hashes)) {
            return false;
          }
          hashes |= 1L << (hash & 63);
          skipSpace();
          if (!string()) {
            return false;
          }
          f.labels[4 * k + 2] = start;
          f.labels[4 * k + 3] = end;
          f.decodedLabels[k] = plain ? null : decode();
          if (!plain && f.decodedLabels[k] == null) {
            return false;
          }
          f.labelCount++;
        } while (next(','));
      }
      return next('}');
    }

    private boolean deltas() {
      if (!next('{')) {
        return false;
      }
      long hashes = 0;
      if (!peek('}')) {
        do {
          int k = f.deltaCount;
          if (k == MAX_KEYS || !key(f.deltas, 4 * k, f.deltaHashes, k, hashes)) {
            return false;
          }
          hashes |= 1L << (hash & 63);
          skipSpace();
          int from = i;
          int kind = number();
          if (kind == 0) {
            return false;
          }
          f.deltas[4 * k + 2] = from;
          f.deltas[4 * k + 3] = i;
          f.deltaValues[k] = value(from, kind);
          // An integer of up to 15 digits is written as it is read, but for -0, which is written 0.
          f.deltaTextKept[k] = kind == 1 && i - from <= 15 && !(i - from == 2 && b[from] == '-' && b[from + 1] == '0');
          f.deltaCount++;
        } while (next(','));
      }
      return next('}');
    }

    /**
     * Reads a map's key and the colon after it: a plain string (a key with escapes or beyond ASCII
     * is the generic reader's, which also sees a repeated key in any spelling), not one of the
     * first {@code n} keys; where it is goes to {@code ranges} at {@code at}, its hash to {@code hashes[n]}.
     */
    private boolean key(int[] ranges, int at, int[] keyHashes, int n, long seenHashes) {
      skipSpace();
      if (!string() || !plain || !next(':')) {
        return false;
      }
      int h = 0;
      for (int k = start; k < end; k++) {
        h = 31 * h + b[k];
      }
      hash = h;
      if ((seenHashes & 1L << (hash & 63)) != 0) {
        int stride = ranges.length / keyHashes.length;
        for (int k = 0; k < n; k++) {
          if (keyHashes[k] == hash && Arrays.equals(b, ranges[stride * k], ranges[stride * k + 1], b, start, end)) {
            return false;
          }
        }
      }
      ranges[at] = start;
      ranges[at + 1] = end;
      keyHashes[n] = hash;
      return true;
    }

    /** Rates are not stored: only checked to be numbers, each key once. */
    private boolean rates() {
      if (!next('{')) {
        return false;
      }
      int n = 0;
      long hashes = 0;
      if (!peek('}')) {
        do {
          if (n == MAX_KEYS || !key(f.rateKeys, 2 * n, f.rateHashes, n, hashes)) {
            return false;
          }
          hashes |= 1L << (hash & 63);
          n++;
          skipSpace();
          if (number() == 0) {
            return false;
          }
        } while (next(','));
      }
      return next('}');
    }

    /**
     * Reads a number by JSON's grammar; returns 1 for an integer of at most 18 digits, 2 for any
     * other, 0 when it is not one (or is longer than {@link #MAX_NUMBER_CHARS}).
     */
    private int number() {
      int from = i;
      if (at('-')) {
        i++;
      }
      int digits = i;
      while (i < b.length && b[i] >= '0' && b[i] <= '9') {
        i++;
      }
      int n = i - digits;
      if (n == 0 || (n > 1 && b[digits] == '0')) {
        return 0;
      }
      boolean integral = true;
      if (at('.')) {
        integral = false;
        int fraction = ++i;
        while (i < b.length && b[i] >= '0' && b[i] <= '9') {
          i++;
        }
        if (i == fraction) {
          return 0;
        }
      }
      if (at('e') || at('E')) {
        integral = false;
        i++;
        if (at('+') || at('-')) {
          i++;
        }
        int exponent = i;
        while (i < b.length && b[i] >= '0' && b[i] <= '9') {
          i++;
        }
        if (i == exponent) {
          return 0;
        }
      }
      if (i - from > MAX_NUMBER_CHARS || !delimiter()) {
        return 0;
      }
      return integral && n <= 18 ? 1 : 2;
    }

    /** The value of the number read from {@code from}, as Jackson's {@code getDoubleValue} gives it. */
    private double value(int from, int kind) {
      if (kind == 1) {
        boolean negative = b[from] == '-';
        long v = 0;
        for (int k = negative ? from + 1 : from; k < i; k++) {
          v = v * 10 + (b[k] - '0');
        }
        return negative ? -v : v; // a long, so "-0" is 0.0 as Jackson reads it
      }
      return Double.parseDouble(new String(b, from, i - from, StandardCharsets.ISO_8859_1));
    }

    private Instant time() {
      String text = text();
      if (text == null) {
        return null;
      }
      try {
        return Json.parse(text);
      } catch (DateTimeParseException e) {
        return null;
      }
    }

    /** A string value, decoded; null when the next value is not a string or not strictly UTF-8. */
    private String text() {
      if (!string()) {
        return null;
      }
      return plain ? new String(b, start, end - start, StandardCharsets.ISO_8859_1) : decode();
    }

    /**
     * Finds the string at the position: {@link #start} and {@link #end} of its content, and whether
     * it is {@link #plain} ASCII without escapes. False when there is none, or it holds a control
     * character, which JSON does not allow raw.
     */
    private boolean string() {
      if (!at('"')) {
        return false;
      }
      byte[] bytes = b;
      int n = bytes.length;
      int k = i + 1;
      start = k;
      boolean ascii = true;
      while (true) {
        while (k < n && !SPECIAL[bytes[k] & 0xff]) {
          k++;
        }
        if (k >= n) {
          return false;
        }
        byte c = bytes[k];
        if (c == '"') {
          end = k;
          i = k + 1;
          plain = ascii;
          return true;
        }
        if (c == '\\') {
          ascii = false;
          k += 2; // the escaped character is checked when decoded; a quote there does not end the string
        } else if (c >= 0) {
          return false; // a control character
        } else {
          ascii = false;
          k++;
        }
      }
    }

    /** The last string with its escapes and UTF-8 decoded; null at anything Jackson might read otherwise. */
    private String decode() {
      StringBuilder out = f.escaped;
      out.setLength(0);
      int k = start;
      while (k < end) {
        int run = k;
        while (k < end && b[k] != '\\') {
          k++;
        }
        if (k > run && !utf8(run, k, out)) {
          return null;
        }
        if (k == end) {
          break;
        }
        if (k + 1 >= end) {
          return null;
        }
        byte e = b[k + 1];
        k += 2;
        switch (e) {
          case '"' -> out.append('"');
          case '\\' -> out.append('\\');
          case '/' -> out.append('/');
          case 'b' -> out.append('\b');
          case 'f' -> out.append('\f');
          case 'n' -> out.append('\n');
          case 'r' -> out.append('\r');
          case 't' -> out.append('\t');
          case 'u' -> {
            if (k + 4 > end) {
              return null;
            }
            int ch = 0;
            for (int d = 0; d < 4; d++) {
              int digit = Character.digit(b[k + d], 16);
              if (digit < 0) {
                return null;
              }
              ch = ch << 4 | digit;
            }
            k += 4;
            out.append((char) ch);
          }
          default -> {
            return null;
          }
        }
      }
      return out.toString();
    }

    private boolean utf8(int from, int to, StringBuilder out) {
      boolean ascii = true;
      for (int k = from; k < to && ascii; k++) {
        ascii = b[k] >= 0;
      }
      if (ascii) {
        for (int k = from; k < to; k++) {
          out.append((char) b[k]);
        }
        return true;
      }
      try {
        out.append(f.utf8.reset().decode(ByteBuffer.wrap(b, from, to - from)));
        return true;
      } catch (CharacterCodingException e) {
        return false; // malformed: the generic reader says why
      }
    }

    /** Whether what follows a value may: white space, a comma, a closing brace or bracket, or the end. */
    private boolean delimiter() {
      if (i == b.length) {
        return true;
      }
      byte c = b[i];
      return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }

    private boolean at(char c) {
      return i < b.length && b[i] == c;
    }

    /** Skips white space, then takes {@code c} if it is next. */
    private boolean next(char c) {
      skipSpace();
      if (at(c)) {
        i++;
        return true;
      }
      return false;
    }

    /** Skips white space, then says whether {@code c} is next, without taking it. */
    private boolean peek(char c) {
      skipSpace();
      return at(c);
    }

    private void skipSpace() {
      if (i < b.length && b[i] > ' ') {
        return; // compact JSON: no white space at all
      }
      while (i < b.length) {
        byte c = b[i];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
          return;
        }
        i++;
      }
    }
  }
}
