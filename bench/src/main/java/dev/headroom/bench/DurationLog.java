package dev.headroom.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PostgreSQL's own per-statement duration lines ({@code log_min_duration_statement = 0}), read
 * from csvlog or jsonlog: the ground truth of the benchmark.
 *
 * <p>Only the lines that time a statement's execution are kept: {@code statement:} (simple
 * protocol) and {@code execute <name>:} (extended protocol). With the extended protocol the
 * server also logs the parse and bind phases as lines of their own; those are planning and
 * setup, which pg_stat_statements' execution time leaves out too, so they are dropped.
 */
public final class DurationLog {
  /** One timed statement execution as the server logged it. */
  public record Call(Instant loggedAt, double durationMs, long queryId, String applicationName, String backendType,
      String phase, String statement) {}

  /** csvlog columns of PostgreSQL 14 and later (13 has no leader_pid and query_id). */
  static final int CSV_LOG_TIME = 0;
  static final int CSV_MESSAGE = 13;
  static final int CSV_APPLICATION_NAME = 22;
  static final int CSV_BACKEND_TYPE = 23;
  static final int CSV_QUERY_ID = 25;

  private static final Pattern DURATION = Pattern.compile(
      "duration: (\\d+(?:\\.\\d+)?) ms  (statement|execute [^:]*|parse [^:]*|bind [^:]*|fastpath function call)(?:: (.*))?",
      Pattern.DOTALL);
  /** {@code log_time}: milliseconds and a zone abbreviation, as in {@code 2026-11-22 10:15:30.123 UTC}. */
  private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS z");
  private static final ObjectMapper JSON = new ObjectMapper();

  private DurationLog() {}

  /** The parts of a {@code duration: …} message, or empty when the message is something else. */
  public record Message(double durationMs, String phase, String statement) {
    public boolean timesExecution() {
      return phase.equals("statement") || phase.startsWith("execute ");
    }
  }

  public static Optional<Message> parseMessage(String message) {
    if (message == null || !message.startsWith("duration: ")) {
      return Optional.empty();
    }
    Matcher m = DURATION.matcher(message);
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of(new Message(Double.parseDouble(m.group(1)), m.group(2), m.group(3) == null ? "" : m.group(3)));
  }

  public static Instant parseLogTime(String text) {
    return ZonedDateTime.parse(text, LOG_TIME).toInstant();
  }

  /** A csvlog record as a timed execution, or empty when it is any other line. */
  public static Optional<Call> fromCsv(List<String> record) {
    if (record.size() <= CSV_QUERY_ID) {
      return Optional.empty();
    }
    return parseMessage(record.get(CSV_MESSAGE))
        .filter(Message::timesExecution)
        .map(m -> new Call(parseLogTime(record.get(CSV_LOG_TIME)), m.durationMs(),
            parseQueryId(record.get(CSV_QUERY_ID)), record.get(CSV_APPLICATION_NAME), record.get(CSV_BACKEND_TYPE),
            m.phase(), m.statement()));
  }

  /** A jsonlog line as a timed execution, or empty when it is any other line. */
  public static Optional<Call> fromJson(String line) {
    if (line.isBlank() || !line.contains("\"duration: ")) {
      return Optional.empty(); // cheap pre-filter: most lines are not duration lines
    }
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a jsonlog line: " + abbreviate(line), e);
    }
    return parseMessage(node.path("message").asText(null))
        .filter(Message::timesExecution)
        .map(m -> new Call(parseLogTime(node.path("timestamp").asText()), m.durationMs(),
            node.path("query_id").asLong(0), node.path("application_name").asText(""),
            node.path("backend_type").asText(""), m.phase(), m.statement()));
  }

  public static void readCsv(Reader in, Consumer<Call> sink) throws IOException {
    CsvRecords.read(in, record -> fromCsv(record).ifPresent(sink));
  }

  public static void readJson(BufferedReader in, Consumer<Call> sink) throws IOException {
    String line;
    while ((line = in.readLine()) != null) {
      fromJson(line).ifPresent(sink);
    }
  }

  static long parseQueryId(String text) {
    return text == null || text.isEmpty() ? 0L : Long.parseLong(text);
  }

  private static String abbreviate(String s) {
    return s.length() <= 120 ? s : s.substring(0, 120) + "…";
  }
}
