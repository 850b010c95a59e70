package dev.headroom.streams.internals;

import dev.headroom.schemas.DeadLetter;
import dev.headroom.schemas.JsonSerde;
import dev.headroom.schemas.Message;
import java.time.Instant;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Reads raw input values. A value that is not a valid message becomes a dead letter with its
 * source coordinates and the reason, and processing goes on: bad input never stops a partition.
 */
public final class ParseProcessor<T extends Message> implements FixedKeyProcessor<String, byte[], Parsed<T>> {
  private final JsonSerde<T> serde;
  private FixedKeyProcessorContext<String, Parsed<T>> context;

  public ParseProcessor(JsonSerde<T> serde) {
    this.serde = serde;
  }

  @Override
  public void init(FixedKeyProcessorContext<String, Parsed<T>> context) {
    this.context = context;
  }

  @Override
  public void process(FixedKeyRecord<String, byte[]> record) {
    try {
      context.forward(record.withValue(new Parsed<>(serde.read(record.value()), null)));
    } catch (SerializationException e) {
      RecordMetadata meta = context.recordMetadata().orElse(null);
      DeadLetter letter = DeadLetter.of(meta == null ? "unknown" : meta.topic(), meta == null ? -1 : meta.partition(),
          meta == null ? -1 : meta.offset(), record.key(), record.value(), e.getMessage(),
          Instant.ofEpochMilli(context.currentSystemTimeMs()));
      context.forward(record.withValue(new Parsed<T>(null, letter)));
    }
  }
}
