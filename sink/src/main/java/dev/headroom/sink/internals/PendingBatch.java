package dev.headroom.sink.internals;

import dev.headroom.schemas.DeadLetter;
import dev.headroom.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The records of one poll, read and ready to be written in one transaction: the rows, the dead
 * letters, and the next offset of each partition. It is kept as it is across retries, so a
 * database outage holds exactly one batch in memory, and it can shed the partitions a rebalance
 * takes away.
 */
final class PendingBatch {
  private final Map<TopicPartition, List<TableSpec.Row>> rows = new LinkedHashMap<>();
  private final Map<TopicPartition, List<DeadLetterSend>> deadLetters = new LinkedHashMap<>();
  private final Map<TopicPartition, Long> nextOffsets = new LinkedHashMap<>();
  private final int records;

  private PendingBatch(int records) {
    this.records = records;
  }

  /**
   * Reads and encodes every record, each with the table of its topic; one that cannot be read or
   * never written becomes a dead letter with the reason.
   */
  static PendingBatch read(ConsumerRecords<byte[], byte[]> records, Function<String, TableSpec<?>> tableOfTopic,
      Clock clock) {
    PendingBatch batch = new PendingBatch(records.count());
    for (TopicPartition tp : records.partitions()) {
      List<ConsumerRecord<byte[], byte[]>> partitionRecords = records.records(tp);
      TableSpec<?> spec = tableOfTopic.apply(tp.topic());
      for (ConsumerRecord<byte[], byte[]> record : partitionRecords) {
        try {
          batch.rows.computeIfAbsent(tp, p -> new ArrayList<>()).add(spec.encode(record));
        } catch (SerializationException | CopyLine.UnwritableException e) {
          batch.deadLetters.computeIfAbsent(tp, p -> new ArrayList<>())
              .add(new DeadLetterSend(deadLetter(record, e.getMessage(), clock.instant())));
        }
      }
      batch.nextOffsets.put(tp, partitionRecords.get(partitionRecords.size() - 1).offset() + 1);
    }
    return batch;
  }

  /**
   * Turns a row the database refused into a dead letter with the reason; it is no longer among
   * the rows. Its offset stays covered by the batch's next offsets.
   */
  void refuse(TableSpec.Row row, String reason, Instant at) {
    TopicPartition tp = new TopicPartition(row.source().topic(), row.source().partition());
    List<TableSpec.Row> partitionRows = rows.get(tp);
    if (partitionRows != null && partitionRows.remove(row)) {
      deadLetters.computeIfAbsent(tp, p -> new ArrayList<>()).add(new DeadLetterSend(deadLetter(row.source(), reason, at)));
    }
  }

  private static ProducerRecord<String, byte[]> deadLetter(ConsumerRecord<byte[], byte[]> record, String reason,
      Instant at) {
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    DeadLetter letter = DeadLetter.of(record.topic(), record.partition(), record.offset(), key, record.value(), reason, at);
    return new ProducerRecord<>(Topics.DEADLETTER.name(), null, at.toEpochMilli(), key,
        Topics.DEAD_LETTER_SERDE.write(letter));
  }

  /** The rows by table, each partition's in offset order. */
  Map<TableSpec<?>, List<TableSpec.Row>> rowsByTable() {
    Map<TableSpec<?>, List<TableSpec.Row>> byTable = new LinkedHashMap<>();
    rows.values().forEach(list -> list.forEach(row ->
        byTable.computeIfAbsent(row.spec(), s -> new ArrayList<>()).add(row)));
    return byTable;
  }

  Map<TopicPartition, Long> nextOffsets() {
    return Map.copyOf(nextOffsets);
  }

  int records() {
    return records;
  }

  int deadLetterCount() {
    return deadLetters.values().stream().mapToInt(List::size).sum();
  }

  /** Forgets the partitions this consumer no longer owns; their new owner reads them again from the stored offsets. */
  void drop(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      rows.remove(tp);
      deadLetters.remove(tp);
      nextOffsets.remove(tp);
    }
  }

  boolean isEmpty() {
    return nextOffsets.isEmpty();
  }

  /**
   * Sends the dead letters not yet acknowledged and waits for all of them, so the offsets that move
   * past them are committed only once they are safe. A failed send is sent again on the next call.
   */
  void publishDeadLetters(Function<ProducerRecord<String, byte[]>, Future<RecordMetadata>> send, Duration timeout)
      throws DeadLetterFailure {
    List<DeadLetterSend> all = deadLetters.values().stream().flatMap(List::stream).toList();
    for (DeadLetterSend letter : all) {
      if (letter.needsSending()) {
        letter.sent = send.apply(letter.record);
      }
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (DeadLetterSend letter : all) {
      try {
        letter.sent.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (ExecutionException e) {
        throw new DeadLetterFailure("Kafka did not accept a dead letter: " + e.getCause().getMessage(), e.getCause());
      } catch (TimeoutException e) {
        throw new DeadLetterFailure("Kafka did not acknowledge a dead letter within " + timeout.toMillis() + " ms", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new DeadLetterFailure("interrupted while waiting for a dead letter to be acknowledged", e);
      }
    }
  }

  private static final class DeadLetterSend {
    final ProducerRecord<String, byte[]> record;
    Future<RecordMetadata> sent;

    DeadLetterSend(ProducerRecord<String, byte[]> record) {
      this.record = record;
    }

    boolean needsSending() {
      if (sent == null) {
        return true;
      }
      if (!sent.isDone()) {
        return false;
      }
      try {
        sent.get();
        return false;
      } catch (ExecutionException e) {
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  /** Dead letters could not be published; the batch is kept and tried again like a failed database write. */
  static final class DeadLetterFailure extends Exception {
    DeadLetterFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
