package dev.headroom.sink.internals;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A COPY line built as UTF-8 bytes, for {@link DeltaLines}: text that needs no escaping goes from
 * the message's bytes straight into the line. The fields' rules are {@link CopyLine}'s.
 */
final class ByteLine {
  private static final ThreadLocal<ByteLine> POOLED = ThreadLocal.withInitial(ByteLine::new);

  private byte[] buf = new byte[1024];
  private int len;
  private int fields;

  /** This thread's line, emptied; the next {@code pooled()} of the thread reuses it, so take {@link #bytes()} first. */
  static ByteLine pooled() {
    ByteLine line = POOLED.get();
    line.len = 0;
    line.fields = 0;
    return line;
  }

  /** Starts the next field. */
  ByteLine field() {
    if (fields++ > 0) {
      put((byte) '\t');
    }
    return this;
  }

  ByteLine put(byte b) {
    if (len == buf.length) {
      buf = Arrays.copyOf(buf, buf.length * 2);
    }
    buf[len++] = b;
    return this;
  }

  /** Bytes that need no escaping, copied as they are. */
  ByteLine raw(byte[] src, int from, int to) {
    int n = to - from;
    if (len + n > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }
    System.arraycopy(src, from, buf, len, n);
    len += n;
    return this;
  }

  /** Text already escaped for COPY, in UTF-8. */
  ByteLine text(String escaped) {
    boolean ascii = true;
    for (int i = 0; i < escaped.length() && ascii; i++) {
      ascii = escaped.charAt(i) < 0x80;
    }
    if (!ascii) {
      byte[] bytes = escaped.getBytes(StandardCharsets.UTF_8);
      return raw(bytes, 0, bytes.length);
    }
    int n = escaped.length();
    if (len + n > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }
    for (int i = 0; i < n; i++) {
      buf[len++] = (byte) escaped.charAt(i); // ASCII: one byte per character
    }
    return this;
  }

  ByteLine number(long value) {
    if (value == Long.MIN_VALUE) {
      return text(Long.toString(value));
    }
    if (value < 0) {
      put((byte) '-');
      value = -value;
    }
    int digits = 1;
    for (long v = value; v >= 10; v /= 10) {
      digits++;
    }
    if (len + digits > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + digits));
    }
    for (int i = len + digits - 1; i >= len; i--) {
      buf[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
    len += digits;
    return this;
  }

  /** The line so far, without its line end. */
  byte[] bytes() {
    return Arrays.copyOf(buf, len);
  }
}
