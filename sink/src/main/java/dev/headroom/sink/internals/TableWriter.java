package dev.headroom.sink.internals;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Writes one table's rows of a batch in the connection's open transaction; the caller commits.
 * A table that only gains rows gets them by COPY straight in. Otherwise they are COPYed into a
 * temporary staging table and moved with one INSERT … SELECT: an upsert on the table's key (the
 * last record of a key in the batch wins, which one INSERT … ON CONFLICT could not do by itself),
 * and an upsert of each key's latest row into the latest table, never replacing a later row with
 * an earlier one.
 */
final class TableWriter {
  /** Rows are encoded into the COPY stream this many characters at a time. */
  private static final int CHUNK_CHARS = 1 << 16;
  private static final String ORDER_COLUMN = "headroom_ord";

  private TableWriter() {}

  /** Writes the rows; returns how many went in (before upserts folded any). */
  static long write(Connection c, TableSpec<?> spec, List<TableSpec.Row> rows) throws SQLException {
    return write(c, spec, rows, null);
  }

  /**
   * Writes the rows; returns how many went in (before upserts folded any).
   *
   * @param whileIngesting run once the COPY data is all sent, while the server still ingests it
   *     (null: nothing); it must not use the connection
   */
  static long write(Connection c, TableSpec<?> spec, List<TableSpec.Row> rows, Runnable whileIngesting)
      throws SQLException {
    if (rows.isEmpty()) {
      return 0;
    }
    String table = spec.table().tableName();
    String columns = String.join(", ", spec.columns());
    if (!spec.staged()) {
      return copy(c, "COPY " + table + " (" + columns + ") FROM STDIN", rows, false, whileIngesting);
    }
    String stage = "headroom_stage_" + table;
    try (Statement s = c.createStatement()) {
      // Rows vanish at commit, and with the transaction on rollback: nothing survives a batch.
      s.execute("CREATE TEMP TABLE IF NOT EXISTS " + stage + " (LIKE " + table + " INCLUDING DEFAULTS, " + ORDER_COLUMN
          + " bigint NOT NULL) ON COMMIT DELETE ROWS");
    }
    long copied = copy(c, "COPY " + stage + " (" + columns + ", " + ORDER_COLUMN + ") FROM STDIN", rows, true,
        whileIngesting);
    try (Statement s = c.createStatement()) {
      if (spec.upsertKey().isEmpty()) {
        s.executeUpdate("INSERT INTO " + table + " (" + columns + ") SELECT " + columns + " FROM " + stage
            + " ORDER BY " + ORDER_COLUMN);
      } else {
        s.executeUpdate(upsert(table, stage, spec.columns(), spec.upsertKey(), null, "written_at"));
      }
      if (spec.latest().isPresent()) {
        TableSpec.Latest latest = spec.latest().get();
        s.executeUpdate(upsert(latest.tableName(), stage, spec.columns(), latest.key(), spec.table().timeColumn(),
            "updated_at"));
      }
    }
    return copied;
  }

  /**
   * Empties the table's staging table, which otherwise keeps its rows until the commit: for
   * writing a batch row by row in one transaction.
   */
  static void clearStage(Connection c, TableSpec<?> spec) throws SQLException {
    if (spec.staged()) {
      try (Statement s = c.createStatement()) {
        s.execute("DELETE FROM headroom_stage_" + spec.table().tableName());
      }
    }
  }

  /**
   * INSERT … SELECT DISTINCT ON (key) … ON CONFLICT (key) DO UPDATE: one row per key, the latest
   * by {@code timeColumn} (when given) and then by arrival; {@code stampColumn} gets the time of writing.
   */
  private static String upsert(String table, String stage, List<String> columns, List<String> key, String timeColumn,
      String stampColumn) {
    String cols = String.join(", ", columns);
    String keys = String.join(", ", key);
    String order = keys + (timeColumn == null ? "" : ", " + timeColumn + " DESC") + ", " + ORDER_COLUMN + " DESC";
    String set = columns.stream().filter(col -> !key.contains(col)).map(col -> col + " = EXCLUDED." + col)
        .collect(Collectors.joining(", "));
    String guard = timeColumn == null ? "" : " WHERE " + table + "." + timeColumn + " <= EXCLUDED." + timeColumn;
    return "INSERT INTO " + table + " AS " + table + " (" + cols + ") SELECT DISTINCT ON (" + keys + ") " + cols
        + " FROM " + stage + " ORDER BY " + order + " ON CONFLICT (" + keys + ") DO UPDATE SET " + set
        + ", " + stampColumn + " = now()" + guard;
  }

  private static long copy(Connection c, String sql, List<TableSpec.Row> rows, boolean numbered,
      Runnable whileIngesting) throws SQLException {
    CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql);
    try {
      StringBuilder chunk = new StringBuilder(CHUNK_CHARS + 1024);
      long ord = 0;
      for (TableSpec.Row row : rows) {
        chunk.append(row.line());
        if (numbered) {
          chunk.append('\t').append(ord++);
        }
        chunk.append('\n');
        if (chunk.length() >= CHUNK_CHARS) {
          send(copy, chunk);
        }
      }
      send(copy, chunk);
      if (whileIngesting != null) {
        copy.flushCopy();
        whileIngesting.run();
      }
      return copy.endCopy();
    } finally {
      if (copy.isActive()) {
        copy.cancelCopy();
      }
    }
  }

  private static void send(CopyIn copy, StringBuilder chunk) throws SQLException {
    if (chunk.isEmpty()) {
      return;
    }
    byte[] bytes = chunk.toString().getBytes(StandardCharsets.UTF_8);
    copy.writeToCopy(bytes, 0, bytes.length);
    chunk.setLength(0);
  }
}
