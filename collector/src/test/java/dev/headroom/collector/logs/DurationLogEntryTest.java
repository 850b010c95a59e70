package dev.headroom.collector.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headroom.collector.logs.DurationMessage.Phase;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Reading one entry: csvlog fields, jsonlog lines, duration messages and log times. */
class DurationLogEntryTest {

  @Test
  void shouldSplitCsvFieldsWithQuotedCommasQuotesAndNewlines() throws Exception {
    assertThat(LogEntry.csvFields("a,\"b,\"\"c\"\"\nd\",,\"\",7"))
        .containsExactly("a", "b,\"c\"\nd", "", "", "7");
    assertThat(LogEntry.csvFields("")).containsExactly("");
    assertThat(LogEntry.csvFields("x,")).containsExactly("x", "");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "a,\"unterminated",
      "a,\"quoted\"tail,b",
      "a,un\"quoted,b"})
  void shouldRejectWhatCsvlogNeverWrites(String record) {
    assertThatThrownBy(() -> LogEntry.csvFields(record)).isInstanceOf(LogEntry.MalformedException.class);
  }

  @Test
  void shouldReadAPostgres17CsvRecord() throws Exception {
    String record = "2026-11-23 12:27:57.350 UTC,\"postgres\",\"orders\",11221,\"127.0.0.1:51628\",6b04314c.2bd5,2,"
        + "\"SELECT\",2026-11-23 12:27:56 UTC,3/0,0,LOG,00000,\"duration: 0.453 ms  statement: SELECT 'it''s, \"\"q\"\"' AS a,\n"
        + "       2 AS b\",,,,,,,,,\"app, with comma\",\"client backend\",,-69584800820847161\r\n";
    LogEntry e = LogEntry.fromCsv(record.getBytes(StandardCharsets.UTF_8));

    assertThat(e).isEqualTo(new LogEntry("2026-11-23 12:27:57.350 UTC", "orders", "LOG",
        "duration: 0.453 ms  statement: SELECT 'it''s, \"q\"' AS a,\n       2 AS b", "app, with comma",
        -69584800820847161L));
  }

  @Test
  void shouldReadAPostgres13CsvRecordWithoutQueryId() throws Exception {
    // 13: 24 columns, ending in backend_type
    String record = "2026-11-23 12:27:57.350 UTC,\"postgres\",\"orders\",11221,\"127.0.0.1:51628\",6b04314c.2bd5,2,"
        + "\"SELECT\",2026-11-23 12:27:56 UTC,3/0,0,LOG,00000,\"duration: 1.000 ms  statement: SELECT 1\",,,,,,,,,"
        + "\"psql\",\"client backend\"\n";
    LogEntry e = LogEntry.fromCsv(record.getBytes(StandardCharsets.UTF_8));

    assertThat(e.queryId()).isZero();
    assertThat(e.applicationName()).isEqualTo("psql");
    assertThat(e.database()).isEqualTo("orders");
  }

  @Test
  void shouldRejectACsvRecordWithTooFewColumns() {
    assertThatThrownBy(() -> LogEntry.fromCsv("a,b,c\n".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(LogEntry.MalformedException.class).hasMessageContaining("3 columns");
  }

  @Test
  void shouldReadAJsonlogLineLeavingOutMissingFields() throws Exception {
    String line = "{\"timestamp\":\"2026-11-23 12:27:57.665 UTC\",\"pid\":1,\"error_severity\":\"LOG\","
        + "\"message\":\"duration: 0.046 ms  execute <unnamed>: SELECT 1\",\"backend_type\":\"client backend\","
        + "\"query_id\":-3967938646136403207}\n";
    LogEntry e = LogEntry.fromJson(line.getBytes(StandardCharsets.UTF_8));

    assertThat(e).isEqualTo(new LogEntry("2026-11-23 12:27:57.665 UTC", "", "LOG",
        "duration: 0.046 ms  execute <unnamed>: SELECT 1", "", -3967938646136403207L));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"timestamp\":\"2026-11-23 12:27:57.665 UTC\",\"message\":\"duration: 1",
      "[1,2]",
      "{\"message\":\"duration: 1 ms\"}",
      "{\"timestamp\":\"2026-11-23 12:27:57.665 UTC\",\"message\":\"duration: 1 ms\",\"query_id\":\"x\"}",
      "{\"timestamp\":\"2026-11-23 12:27:57.665 UTC\",\"message\":\"duration: 1 ms\",\"query_id\":99999999999999999999}"})
  void shouldRejectMalformedJsonlogLines(String line) {
    assertThatThrownBy(() -> LogEntry.fromJson(line.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(LogEntry.MalformedException.class);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "duration: 12.345 ms  statement: SELECT 1                | 12.345 | EXECUTION",
      "duration: 1.200 ms  execute S_1: SELECT $1              | 1.2    | EXECUTION",
      "duration: 1.200 ms  execute <unnamed>: SELECT 1         | 1.2    | EXECUTION",
      "duration: 0.500 ms  execute fetch from S_2/C_3: SELECT 1 | 0.5   | EXECUTION",
      "duration: 0.100 ms                                      | 0.1    | EXECUTION",
      "duration: 3.000 ms  fastpath function call: \"lo_open\" (OID 952) | 3.0 | EXECUTION",
      "duration: 0.300 ms  parse <unnamed>: SELECT 1           | 0.3    | PLANNING",
      "duration: 0.088 ms  bind S_1: SELECT 1                  | 0.088  | PLANNING",
      "duration: 2.101 ms  plan:                               | 2.101  | OTHER",
      "duration: 7 ms  statement: SELECT 1                     | 7.0    | EXECUTION"})
  void shouldTellExecutionsFromOtherPhases(String message, double ms, Phase phase) {
    // the CSV source trims; a bare duration line has nothing after "ms"
    assertThat(DurationMessage.parse(message.replace("plan:", "plan:\nQuery Text: SELECT 1")))
        .contains(new DurationMessage(ms, phase));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', nullValues = "NULL", value = {
      "NULL",
      "checkpoint starting: time",
      "duration: ms  statement: x",
      "duration: 1.2.3 ms  statement: x",
      "duration: -1 ms  statement: x",
      "duration: 12.3 seconds",
      "duration: 12.3 ms statement: one space",
      "Duration: 1 ms"})
  void shouldNotMistakeOtherMessagesForDurations(String message) {
    assertThat(DurationMessage.parse(message)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "2026-11-23 12:27:57.665 UTC   | 2026-11-23T12:27:57.665Z",
      "2026-11-23 12:27:57.665 GMT   | 2026-11-23T12:27:57.665Z",
      "2026-11-23 15:27:57.665 +03   | 2026-11-23T12:27:57.665Z",
      "2026-11-23 08:57:57.665 -0330 | 2026-11-23T12:27:57.665Z",
      "2026-11-23 13:27:57.665 CET   | 2026-11-23T12:27:57.665Z",
      "2026-07-23 14:27:57.665 CEST  | 2026-07-23T12:27:57.665Z",
      "2026-11-23 12:27:57 UTC       | 2026-11-23T12:27:57.000Z"})
  void shouldReadLogTimesInTheirZone(String text, String expected) {
    assertThat(LogTimes.parse(text, Optional.empty())).isEqualTo(Instant.parse(expected));
  }

  @Test
  void shouldResolveADaylightSavingOverlapWithTheAbbreviationWhenTheZoneIsKnown() {
    Optional<ZoneId> berlin = Optional.of(ZoneId.of("Europe/Berlin"));
    // 2026-10-25 02:30 happens twice in Berlin: first in CEST (00:30Z), then in CET (01:30Z)
    assertThat(LogTimes.parse("2026-10-25 02:30:00.000 CEST", berlin)).isEqualTo(Instant.parse("2026-10-25T00:30:00Z"));
    assertThat(LogTimes.parse("2026-10-25 02:30:00.000 CET", berlin)).isEqualTo(Instant.parse("2026-10-25T01:30:00Z"));
    // India's IST, not Ireland's or Israel's, because the server's zone says so
    assertThat(LogTimes.parse("2026-11-23 17:57:57.665 IST", Optional.of(ZoneId.of("Asia/Kolkata"))))
        .isEqualTo(Instant.parse("2026-11-23T12:27:57.665Z"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"2026-11-23 12:27:57.665", "yesterday UTC", "2026-11-23 12:27:57.665 NOWHERE"})
  void shouldRejectWhatIsNotALogTime(String text) {
    assertThatThrownBy(() -> LogTimes.parse(text, Optional.empty())).isInstanceOf(DateTimeException.class);
  }
}
