package dev.headroom.sink.internals;

import dev.headroom.sink.ResultTable;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * What a writing role that owns nothing needs: SELECT, INSERT and UPDATE on the tables the sink
 * writes and on its offsets. It creates its staging tables as temporary tables (the TEMPORARY
 * privilege PostgreSQL gives every role by default); partitions, chunks and the schema stay the
 * owner's.
 */
final class Grants {
  private Grants() {}

  /** Grants, in the owner connection's transaction, what {@code writer} needs; the caller commits. */
  static void toWriter(Connection owner, String writer) throws SQLException {
    List<String> tables = new ArrayList<>();
    for (ResultTable table : ResultTable.values()) {
      tables.add(table.tableName());
      TableSpec.of(table).latest().ifPresent(latest -> tables.add(latest.tableName()));
    }
    tables.add("sink_offsets");
    try (Statement s = owner.createStatement()) {
      // Table names come from code; the role's name from configuration, quoted as an identifier.
      s.execute("GRANT SELECT, INSERT, UPDATE ON TABLE " + String.join(", ", tables) + " TO " + identifier(writer));
    }
  }

  /** A name as a quoted SQL identifier: any text, double quotes doubled. */
  static String identifier(String name) {
    if (name.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("a role name cannot contain NUL");
    }
    return '"' + name.replace("\"", "\"\"") + '"';
  }
}
