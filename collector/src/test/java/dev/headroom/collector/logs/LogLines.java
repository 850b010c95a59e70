package dev.headroom.collector.logs;

import dev.headroom.schemas.Json;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Log entries as PostgreSQL 17 writes them to csvlog (26 columns) and jsonlog, for tests. */
final class LogLines {
  private LogLines() {}

  /** A csvlog record: text fields quoted with quotes doubled, an empty database or application left NULL. */
  static String csv(String time, String database, String application, String message, long queryId) {
    return time + ",\"postgres\"," + quoted(database) + ",4242,\"127.0.0.1:50000\",6b04314c.1092,7,\"SELECT\","
        + "2026-11-23 12:00:00 UTC,3/16,0,LOG,00000," + quoted(message) + ",,,,,,,,," + quoted(application)
        + ",\"client backend\",," + queryId + "\n";
  }

  /** A csvlog record of PostgreSQL 13: 24 columns, no leader_pid and query_id. */
  static String csv13(String time, String database, String application, String message) {
    String full = csv(time, database, application, message, 0);
    return full.substring(0, full.lastIndexOf(",,")) + "\n";
  }

  /** A jsonlog line: fields without a value left out, as the server does. */
  static String json(String time, String database, String application, String message, long queryId) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("timestamp", time);
    m.put("user", "postgres");
    if (!database.isEmpty()) {
      m.put("dbname", database);
    }
    m.put("pid", 4242);
    m.put("session_id", "6b04314c.1092");
    m.put("error_severity", "LOG");
    m.put("message", message);
    if (!application.isEmpty()) {
      m.put("application_name", application);
    }
    m.put("backend_type", "client backend");
    m.put("query_id", queryId);
    try {
      return Json.mapper().writeValueAsString(m) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String quoted(String text) {
    return text.isEmpty() ? "" : "\"" + text.replace("\"", "\"\"") + "\"";
  }
}
