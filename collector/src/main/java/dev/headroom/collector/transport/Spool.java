package dev.headroom.collector.transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.h2.mvstore.type.ByteArrayDataType;
import org.h2.mvstore.type.LongDataType;

/**
 * A FIFO of byte entries on disk, bounded by bytes: H2's MVStore holding a map from a rising
 * sequence number to the entry.
 *
 * <p>Why MVStore and not Square's Tape (QueueFile): an MVStore commit is atomic and writes one
 * chunk, so a whole {@code publish} batch becomes durable with one write and one fsync, or not at
 * all (Tape writes every element with several synchronous writes of its own, and only adds one
 * element at a time); its chunks are checksummed and a torn last write is rolled back to the
 * previous commit on open; entries stay one per record, so the oldest can be dropped one by one;
 * and it is maintained (Tape 2 never left its 2017 beta). The price: the file is not a ring, so it
 * holds free space and recently freed chunks beyond the live entries (see
 * {@link SpoolOptions#maxBytes()}).
 *
 * <p>Every method is synchronized: commits, reads and the counts change together, and no read
 * walks a version that a concurrent commit is freeing.
 */
final class Spool implements AutoCloseable {
  static final String FILE_NAME = "outbox.spool";
  private static final String MAP_NAME = "entries";
  /** Rewrite chunks whose live share falls below this, so a long backlog does not fragment the file. */
  private static final int COMPACT_FILL_RATE = 50;
  private static final int COMPACT_WRITE_BYTES = 4 * 1024 * 1024;

  /** One stored entry and its place in the queue. */
  record Entry(long seq, byte[] bytes) {}

  /** What an append dropped from the head to stay within the bound. */
  record Dropped(long records, long bytes) {}

  private final Path file;
  private final long maxBytes;
  private final MVStore store;
  private final MVMap<Long, byte[]> entries;
  private long nextSeq;
  private long records;
  private long bytes;

  private Spool(Path file, long maxBytes, MVStore store, MVMap<Long, byte[]> entries) {
    this.file = file;
    this.maxBytes = maxBytes;
    this.store = store;
    this.entries = entries;
    Long last = entries.lastKey();
    this.nextSeq = last == null ? 0 : last + 1;
    long count = 0;
    long total = 0;
    for (Cursor<Long, byte[]> c = entries.cursor(null); c.hasNext(); ) {
      c.next();
      count++;
      total += c.getValue().length;
    }
    this.records = count;
    this.bytes = total;
  }

  /** Opens the spool in {@code directory}, creating it if needed; fails when another spool holds it. */
  static Spool open(Path directory, long maxBytes) {
    Path file = directory.resolve(FILE_NAME);
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the spool directory " + directory, e);
    }
    MVStore store;
    try {
      // Commits only when this class says so: a publish batch is durable whole or not at all.
      store = new MVStore.Builder().fileName(file.toString()).autoCommitDisabled().autoCommitBufferSize(0).open();
      // The retention time keeps freed chunks unused until the disk has surely flushed the newer
      // ones; every commit here is fsynced, and the store still keeps the chunks of its last few
      // versions. With the default (45 s) a busy spool grows its file by everything written in
      // the last 45 s; with 0 it stays within a few times maxBytes.
      store.setRetentionTime(0);
    } catch (MVStoreException e) {
      throw new IllegalStateException("cannot open the spool " + file + " (is another agent using it?): "
          + e.getMessage(), e);
    }
    try {
      MVMap<Long, byte[]> entries = store.openMap(MAP_NAME,
          new MVMap.Builder<Long, byte[]>().keyType(LongDataType.INSTANCE).valueType(ByteArrayDataType.INSTANCE));
      return new Spool(file, maxBytes, store, entries);
    } catch (RuntimeException e) {
      store.closeImmediately();
      throw new IllegalStateException("cannot read the spool " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Appends the entries in order and makes them durable with one commit and one fsync; then drops
   * the oldest entries, these included if need be, until the spool is within its bound again.
   */
  synchronized Dropped append(List<byte[]> batch) {
    long seq = nextSeq;
    long addedBytes = 0;
    long droppedRecords = 0;
    long droppedBytes = 0;
    try {
      for (byte[] entry : batch) {
        entries.put(seq++, entry);
        addedBytes += entry.length;
      }
      long total = bytes + addedBytes;
      while (total > maxBytes) {
        Long oldest = entries.firstKey();
        byte[] removed = entries.remove(oldest);
        total -= removed.length;
        droppedRecords++;
        droppedBytes += removed.length;
      }
      commit();
    } catch (RuntimeException e) {
      rollback();
      throw new UncheckedIOException(new IOException("cannot write to the spool " + file + ": " + e.getMessage(), e));
    }
    nextSeq = seq;
    records += batch.size() - droppedRecords;
    bytes += addedBytes - droppedBytes;
    return new Dropped(droppedRecords, droppedBytes);
  }

  /** Up to {@code maxEntries} entries from the head, in order, and at least one if any, up to about {@code maxBytes}. */
  synchronized List<Entry> head(int maxEntries, long maxBytes) {
    List<Entry> head = new ArrayList<>();
    long total = 0;
    for (Cursor<Long, byte[]> c = entries.cursor(null); c.hasNext() && head.size() < maxEntries; ) {
      Long seq = c.next();
      byte[] entry = c.getValue();
      if (!head.isEmpty() && total + entry.length > maxBytes) {
        break;
      }
      head.add(new Entry(seq, entry));
      total += entry.length;
    }
    return head;
  }

  /**
   * Removes these entries (those already dropped are skipped) and makes it durable.
   *
   * @return the bytes removed
   */
  synchronized long remove(Collection<Long> seqs) {
    if (seqs.isEmpty()) {
      return 0;
    }
    long removedRecords = 0;
    long removedBytes = 0;
    try {
      for (Long seq : seqs) {
        byte[] removed = entries.remove(seq);
        if (removed != null) {
          removedRecords++;
          removedBytes += removed.length;
        }
      }
      // The sender's commits double as the store's housekeeping (its background thread is off).
      store.compact(COMPACT_FILL_RATE, COMPACT_WRITE_BYTES);
      commit();
    } catch (RuntimeException e) {
      rollback();
      throw new UncheckedIOException(new IOException("cannot remove sent records from the spool " + file + ": "
          + e.getMessage(), e));
    }
    records -= removedRecords;
    bytes -= removedBytes;
    return removedBytes;
  }

  synchronized long records() {
    return records;
  }

  synchronized long bytes() {
    return bytes;
  }

  Path file() {
    return file;
  }

  private void commit() {
    store.commit();
    store.sync();
  }

  private void rollback() {
    try {
      if (!store.isClosed()) {
        store.rollback();
      }
    } catch (RuntimeException ignored) {
      // The store is broken already; the caller reports the first failure.
    }
  }

  /**
   * Closes the store; what it holds stays on disk. Without the store's compaction on close: its
   * chunk moving trips the store's own assertions (2.4.240), and the sender compacts as it goes.
   */
  @Override
  public synchronized void close() {
    if (!store.isClosed()) {
      store.close();
    }
  }
}
