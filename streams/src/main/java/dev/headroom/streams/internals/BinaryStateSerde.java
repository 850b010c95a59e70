package dev.headroom.streams.internals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A compact binary serde for internal state and repartition records written for many rows of
 * every snapshot, where JSON cost more than the work done with them. The first byte is a version;
 * a value starting with {@code '{'} is the JSON form earlier versions wrote (a changelog or a
 * repartition topic written before an upgrade), read with {@link JsonStateSerde}.
 */
public abstract class BinaryStateSerde<T> implements Serde<T> {
  private final byte version;
  private final String name;
  private final JsonStateSerde<T> json;

  protected BinaryStateSerde(Class<T> type, int version) {
    if (version == '{' || version < 0 || version > 127) {
      throw new IllegalArgumentException("version " + version + " cannot be told from JSON");
    }
    this.version = (byte) version;
    this.name = type.getSimpleName();
    this.json = new JsonStateSerde<>(type);
  }

  protected abstract void write(T value, DataOutputStream out) throws IOException;

  protected abstract T read(DataInputStream in) throws IOException;

  /**
   * Reads a value written with the given version byte: this serde's own version by default. A
   * serde whose format changed overrides this to keep reading what its earlier versions wrote (a
   * changelog outlives an upgrade), and returns null for a version it does not know.
   */
  protected T read(int writtenVersion, DataInputStream in) throws IOException {
    return writtenVersion == version ? read(in) : null;
  }

  /** Size hint for the output buffer. */
  protected int sizeHint(T value) {
    return 64;
  }

  @Override
  public Serializer<T> serializer() {
    return (topic, value) -> {
      if (value == null) {
        return null;
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(sizeHint(value));
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeByte(version);
        write(value, out);
      } catch (IOException e) {
        throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
      }
      return bytes.toByteArray();
    };
  }

  @Override
  public Deserializer<T> deserializer() {
    return (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      if (bytes.length > 0 && bytes[0] == '{') {
        return json.deserializer().deserialize(topic, bytes);
      }
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
        byte v = in.readByte();
        T value = read(v, in);
        if (value == null) {
          throw new SerializationException("unknown " + name + " version " + v);
        }
        return value;
      } catch (IOException e) {
        throw new SerializationException("unreadable " + name + ": " + e, e);
      }
    };
  }

  /** An instant or null. */
  protected static void writeInstant(DataOutputStream out, Instant t) throws IOException {
    out.writeBoolean(t != null);
    if (t != null) {
      out.writeLong(t.getEpochSecond());
      out.writeInt(t.getNano());
    }
  }

  protected static Instant readInstant(DataInputStream in) throws IOException {
    return in.readBoolean() ? Instant.ofEpochSecond(in.readLong(), in.readInt()) : null;
  }
}
