package dev.headroom.sink.internals;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
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
  /** Rows are sent into the COPY stream this many bytes at a time. */
  private static final int CHUNK_BYTES = 1 << 16;
  private static final String ORDER_COLUMN = "headroom_ord";

  private TableWriter() {}

  /** Writes the rows; returns how many went in (before upserts folded any). */
  static long write(Connection c, TableSpec<?> spec, List<TableSpec.Row> rows) throws SQLException {
    return write(c, spec, rows, null);
  }

  /**
   * Writes the rows; returns how many went in (before upserts folded any).
   *
   * @param whileIngesting run while the server ingests the COPY, after each chunk sent once a
   *     quarter of the rows is (the server has rows to work on meanwhile, and what it starts, the
   *     next batch's decoding, has the rest of the COPY to finish in), and after the last chunk;
   *     it must be cheap when it has nothing left to do and must not use the connection (null:
   *     nothing)
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
      Chunk chunk = new Chunk();
      long ord = 0;
      int sent = 0;
      for (TableSpec.Row row : rows) {
        chunk.add(row.line());
        if (numbered) {
          chunk.add('\t').add(ord++);
        }
        chunk.add('\n');
        sent++;
        if (chunk.length >= CHUNK_BYTES) {
          chunk.send(copy);
          if (whileIngesting != null && sent >= rows.size() / 4) {
            copy.flushCopy();
            whileIngesting.run();
          }
        }
      }
      chunk.send(copy);
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

  /** The bytes of the COPY stream not sent yet. */
  private static final class Chunk {
    private byte[] bytes = new byte[CHUNK_BYTES + 4096];
    private int length;

    Chunk add(byte[] line) {
      room(line.length);
      System.arraycopy(line, 0, bytes, length, line.length);
      length += line.length;
      return this;
    }

    Chunk add(char ascii) {
      room(1);
      bytes[length++] = (byte) ascii;
      return this;
    }

    Chunk add(long number) {
      String digits = Long.toString(number);
      room(digits.length());
      for (int i = 0; i < digits.length(); i++) {
        bytes[length++] = (byte) digits.charAt(i);
      }
      return this;
    }

    private void room(int n) {
      if (length + n > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + n));
      }
    }

    void send(CopyIn copy) throws SQLException {
      if (length > 0) {
        copy.writeToCopy(bytes, 0, length);
        length = 0;
      }
    }
  }
}
