package dev.headroom.collector.transport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's {@link Outbox}: write-through to a bounded on-disk spool, drained in order to Kafka.
 *
 * <p>{@link #publish} only appends to the spool (one commit and one fsync per call) and returns,
 * whether Kafka is up or not. One sender thread, the only user of the producer, sends the head of
 * the spool in bounded batches, waits for every acknowledgement of a batch, removes the
 * acknowledged records, and goes on; a failed batch stays at the head and is sent again after an
 * exponential backoff, so the records of one key reach Kafka in the order they were published.
 * Delivery is at least once: a record whose acknowledgement was lost (a crash, a close that gave
 * up waiting, a delivery timeout after the broker had written it) is sent again; consumers
 * deduplicate where it matters.
 *
 * <p>The spool survives a restart: an outbox opened on the same directory sends what is left
 * first. When the spool is full the oldest records are dropped, counted, and logged as a warning.
 * A record Kafka can never take (too large for the broker, an invalid topic) or an entry that
 * cannot be decoded is removed, counted as rejected and logged as an error, so it does not block
 * the records behind it.
 */
public final class SpoolingOutbox implements Outbox {
  private static final Logger LOG = LoggerFactory.getLogger(SpoolingOutbox.class);
  /** Bytes per batch as well as records, so a backlog of large records is not all in memory at once. */
  private static final long MAX_BATCH_BYTES = 16L * 1024 * 1024;
  private static final long IDLE_PARK_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long ACK_POLL_MS = 100;
  /**
   * After the drain timeout: how long the sender has to notice it should stop before it is
   * interrupted. Interrupting is the last resort: it ends a producer blocked on metadata, but also
   * closes a file channel in the middle of a commit.
   */
  private static final Duration STOP_GRACE = Duration.ofSeconds(2);
  private static final Duration INTERRUPT_GRACE = Duration.ofSeconds(5);
  private static final Duration PRODUCER_CLOSE = Duration.ofSeconds(5);

  private final SpoolOptions options;
  private final Producer<String, byte[]> producer;
  private final Spool spool;
  private final Thread sender;
  /** Publish holds the read side; close takes the write side once, so no publish outlives the spool. */
  private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private boolean closed;
  /** Closing: the sender sends what it can and stops when the spool is empty or a send fails. */
  private volatile boolean draining;
  /** The drain timed out: the sender stops now, leaving unacknowledged records in the spool. */
  private volatile boolean stopNow;

  private final AtomicLong sentRecords = new AtomicLong();
  private final AtomicLong sentBytes = new AtomicLong();
  private final AtomicLong droppedRecords = new AtomicLong();
  private final AtomicLong rejectedRecords = new AtomicLong();
  private final AtomicLong sendFailures = new AtomicLong();

  /**
   * Opens (or creates) the spool in {@code options.directory()} and starts sending. The outbox
   * owns the producer and closes it; the producer should be idempotent with {@code acks=all} (see
   * {@link #producerConfig}).
   *
   * @throws IllegalStateException when the spool cannot be opened, for instance because another
   *     outbox holds it
   */
  public SpoolingOutbox(SpoolOptions options, Producer<String, byte[]> producer) {
    this.options = Objects.requireNonNull(options, "options");
    this.producer = Objects.requireNonNull(producer, "producer");
    try {
      this.spool = Spool.open(options.directory(), options.maxBytes());
    } catch (RuntimeException e) {
      producer.close(Duration.ZERO);
      throw e;
    }
    if (spool.records() > 0) {
      LOG.info("spool {} holds {} records ({} bytes) from before; sending them first", spool.file(),
          spool.records(), spool.bytes());
    }
    this.sender = new Thread(this::sendLoop, "headroom-outbox-sender");
    sender.setDaemon(true);
    sender.start();
  }

  /**
   * An outbox with its own {@link KafkaProducer}, configured by {@link #producerConfig}.
   *
   * @param clientConfig connection settings: {@code bootstrap.servers}, security, any producer
   *     tuning; the delivery guarantees are set here
   */
  public static SpoolingOutbox create(SpoolOptions options, Map<String, ?> clientConfig, String clientId,
      int maxRequestSize) {
    Objects.requireNonNull(options, "options");
    return new SpoolingOutbox(options, new KafkaProducer<>(producerConfig(clientConfig, clientId, maxRequestSize)));
  }

  /**
   * The producer settings of the outbox: idempotent, {@code acks=all}, zstd, the given client id
   * and {@code max.request.size}, string keys and byte values. Defaults that the caller's map may
   * change: {@code delivery.timeout.ms} 120 s, {@code max.block.ms} 10 s (how long the sender
   * waits for metadata when Kafka is down before it backs off), {@code linger.ms} 20.
   */
  public static Map<String, Object> producerConfig(Map<String, ?> clientConfig, String clientId, int maxRequestSize) {
    Objects.requireNonNull(clientConfig, "clientConfig");
    if (clientConfig.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG) == null) {
      throw new IllegalArgumentException("Kafka client config " + ProducerConfig.BOOTSTRAP_SERVERS_CONFIG + " is missing");
    }
    if (clientId == null || clientId.isBlank()) {
      throw new IllegalArgumentException("Kafka " + ProducerConfig.CLIENT_ID_CONFIG + " must not be blank");
    }
    if (maxRequestSize <= 0) {
      throw new IllegalArgumentException("Kafka " + ProducerConfig.MAX_REQUEST_SIZE_CONFIG + " must be positive, was "
          + maxRequestSize);
    }
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    config.putAll(clientConfig);
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
    config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxRequestSize);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return config;
  }

  /**
   * Appends the records to the spool, in order, durably (one fsync), and returns; the sender takes
   * them from there. Never waits for Kafka.
   *
   * @throws IllegalArgumentException when a record alone is larger than the spool; nothing of the
   *     batch is spooled then
   * @throws java.io.UncheckedIOException when the spool cannot be written; nothing of the batch is
   *     spooled then
   * @throws IllegalStateException after {@link #close()}
   */
  @Override
  public void publish(List<OutboundRecord> records) {
    Objects.requireNonNull(records, "records");
    List<byte[]> entries = new ArrayList<>(records.size());
    for (OutboundRecord record : records) {
      byte[] entry = SpoolCodec.encode(Objects.requireNonNull(record, "record"));
      if (entry.length > options.maxBytes()) {
        throw new IllegalArgumentException("a record for " + record.topic() + " takes " + entry.length
            + " bytes, more than the whole spool (maxBytes " + options.maxBytes() + ")");
      }
      entries.add(entry);
    }
    lifecycle.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("the outbox on " + spool.file() + " is closed");
      }
      if (entries.isEmpty()) {
        return;
      }
      Spool.Dropped dropped = spool.append(entries);
      if (dropped.records() > 0) {
        long total = droppedRecords.addAndGet(dropped.records());
        LOG.warn("spool full ({} bytes at most): dropped the {} oldest records ({} bytes); {} dropped in total",
            options.maxBytes(), dropped.records(), dropped.bytes(), total);
      }
    } finally {
      lifecycle.readLock().unlock();
    }
    LockSupport.unpark(sender);
  }

  /**
   * Sends what it can within {@link SpoolOptions#drainTimeout()}, then stops the sender, closes
   * the producer and the spool. Records not acknowledged by then stay on disk for the next outbox
   * on this directory. Idempotent.
   */
  @Override
  public void close() {
    lifecycle.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
    } finally {
      lifecycle.writeLock().unlock();
    }
    draining = true;
    LockSupport.unpark(sender);
    join(options.drainTimeout());
    if (sender.isAlive()) {
      stopNow = true;
      LockSupport.unpark(sender);
      join(STOP_GRACE);
    }
    if (sender.isAlive()) {
      sender.interrupt();
      join(INTERRUPT_GRACE);
    }
    if (sender.isAlive()) {
      LOG.warn("the outbox sender did not stop; closing the spool {} under it", spool.file());
    }
    long left = spool.records();
    spool.close();
    LOG.info("outbox closed: {} records sent, {} left in the spool {}", sentRecords.get(), left, spool.file());
  }

  /** Records in the spool: published and not yet acknowledged by Kafka, nor dropped. */
  public long spooledRecords() {
    return spool.records();
  }

  /** Bytes of the records in the spool (their encoded size, the unit of {@link SpoolOptions#maxBytes()}). */
  public long spooledBytes() {
    return spool.bytes();
  }

  /** Records acknowledged by Kafka. */
  public long sentRecords() {
    return sentRecords.get();
  }

  /** Encoded bytes of the records acknowledged by Kafka. */
  public long sentBytes() {
    return sentBytes.get();
  }

  /** Records dropped unsent because the spool was full (oldest first). */
  public long droppedRecords() {
    return droppedRecords.get();
  }

  /** Records removed unsent because Kafka can never take them, or because they could not be decoded. */
  public long rejectedRecords() {
    return rejectedRecords.get();
  }

  /** Batches that did not reach Kafka whole and were (or will be) sent again. */
  public long sendFailures() {
    return sendFailures.get();
  }

  private void join(Duration timeout) {
    try {
      sender.join(Math.max(1, timeout.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- the sender thread ----

  private enum Outcome { ACKED, REJECTED, FAILED, ABANDONED }

  private record InFlight(Spool.Entry entry, String topic, Future<RecordMetadata> ack) {}

  private void sendLoop() {
    int failuresInRow = 0;
    try {
      while (!stopNow) {
        Exception failure;
        try {
          List<Spool.Entry> batch = spool.head(options.maxBatchRecords(), MAX_BATCH_BYTES);
          if (batch.isEmpty()) {
            if (draining) {
              return;
            }
            LockSupport.parkNanos(this, IDLE_PARK_NANOS);
            continue;
          }
          failure = sendBatch(batch);
        } catch (RuntimeException e) {
          failure = e; // the spool could not be read or written: keep trying, it may be a full disk
        }
        if (failure == null) {
          if (failuresInRow > 0) {
            LOG.info("Kafka takes records again after {} failed sends; {} records spooled", failuresInRow,
                spool.records());
            failuresInRow = 0;
          }
          continue;
        }
        if (stopNow) {
          return;
        }
        sendFailures.incrementAndGet();
        failuresInRow++;
        if (draining) {
          LOG.warn("closing: a send failed ({}); {} records stay in the spool", failure.toString(), safeRecords());
          return;
        }
        Duration wait = backoff(failuresInRow);
        if (failuresInRow == 1) {
          LOG.warn("sending to Kafka failed ({}); spooling, next try in {} ms", failure.toString(), wait.toMillis());
        } else {
          LOG.debug("sending to Kafka failed again ({}); try {} in {} ms", failure.toString(), failuresInRow + 1,
              wait.toMillis());
        }
        pause(wait);
      }
    } catch (RuntimeException | Error e) {
      LOG.error("the outbox sender stopped; {} records stay in the spool for the next start", safeRecords(), e);
    } finally {
      Thread.interrupted(); // a stop by interrupt is done; let the producer close
      try {
        producer.close(stopNow ? Duration.ZERO : PRODUCER_CLOSE);
      } catch (RuntimeException e) {
        LOG.warn("closing the producer: {}", e.toString());
      }
    }
  }

  /**
   * Sends the batch in order, waits for each acknowledgement, and removes from the spool what Kafka
   * took or rejected for good. Whatever failed stays at the head of the spool.
   *
   * @return the first failure, or null when the whole batch is done with
   */
  private Exception sendBatch(List<Spool.Entry> batch) {
    List<Long> done = new ArrayList<>(batch.size());
    List<InFlight> inFlight = new ArrayList<>(batch.size());
    Exception failure = null;
    for (Spool.Entry entry : batch) {
      OutboundRecord record;
      try {
        record = SpoolCodec.decode(entry.bytes());
      } catch (IllegalArgumentException e) {
        reject(entry, "?", e);
        done.add(entry.seq());
        continue;
      }
      InFlight f;
      try {
        f = new InFlight(entry, record.topic(), producer.send(new ProducerRecord<>(record.topic(), null,
            record.timestampMs(), record.key(), record.value())));
      } catch (RuntimeException e) {
        failure = e;
        break;
      }
      if (!f.ack().isDone()) {
        inFlight.add(f);
      } else if (await(f, done) == Outcome.FAILED) {
        // Failed at once (no metadata within max.block.ms): the rest would each wait as long again.
        failure = cause(f.ack());
        break;
      }
    }
    for (InFlight f : inFlight) {
      if (stopNow && !f.ack().isDone()) {
        failure = failure == null ? new IllegalStateException("the outbox is closing") : failure;
        continue; // keep what was acknowledged meanwhile, leave the rest in the spool
      }
      Outcome outcome = await(f, done);
      if (outcome == Outcome.ABANDONED && failure == null) {
        failure = new IllegalStateException("the outbox is closing");
      } else if (outcome == Outcome.FAILED && failure == null) {
        failure = cause(f.ack());
      }
    }
    spool.remove(done);
    return failure;
  }

  /** Waits for one acknowledgement, polling so a stop is noticed; records ACKED and REJECTED in {@code done}. */
  private Outcome await(InFlight f, List<Long> done) {
    while (true) {
      try {
        f.ack().get(ACK_POLL_MS, TimeUnit.MILLISECONDS);
        sentRecords.incrementAndGet();
        sentBytes.addAndGet(f.entry().bytes().length);
        done.add(f.entry().seq());
        return Outcome.ACKED;
      } catch (TimeoutException e) {
        if (stopNow) {
          return Outcome.ABANDONED;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Outcome.ABANDONED;
      } catch (ExecutionException e) {
        if (neverAccepted(e.getCause())) {
          reject(f.entry(), f.topic(), e.getCause());
          done.add(f.entry().seq());
          return Outcome.REJECTED;
        }
        return Outcome.FAILED;
      }
    }
  }

  /** Kafka will not take this record however often it is sent. */
  private static boolean neverAccepted(Throwable cause) {
    return cause instanceof RecordTooLargeException || cause instanceof RecordBatchTooLargeException
        || cause instanceof InvalidTopicException;
  }

  private void reject(Spool.Entry entry, String topic, Throwable cause) {
    long total = rejectedRecords.incrementAndGet();
    LOG.error("removed a spooled record that cannot be sent (topic {}, {} bytes): {}; {} rejected in total", topic,
        entry.bytes().length, cause.toString(), total);
  }

  private static Exception cause(Future<RecordMetadata> ack) {
    try {
      ack.get(0, TimeUnit.MILLISECONDS);
      return new IllegalStateException("acknowledged");
    } catch (ExecutionException e) {
      return e.getCause() instanceof Exception cause ? cause : e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return e;
    } catch (TimeoutException e) {
      return e;
    }
  }

  private Duration backoff(int failuresInRow) {
    Duration wait = options.minBackoff();
    for (int i = 1; i < failuresInRow && wait.compareTo(options.maxBackoff()) < 0; i++) {
      wait = wait.multipliedBy(2);
    }
    return wait.compareTo(options.maxBackoff()) < 0 ? wait : options.maxBackoff();
  }

  /** Sleeps for the backoff, or less when the outbox closes. */
  private void pause(Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    long left;
    while (!draining && !stopNow && (left = deadline - System.nanoTime()) > 0) {
      LockSupport.parkNanos(this, left);
      if (Thread.currentThread().isInterrupted()) {
        return;
      }
    }
  }

  private long safeRecords() {
    try {
      return spool.records();
    } catch (RuntimeException e) {
      return -1;
    }
  }
}
