package dev.headroom.collector.transport;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One {@link OutboundRecord} as one spool entry. Format 1: the format byte, topic (int length,
 * UTF-8), key (int length or -1 for none, UTF-8), timestamp (long), value (int length, bytes); big
 * endian. A later format gets a new leading byte, and the decoder keeps reading the old ones, so a
 * spool written by an older agent replays after an upgrade.
 */
final class SpoolCodec {
  static final byte FORMAT_1 = 1;
  private static final int FRAMING = 1 + 4 + 4 + 8 + 4;

  private SpoolCodec() {}

  static byte[] encode(OutboundRecord record) {
    byte[] topic = record.topic().getBytes(StandardCharsets.UTF_8);
    byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
    byte[] value = record.value();
    ByteBuffer out = ByteBuffer.allocate(FRAMING + topic.length + (key == null ? 0 : key.length) + value.length);
    out.put(FORMAT_1);
    out.putInt(topic.length).put(topic);
    if (key == null) {
      out.putInt(-1);
    } else {
      out.putInt(key.length).put(key);
    }
    out.putLong(record.timestampMs());
    out.putInt(value.length).put(value);
    return out.array();
  }

  /** @throws IllegalArgumentException when the entry is not a record this codec wrote */
  static OutboundRecord decode(byte[] entry) {
    if (entry.length == 0) {
      throw new IllegalArgumentException("empty spool entry");
    }
    if (entry[0] != FORMAT_1) {
      throw new IllegalArgumentException("spool entry has unknown format " + entry[0]);
    }
    try {
      ByteBuffer in = ByteBuffer.wrap(entry, 1, entry.length - 1);
      String topic = new String(bytes(in, in.getInt(), "topic"), StandardCharsets.UTF_8);
      int keyLength = in.getInt();
      String key = keyLength == -1 ? null : new String(bytes(in, keyLength, "key"), StandardCharsets.UTF_8);
      long timestampMs = in.getLong();
      byte[] value = bytes(in, in.getInt(), "value");
      if (in.hasRemaining()) {
        throw new IllegalArgumentException("spool entry has " + in.remaining() + " bytes past its value");
      }
      return new OutboundRecord(topic, key, timestampMs, value);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("spool entry is truncated (" + entry.length + " bytes)", e);
    }
  }

  private static byte[] bytes(ByteBuffer in, int length, String field) {
    if (length < 0 || length > in.remaining()) {
      throw new IllegalArgumentException("spool entry has a bad " + field + " length " + length);
    }
    byte[] bytes = new byte[length];
    in.get(bytes);
    return bytes;
  }
}
