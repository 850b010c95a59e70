package dev.headroom.collector.transport;

import java.util.Objects;

/**
 * One record on its way to Kafka: topic, key (the instance id), record timestamp (the event
 * time) and the serialized value. Everything the agent publishes goes through an {@link Outbox}
 * as one of these, so the spool can hold it without knowing what it is.
 */
public record OutboundRecord(String topic, String key, long timestampMs, byte[] value) {
  public OutboundRecord {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(value, "value");
  }
}
