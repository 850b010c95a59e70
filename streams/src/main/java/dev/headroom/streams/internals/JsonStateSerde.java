package dev.headroom.streams.internals;

import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.headroom.schemas.Json;
import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** JSON serde for internal state and repartition records (not part of the public contract). */
public final class JsonStateSerde<T> implements Serde<T> {
  private final ObjectReader reader;
  private final ObjectWriter writer;

  public JsonStateSerde(Class<T> type) {
    this.reader = Json.mapper().readerFor(type);
    this.writer = Json.mapper().writerFor(type);
  }

  @Override
  public Serializer<T> serializer() {
    return (topic, data) -> {
      if (data == null) {
        return null;
      }
      try {
        return writer.writeValueAsBytes(data);
      } catch (IOException e) {
        throw new SerializationException(e);
      }
    };
  }

  @Override
  public Deserializer<T> deserializer() {
    return (topic, data) -> {
      if (data == null) {
        return null;
      }
      try {
        return reader.readValue(data);
      } catch (IOException e) {
        throw new SerializationException(e);
      }
    };
  }
}
