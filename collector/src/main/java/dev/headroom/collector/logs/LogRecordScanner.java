package dev.headroom.collector.logs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;

/**
 * Splits a log file into records at exact byte offsets, from a given offset on: one record per
 * line for jsonlog, and for csvlog one record per line outside double quotes (a quoted field may
 * hold newlines, so a statement spanning lines stays one record).
 *
 * <p>Hand-rolled rather than a CSV library (none is on the classpath, and none reports the byte
 * offset of each record or stops cleanly before a record the server is still writing): the
 * follower needs both, to resume after a restart at the first unread byte and to name each entry
 * by its offset. Working on bytes is safe for every server encoding: {@code "}, {@code ,} and
 * {@code \n} never occur inside a multi-byte character of one.
 *
 * <p>Memory is bounded by {@code maxRecordBytes}: a longer record is scanned to its end without
 * being kept and comes back as over-long ({@link Raw#bytes()} null).
 */
final class LogRecordScanner {
  private static final int CHUNK_BYTES = 64 * 1024;

  /** One complete record: bytes {@code [offset, end)} of the file, with its line end; null bytes when over-long. */
  record Raw(long offset, long end, byte[] bytes) {
    boolean overLong() {
      return bytes == null;
    }

    /** A blank line (PostgreSQL writes none; an editor or a crash might). */
    boolean blank() {
      return bytes != null && (bytes.length == 1 || bytes.length == 2 && bytes[0] == '\r');
    }
  }

  private final ReadableByteChannel in;
  private final boolean quoted;
  private final int maxRecordBytes;
  private final ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES);
  private long chunkStart;
  private int chunkPos;
  private int chunkLen;
  private long recordStart;
  private byte[] record = new byte[0];
  private int recordLen;
  private boolean overLong;
  private boolean inQuotes;
  private boolean eof;

  /**
   * @param in positioned at {@code offset}, which must be the start of a record
   * @param quoted whether double quotes protect newlines (csvlog)
   * @param maxRecordBytes longer records are skipped; 0 keeps no bytes at all (only boundaries are wanted)
   */
  LogRecordScanner(ReadableByteChannel in, long offset, boolean quoted, int maxRecordBytes) {
    this.in = in;
    this.quoted = quoted;
    this.maxRecordBytes = maxRecordBytes;
    this.chunkStart = offset;
    this.recordStart = offset;
  }

  /** The next complete record, or null when the file ends (possibly inside a record still being written). */
  Raw next() throws IOException {
    byte[] a = chunk.array();
    while (true) {
      if (chunkPos == chunkLen && !fill()) {
        return null;
      }
      int end = -1;
      for (int i = chunkPos; i < chunkLen; i++) {
        byte b = a[i];
        if (b == '"') {
          // A doubled quote inside a quoted field toggles twice, so parity is all that matters.
          inQuotes = quoted && !inQuotes;
        } else if (b == '\n' && !inQuotes) {
          end = i;
          break;
        }
      }
      int stop = end >= 0 ? end + 1 : chunkLen;
      append(a, chunkPos, stop - chunkPos);
      chunkPos = stop;
      if (end >= 0) {
        long start = recordStart;
        recordStart = chunkStart + stop;
        byte[] bytes = overLong || maxRecordBytes == 0 ? null : Arrays.copyOf(record, recordLen);
        recordLen = 0;
        overLong = false;
        return new Raw(start, recordStart, bytes);
      }
    }
  }

  /** Offset of the first byte not returned in a record: where the next read starts. */
  long resumeOffset() {
    return recordStart;
  }

  /** Whether the file ended inside a record (the server is still writing it, or it was cut short). */
  boolean endedInsideRecord() {
    return eof && chunkStart + chunkPos > recordStart;
  }

  private boolean fill() throws IOException {
    if (eof) {
      return false;
    }
    chunkStart += chunkLen;
    chunkPos = 0;
    chunkLen = 0;
    chunk.clear();
    int n;
    do {
      n = in.read(chunk);
    } while (n == 0);
    if (n < 0) {
      eof = true;
      return false;
    }
    chunkLen = n;
    return true;
  }

  private void append(byte[] src, int from, int len) {
    if (overLong || len == 0) {
      return;
    }
    if ((long) recordLen + len > maxRecordBytes) {
      overLong = true;
      record = new byte[0]; // let the partial copy go
      recordLen = 0;
      return;
    }
    if (recordLen + len > record.length) {
      int size = Math.max(recordLen + len, Math.min(maxRecordBytes, Math.max(256, record.length * 2)));
      record = Arrays.copyOf(record, size);
    }
    System.arraycopy(src, from, record, recordLen, len);
    recordLen += len;
  }
}
