package dev.headroom.sink.internals;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/** The consumer positions in {@code sink_offsets}: what the sink resumes from, written with the rows they cover. */
final class StoredOffsets {
  private static final String UPSERT_OFFSET = """
      INSERT INTO sink_offsets (consumer_group, topic, partition, next_offset, updated_at)
      VALUES (?, ?, ?, ?, now())
      ON CONFLICT (consumer_group, topic, partition) DO UPDATE SET
        next_offset = EXCLUDED.next_offset, updated_at = EXCLUDED.updated_at
      """;
  private static final String SELECT_OFFSETS =
      "SELECT topic, partition, next_offset FROM sink_offsets WHERE consumer_group = ?";

  private StoredOffsets() {}

  /** The stored next offsets of every partition the group has written. */
  static Map<TopicPartition, Long> read(Connection c, String group) throws SQLException {
    Map<TopicPartition, Long> offsets = new HashMap<>();
    try (PreparedStatement s = c.prepareStatement(SELECT_OFFSETS)) {
      s.setString(1, group);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          offsets.put(new TopicPartition(rs.getString(1), rs.getInt(2)), rs.getLong(3));
        }
      }
    }
    return offsets;
  }

  /** Upserts the positions in the connection's current transaction; the caller commits. */
  static void write(Connection c, String group, Map<TopicPartition, Long> nextOffsets) throws SQLException {
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
