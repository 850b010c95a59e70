package dev.headroom.sink.internals;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/** The SQL of the sink: upserting windows and reading and writing the stored consumer positions. */
final class SinkTables {
  private static final String UPSERT_WINDOW = """
      INSERT INTO latency_windows (instance_id, scope, window_size, window_start, window_end, count,
                                   p50_ms, p95_ms, p99_ms, max_ms, method, sketch)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (instance_id, scope, window_size, window_end) DO UPDATE SET
        window_start = EXCLUDED.window_start, count = EXCLUDED.count,
        p50_ms = EXCLUDED.p50_ms, p95_ms = EXCLUDED.p95_ms, p99_ms = EXCLUDED.p99_ms, max_ms = EXCLUDED.max_ms,
        method = EXCLUDED.method, sketch = EXCLUDED.sketch, written_at = now()
      """;
  private static final String UPSERT_OFFSET = """
      INSERT INTO sink_offsets (consumer_group, topic, partition, next_offset, updated_at)
      VALUES (?, ?, ?, ?, now())
      ON CONFLICT (consumer_group, topic, partition) DO UPDATE SET
        next_offset = EXCLUDED.next_offset, updated_at = EXCLUDED.updated_at
      """;
  private static final String SELECT_OFFSETS =
      "SELECT partition, next_offset FROM sink_offsets WHERE consumer_group = ? AND topic = ?";

  private SinkTables() {}

  /** The stored next offsets of the group's partitions of one topic. */
  static Map<Integer, Long> storedOffsets(Connection c, String group, String topic) throws SQLException {
    Map<Integer, Long> offsets = new HashMap<>();
    try (PreparedStatement s = c.prepareStatement(SELECT_OFFSETS)) {
      s.setString(1, group);
      s.setString(2, topic);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          offsets.put(rs.getInt(1), rs.getLong(2));
        }
      }
    }
    return offsets;
  }

  /**
   * Upserts the rows and the positions in the connection's current transaction; the caller commits.
   * The rows must have distinct keys: one INSERT … ON CONFLICT cannot update a row twice, and the
   * driver folds a batch into multi-row INSERTs.
   */
  static void write(Connection c, Collection<WindowRow> rows, String group, Map<TopicPartition, Long> nextOffsets)
      throws SQLException {
    if (!rows.isEmpty()) {
      try (PreparedStatement s = c.prepareStatement(UPSERT_WINDOW)) {
        for (WindowRow r : rows) {
          s.setString(1, r.instanceId());
          s.setString(2, r.scope());
          s.setString(3, r.windowSize());
          s.setObject(4, r.windowStart().atOffset(ZoneOffset.UTC));
          s.setObject(5, r.windowEnd().atOffset(ZoneOffset.UTC));
          s.setLong(6, r.count());
          s.setDouble(7, r.p50Ms());
          s.setDouble(8, r.p95Ms());
          s.setDouble(9, r.p99Ms());
          s.setDouble(10, r.maxMs());
          s.setString(11, r.method());
          s.setBytes(12, r.sketch());
          s.addBatch();
        }
        s.executeBatch();
      }
    }
    try (PreparedStatement s = c.prepareStatement(UPSERT_OFFSET)) {
      for (Map.Entry<TopicPartition, Long> e : nextOffsets.entrySet()) {
        s.setString(1, group);
        s.setString(2, e.getKey().topic());
        s.setInt(3, e.getKey().partition());
        s.setLong(4, e.getValue());
        s.addBatch();
      }
      s.executeBatch();
    }
  }
}
