package dev.headroom.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DurationLogTest {
  // Real PostgreSQL 17 csvlog lines (26 columns), one of them spanning two lines with doubled quotes.
  private static final String CSV = String.join("\n",
      "2026-11-23 09:26:13.235 UTC,,,13397,,6b0406b5.3455,1,,2026-11-23 09:26:13 UTC,,0,LOG,00000,\"ending log output to stderr\",,"
          + "\"Future log output will go to log destination \"\"csvlog\"\".\",,,,,,,\"\",\"postmaster\",,0",
      "2026-11-23 09:26:14.145 UTC,\"postgres\",\"postgres\",13460,\"127.0.0.1:43698\",6b0406b6.3494,3,\"BIND\",2026-11-23 09:26:14 UTC,"
          + "3/3,0,LOG,00000,\"duration: 0.394 ms  bind <unnamed>: /* bench:point_read */ SELECT 1 FROM t WHERE id = $1\","
          + "\"Parameters: $1 = '94899'\",,,,,,,,\"bench-worker-2\",\"client backend\",,3966298004582885734",
      "2026-11-23 09:26:14.239 UTC,\"postgres\",\"postgres\",13460,\"127.0.0.1:43698\",6b0406b6.3494,43,\"SELECT\",2026-11-23 09:26:14 UTC,"
          + "3/16,0,LOG,00000,\"duration: 0.021 ms  execute S_1: /* bench:point_read */ SELECT 1 FROM t WHERE id = $1\","
          + "\"Parameters: $1 = '10449'\",,,,,,,,\"bench-worker-2\",\"client backend\",,3966298004582885734",
      "2026-11-23 09:26:15.001 UTC,\"postgres\",\"postgres\",13461,\"[local]\",6b0406b6.3495,7,\"SELECT\",2026-11-23 09:26:14 UTC,"
          + "4/2,0,LOG,00000,\"duration: 101.250 ms  statement: SELECT 'a,\"\"b\"\"'\n  , pg_sleep(0.1)\",,,,,,,,,"
          + "\"psql\",\"client backend\",,-42",
      "");

  @Test
  void shouldKeepOnlyExecutionLinesFromCsv() throws IOException {
    List<DurationLog.Call> calls = new ArrayList<>();
    DurationLog.readCsv(new StringReader(CSV), calls::add);

    assertThat(calls).hasSize(2);
    DurationLog.Call execute = calls.get(0);
    assertThat(execute.loggedAt()).isEqualTo(Instant.parse("2026-11-23T09:26:14.239Z"));
    assertThat(execute.durationMs()).isEqualTo(0.021);
    assertThat(execute.queryId()).isEqualTo(3966298004582885734L);
    assertThat(execute.applicationName()).isEqualTo("bench-worker-2");
    assertThat(execute.backendType()).isEqualTo("client backend");
    assertThat(execute.phase()).isEqualTo("execute S_1");
    assertThat(Workload.Kind.ofText(execute.statement())).contains(Workload.Kind.POINT_READ);

    DurationLog.Call simple = calls.get(1);
    assertThat(simple.durationMs()).isEqualTo(101.25);
    assertThat(simple.queryId()).isEqualTo(-42L);
    assertThat(simple.phase()).isEqualTo("statement");
    assertThat(simple.statement()).isEqualTo("SELECT 'a,\"b\"'\n  , pg_sleep(0.1)");
  }

  @Test
  void shouldSplitQuotedCsvFieldsAcrossLines() throws IOException {
    List<List<String>> records = new ArrayList<>();
    CsvRecords.read(new StringReader("a,\"b,\"\"c\"\"\nd\",,e\r\nf\n"), records::add);

    assertThat(records).containsExactly(List.of("a", "b,\"c\"\nd", "", "e"), List.of("f"));
  }

  @Test
  void shouldReadJsonLog() throws IOException {
    String json = String.join("\n",
        "{\"timestamp\":\"2026-11-23 09:26:14.239 UTC\",\"user\":\"postgres\",\"dbname\":\"postgres\",\"pid\":13460,"
            + "\"error_severity\":\"LOG\",\"message\":\"duration: 2.118 ms  execute <unnamed>: /* bench:sleep_bimodal */ SELECT 1\","
            + "\"application_name\":\"bench-worker-1\",\"backend_type\":\"client backend\",\"query_id\":77}",
        "{\"timestamp\":\"2026-11-23 09:26:14.240 UTC\",\"message\":\"duration: 0.050 ms  parse <unnamed>: SELECT 1\",\"query_id\":77}",
        "{\"timestamp\":\"2026-11-23 09:26:14.241 UTC\",\"message\":\"checkpoint starting: time\"}",
        "");
    List<DurationLog.Call> calls = new ArrayList<>();
    DurationLog.readJson(new BufferedReader(new StringReader(json)), calls::add);

    assertThat(calls).singleElement().satisfies(c -> {
      assertThat(c.loggedAt()).isEqualTo(Instant.parse("2026-11-23T09:26:14.239Z"));
      assertThat(c.durationMs()).isEqualTo(2.118);
      assertThat(c.queryId()).isEqualTo(77L);
      assertThat(c.applicationName()).isEqualTo("bench-worker-1");
      assertThat(Workload.Kind.ofText(c.statement())).contains(Workload.Kind.SLEEP_BIMODAL);
    });
  }

  @Test
  void shouldTellExecutionPhasesFromOthers() {
    assertThat(DurationLog.parseMessage("duration: 1.5 ms  execute <unnamed>: SELECT 1"))
        .hasValueSatisfying(m -> assertThat(m.timesExecution()).isTrue());
    assertThat(DurationLog.parseMessage("duration: 1.5 ms  bind S_2: SELECT 1"))
        .hasValueSatisfying(m -> assertThat(m.timesExecution()).isFalse());
    assertThat(DurationLog.parseMessage("duration: 12.000 ms")).isEmpty(); // log_duration without text
    assertThat(DurationLog.parseMessage("connection authorized: user=postgres")).isEmpty();
  }
}
