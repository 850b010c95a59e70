package dev.headroom.collector.cdc.internals;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One captured row change in plain Java values, independent of Debezium's Connect types so the
 * mapping can be tested on its own. Column values are {@link Instant} ({@code timestamptz}),
 * {@link java.time.LocalDateTime} ({@code timestamp}), {@link java.time.Duration} ({@code interval}),
 * {@link Number}, {@link String}, {@link Boolean} or null.
 *
 * @param table {@code schema.table}
 * @param after the row after the change; null for a delete
 * @param key the primary key's values in key order, as text; empty when the table has none
 * @param lsn the WAL position of the change, the same on every delivery of it
 * @param commitTime when its transaction committed
 */
public record ChangeRow(String table, Op op, Map<String, Object> after, List<String> key, long lsn, Instant commitTime) {

  public enum Op { INSERT, UPDATE, DELETE, OTHER }

  /** The LSN as PostgreSQL writes it, e.g. {@code 0/16B3748}. */
  public static String formatLsn(long lsn) {
    return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFF_FFFFL).toUpperCase();
  }
}
