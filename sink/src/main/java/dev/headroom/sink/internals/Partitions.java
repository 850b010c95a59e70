package dev.headroom.sink.internals;

import dev.headroom.sink.ResultTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The time partitions of the result tables on plain PostgreSQL, which (unlike TimescaleDB) makes
 * none by itself: before rows are written, the partitions their times need are created, aligned
 * to the table's interval from the Unix epoch, and clipped so they never overlap an existing one
 * (after the interval was changed, say). Each is recorded in {@code sink_partitions}, which is
 * what finds them again and what retention goes by. Not thread-safe: the sink's thread owns it.
 */
final class Partitions {
  private static final Logger LOG = LoggerFactory.getLogger(Partitions.class);
  /** Partition bounds are written as SQL literals (DDL takes no parameters): this form only. */
  private static final DateTimeFormatter LITERAL =
      DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS'+00'").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter SUFFIX =
      DateTimeFormatter.ofPattern("uuuuMMdd'_'HHmmssSSS").withZone(ZoneOffset.UTC);

  private final Map<ResultTable, Duration> intervals;
  /** Per table: range start to range end, in epoch milliseconds. */
  private final Map<ResultTable, TreeMap<Long, Long>> known = new EnumMap<>(ResultTable.class);
  private boolean loaded;

  Partitions(Map<ResultTable, Duration> intervals) {
    this.intervals = Map.copyOf(intervals);
  }

  /** Creates, in the connection's transaction, the partitions of {@code table} that rows at these times need. */
  void ensure(Connection c, ResultTable table, long[] timesMs) throws SQLException {
    if (!loaded) {
      load(c);
    }
    boolean reloaded = false;
    for (long t : timesMs) {
      if (covered(table, t)) {
        continue;
      }
      if (!reloaded) {
        // Another sink of the group may have created it meanwhile.
        load(c);
        reloaded = true;
        if (covered(table, t)) {
          continue;
        }
      }
      create(c, table, t);
    }
  }

  /** Forgets what it knew: after a rolled-back transaction, partitions it created may not exist. */
  void forget() {
    known.clear();
    loaded = false;
  }

  /**
   * Drops, each in the connection's transaction, the partitions of {@code table} that end at or
   * before {@code cutoff}; returns their names.
   */
  List<String> dropOlderThan(Connection c, ResultTable table, Instant cutoff) throws SQLException {
    List<String> names = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT partition_name FROM sink_partitions"
        + " WHERE table_name = ? AND range_end <= ? ORDER BY range_start")) {
      s.setString(1, table.tableName());
      s.setObject(2, OffsetDateTime.ofInstant(cutoff, ZoneOffset.UTC));
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          names.add(rs.getString(1));
        }
      }
    }
    for (String name : names) {
      requireOurs(table, name);
      try (Statement s = c.createStatement()) {
        s.execute("DROP TABLE IF EXISTS " + name);
      }
      try (PreparedStatement s = c.prepareStatement(
          "DELETE FROM sink_partitions WHERE table_name = ? AND partition_name = ?")) {
        s.setString(1, table.tableName());
        s.setString(2, name);
        s.execute();
      }
    }
    if (!names.isEmpty()) {
      forget();
    }
    return names;
  }

  private boolean covered(ResultTable table, long t) {
    TreeMap<Long, Long> ranges = known.get(table);
    if (ranges == null) {
      return false;
    }
    Map.Entry<Long, Long> floor = ranges.floorEntry(t);
    return floor != null && floor.getValue() > t;
  }

  private void create(Connection c, ResultTable table, long t) throws SQLException {
    long interval = intervals.get(table).toMillis();
    long start = Math.floorDiv(t, interval) * interval;
    long end = start + interval;
    TreeMap<Long, Long> ranges = known.computeIfAbsent(table, k -> new TreeMap<>());
    Map.Entry<Long, Long> before = ranges.floorEntry(t);
    if (before != null && before.getValue() > start) {
      start = before.getValue();
    }
    Long after = ranges.higherKey(t);
    if (after != null && after < end) {
      end = after;
    }
    String name = table.tableName() + "_p" + SUFFIX.format(Instant.ofEpochMilli(start));
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE " + name + " PARTITION OF " + table.tableName() + " FOR VALUES FROM ("
          + literal(Instant.ofEpochMilli(start)) + ") TO (" + literal(Instant.ofEpochMilli(end)) + ")");
    }
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO sink_partitions (table_name, partition_name, range_start, range_end) VALUES (?, ?, ?, ?)")) {
      s.setString(1, table.tableName());
      s.setString(2, name);
      s.setObject(3, OffsetDateTime.ofInstant(Instant.ofEpochMilli(start), ZoneOffset.UTC));
      s.setObject(4, OffsetDateTime.ofInstant(Instant.ofEpochMilli(end), ZoneOffset.UTC));
      s.execute();
    }
    ranges.put(start, end);
    LOG.debug("created partition {} of {}", name, table.tableName());
  }

  /** A timestamptz literal for DDL, quoted: digits and separators only, whatever the instant. */
  static String literal(Instant t) {
    return "'" + LITERAL.format(t) + "'";
  }

  private void load(Connection c) throws SQLException {
    known.clear();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT table_name, range_start, range_end FROM sink_partitions")) {
      while (rs.next()) {
        ResultTable table = byName(rs.getString(1));
        if (table != null) {
          known.computeIfAbsent(table, k -> new TreeMap<>()).put(
              rs.getObject(2, OffsetDateTime.class).toInstant().toEpochMilli(),
              rs.getObject(3, OffsetDateTime.class).toInstant().toEpochMilli());
        }
      }
    }
    loaded = true;
  }

  /** Names read back from sink_partitions reach DDL: only the shapes this class makes are accepted. */
  private static void requireOurs(ResultTable table, String name) {
    if (!name.matches("\\Q" + table.tableName() + "\\E_(p\\d{8}_\\d{9}|migrated)")) {
      throw new IllegalStateException("sink_partitions names " + name + ", not a partition the sink made");
    }
  }

  private static ResultTable byName(String name) {
    for (ResultTable t : ResultTable.values()) {
      if (t.tableName().equals(name)) {
        return t;
      }
    }
    return null;
  }
}
