package dev.headroom.collector.logs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.headroom.schemas.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The fields of one server log entry that a latency sample needs; empty strings where the log has none. */
record LogEntry(String time, String database, String severity, String message, String applicationName, long queryId) {

  /** A record that is not a well-formed entry of its format. */
  static final class MalformedException extends Exception {
    MalformedException(String reason) {
      super(reason, null, false, false);
    }
  }

  // csvlog columns (PostgreSQL documentation, "Using CSV-Format Log Output"). 12 has 23 columns ending
  // in application_name, 13 adds backend_type (24), 14 to 17 add leader_pid and query_id (26).
  static final int CSV_LOG_TIME = 0;
  static final int CSV_DATABASE_NAME = 2;
  static final int CSV_ERROR_SEVERITY = 11;
  static final int CSV_MESSAGE = 13;
  static final int CSV_APPLICATION_NAME = 22;
  static final int CSV_QUERY_ID = 25;
  static final int CSV_MIN_COLUMNS = 23;

  /** An entry from one complete csvlog record (its line end included or not). */
  static LogEntry fromCsv(byte[] record) throws MalformedException {
    List<String> f = csvFields(new String(record, 0, contentLength(record), StandardCharsets.UTF_8));
    if (f.size() < CSV_MIN_COLUMNS) {
      throw new MalformedException("csvlog record with " + f.size() + " columns, expected at least " + CSV_MIN_COLUMNS);
    }
    long queryId = f.size() > CSV_QUERY_ID ? parseQueryId(f.get(CSV_QUERY_ID)) : 0L;
    return new LogEntry(f.get(CSV_LOG_TIME), f.get(CSV_DATABASE_NAME), f.get(CSV_ERROR_SEVERITY), f.get(CSV_MESSAGE),
        f.get(CSV_APPLICATION_NAME), queryId);
  }

  /** An entry from one jsonlog line (PostgreSQL 15+; fields without a value are left out by the server). */
  static LogEntry fromJson(byte[] record) throws MalformedException {
    JsonNode node;
    try {
      node = Json.mapper().readTree(record, 0, contentLength(record));
    } catch (JsonProcessingException e) {
      throw new MalformedException("not a JSON object: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new MalformedException("not a JSON object: " + e.getMessage());
    }
    if (node == null || !node.isObject()) {
      throw new MalformedException("not a JSON object");
    }
    JsonNode time = node.get("timestamp");
    JsonNode message = node.get("message");
    if (time == null || !time.isTextual() || message == null || !message.isTextual()) {
      throw new MalformedException("jsonlog line without timestamp or message");
    }
    JsonNode queryId = node.get("query_id");
    long id = 0L;
    if (queryId != null && !queryId.isNull()) {
      if (!queryId.canConvertToLong() || !queryId.isIntegralNumber()) {
        throw new MalformedException("query_id is not a 64-bit integer: " + queryId);
      }
      id = queryId.asLong();
    }
    return new LogEntry(time.asText(), text(node, "dbname"), text(node, "error_severity"), message.asText(),
        text(node, "application_name"), id);
  }

  /**
   * RFC 4180 fields as csvlog writes them: text fields in double quotes with quotes doubled inside
   * (and newlines kept), NULLs and numbers bare. Anything else around a quoted field is malformed.
   */
  static List<String> csvFields(String s) throws MalformedException {
    List<String> fields = new ArrayList<>(28);
    StringBuilder field = new StringBuilder(64);
    int i = 0;
    int n = s.length();
    while (true) {
      field.setLength(0);
      if (i < n && s.charAt(i) == '"') {
        i++;
        while (true) {
          if (i >= n) {
            throw new MalformedException("unterminated quoted field in csvlog record");
          }
          char c = s.charAt(i++);
          if (c == '"') {
            if (i < n && s.charAt(i) == '"') {
              field.append('"');
              i++;
            } else {
              break;
            }
          } else {
            field.append(c);
          }
        }
        if (i < n && s.charAt(i) != ',') {
          throw new MalformedException("text after a quoted field in csvlog record");
        }
      } else {
        int comma = s.indexOf(',', i);
        int end = comma < 0 ? n : comma;
        for (int j = i; j < end; j++) {
          if (s.charAt(j) == '"') {
            throw new MalformedException("quote inside an unquoted field in csvlog record");
          }
        }
        field.append(s, i, end);
        i = end;
      }
      fields.add(field.toString());
      if (i >= n) {
        return fields;
      }
      i++; // the comma
    }
  }

  private static long parseQueryId(String text) throws MalformedException {
    if (text.isEmpty()) {
      return 0L;
    }
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new MalformedException("query_id is not a 64-bit integer: " + text);
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? "" : v.asText();
  }

  /** Length without the line end ({@code \n} or {@code \r\n}). */
  private static int contentLength(byte[] record) {
    int len = record.length;
    if (len > 0 && record[len - 1] == '\n') {
      len--;
      if (len > 0 && record[len - 1] == '\r') {
        len--;
      }
    }
    return len;
  }
}
