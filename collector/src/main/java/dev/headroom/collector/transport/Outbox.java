package dev.headroom.collector.transport;

import java.util.List;

/**
 * Where the agent's sources (catalog snapshots, probes, duration logs, CDC) hand their records
 * for Kafka. {@link #publish} keeps the order of the records it is given and returns once they
 * are durable: acknowledged by Kafka, or written to the on-disk spool that replays them in order
 * when Kafka is back. It never drops a record silently; a full spool drops its oldest records and
 * counts them.
 */
public interface Outbox extends AutoCloseable {
  /** Queues the records, in order; returns once they are durable. Throws when they cannot be made durable. */
  void publish(List<OutboundRecord> records);

  @Override
  void close();
}
