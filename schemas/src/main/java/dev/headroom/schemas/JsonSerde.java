package dev.headroom.schemas;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serde for one message record type. Reading checks the record's own invariants (its compact
 * constructor) and the {@code schema} marker, so what comes out is a valid message or a
 * {@link SerializationException} whose message is the reason a dead letter carries.
 */
public final class JsonSerde<T extends Message> implements Serde<T> {
  /** Hard limit on a message we agree to parse; larger ones are dead letters. */
  public static final int MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

  private final Class<T> type;
  private final String schemaId;
  private final ObjectReader reader;
  private final ObjectWriter writer;

  public JsonSerde(Class<T> type, String schemaId) {
    this.type = type;
    this.schemaId = schemaId;
    this.reader = Json.mapper().readerFor(type);
    this.writer = Json.mapper().writerFor(type);
  }

  public String schemaId() {
    return schemaId;
  }

  public byte[] write(T value) {
    try {
      return writer.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new SerializationException("cannot write " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
    }
  }

  public T read(byte[] bytes) {
    if (bytes == null) {
      throw new SerializationException("empty value (tombstone) where a " + schemaId + " message was expected");
    }
    if (bytes.length > MAX_MESSAGE_BYTES) {
      throw new SerializationException("message of " + bytes.length + " bytes exceeds the limit of " + MAX_MESSAGE_BYTES);
    }
    T value;
    try {
      value = reader.readValue(bytes);
    } catch (JsonProcessingException e) {
      throw new SerializationException("not a valid " + schemaId + " message: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new SerializationException("not a valid " + schemaId + " message: " + e.getMessage(), e);
    }
    if (value == null) {
      throw new SerializationException("not a valid " + schemaId + " message: JSON null");
    }
    if (!schemaId.equals(value.schema())) {
      throw new SerializationException("expected schema " + schemaId + " but the message says " + value.schema());
    }
    return value;
  }

  @Override
  public Serializer<T> serializer() {
    return (topic, data) -> data == null ? null : write(data);
  }

  @Override
  public Deserializer<T> deserializer() {
    return (topic, data) -> data == null ? null : read(data);
  }
}
