package dev.headroom.collector.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.headroom.collector.logs.DurationLogFollower.Counters;
import dev.headroom.collector.logs.DurationLogFollower.Format;
import dev.headroom.collector.logs.DurationLogFollower.Options;
import dev.headroom.collector.logs.DurationLogFollower.StartAt;
import dev.headroom.schemas.Json;
import dev.headroom.schemas.LatencySample;
import dev.headroom.schemas.SchemaValidator;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The follower against a real PostgreSQL 17 writing csvlog and jsonlog at once, every statement
 * timed, auto_explain adding plan lines, and a rotation in the middle of the workload. The server
 * itself is the oracle: file_fdw reads the csvlog and pg_read_file the jsonlog, and the follower
 * must have returned exactly the execution entries they hold.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DurationLogFollowerIT {
  private static final String WORKER = "headroom-it";
  private static final int SLEEPS = 200;
  private static final int MULTI_LINE = 50;
  private static final int OWN = 20;
  // Query ids ignore aliases and constants' values: each statement below has a shape of its own.
  /** One statement over three lines, with commas, quotes and doubled quotes: one csvlog record. */
  private static final String MULTI_LINE_SQL = "SELECT 'it''s, \"quoted\", fine' AS a,\n"
      + "       2 AS b -- a comment, with \"quotes\"\n"
      + "     , 3 AS c";
  /** What counts as a sample, for the oracles: the follower's rule, in SQL. */
  private static final String EXECUTION = "'^duration: [0-9.]+ ms(  (statement: |execute |fastpath function call).*)?$'";

  private static Path work;
  private static Path logDir;
  private static EmbeddedPostgres pg;

  @BeforeAll
  static void startServer() throws IOException {
    work = Files.createTempDirectory("headroom-logs-it-");
    logDir = Files.createDirectories(work.resolve("pglog"));
    pg = EmbeddedPostgres.builder()
        .setServerConfig("listen_addresses", "127.0.0.1")
        .setServerConfig("max_connections", "20")
        .setServerConfig("shared_preload_libraries", "pg_stat_statements,auto_explain")
        .setServerConfig("compute_query_id", "on")
        .setServerConfig("logging_collector", "on")
        .setServerConfig("log_destination", "csvlog,jsonlog")
        .setServerConfig("log_directory", logDir.toString())
        .setServerConfig("log_filename", "postgresql-%Y-%m-%d_%H%M%S.log")
        .setServerConfig("log_rotation_age", "0")
        .setServerConfig("log_rotation_size", "0")
        .setServerConfig("log_min_duration_statement", "0")
        .setServerConfig("log_timezone", "UTC")
        .setServerConfig("lc_messages", "C")
        // plan lines beside every duration line: they must not become samples
        .setServerConfig("auto_explain.log_min_duration", "0")
        .start();
  }

  @AfterAll
  static void stopServer() throws IOException {
    try {
      if (pg != null) {
        pg.close();
      }
    } finally {
      if (work != null && !Boolean.getBoolean("headroom.it.keep")) { // -Dheadroom.it.keep=true to look at the logs
        try (Stream<Path> s = Files.walk(work)) {
          for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(p);
          }
        }
      }
    }
  }

  @Test
  void shouldReturnExactlyTheLoggedExecutionsAcrossRotationAndRestart() throws Exception {
    try (Connection admin = connect("headroom-collector", false);
        Connection worker = connect(WORKER, false);
        Connection simple = connect(WORKER + "-simple", true)) {
      sql(admin, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements",
          "CREATE EXTENSION IF NOT EXISTS file_fdw",
          "CREATE SERVER pglog FOREIGN DATA WRAPPER file_fdw",
          "SELECT pg_stat_statements_reset()");

      Options csvOptions = Options.defaults(logDir, Format.CSVLOG, "it/pg17", work.resolve("csv.state"))
          .withStartAt(StartAt.BEGINNING).withMaxEntriesPerPoll(64);
      Options jsonOptions = Options.defaults(logDir, Format.JSONLOG, "it/pg17", work.resolve("json.state"))
          .withMaxEntriesPerPoll(64);
      List<LatencySample> fromCsv = new ArrayList<>();
      List<LatencySample> fromJson = new ArrayList<>();
      DurationLogFollower csv = new DurationLogFollower(csvOptions);
      DurationLogFollower json = new DurationLogFollower(jsonOptions);
      Instant jsonStart = serverNow(admin);
      assertThat(pollAndCommit(json)).as("started at the end: no history").isEmpty();

      // First half, read while it is written.
      runWorkload(worker, simple, admin, SLEEPS / 2, MULTI_LINE / 2, OWN / 2);
      fromCsv.addAll(pollAndCommit(csv));
      fromJson.addAll(pollAndCommit(json));

      String before = currentLogFile(admin);
      try (Statement s = worker.createStatement()) {
        s.execute("SELECT pg_rotate_logfile()");
      }
      awaitRotation(admin, before);

      // The csv follower restarts from its state file in the middle.
      csv.close();
      csv = new DurationLogFollower(csvOptions);

      runWorkload(worker, simple, admin, SLEEPS / 2, MULTI_LINE / 2, OWN / 2);
      try (Statement s = worker.createStatement()) {
        s.execute("SELECT 'headroom-it-done' AS marker, current_database()");
      }
      long sleepId = queryId(admin, "SELECT pg_sleep($1)");
      long multiLineId = queryId(admin, "%AS a,%AS c");
      long markerId = queryId(admin, "SELECT $1 AS marker, current_database()");
      long ownId = queryId(admin, "SELECT count(*) AS own_query FROM pg_namespace");

      drainUntil(csv, fromCsv, has("query:" + markerId));
      drainUntil(json, fromJson, has("query:" + markerId));
      assertThat(pollAndCommit(csv)).isEmpty();
      assertThat(pollAndCommit(json)).isEmpty();

      // The server's own reading of the same files.
      assertThat(keys(fromCsv)).as("csvlog: every logged execution once, nothing else")
          .containsExactlyInAnyOrderElementsOf(csvOracle(admin));
      assertThat(keys(fromJson)).as("jsonlog since the follower started: every logged execution once")
          .containsExactlyInAnyOrderElementsOf(jsonOracle(admin, jsonStart));

      for (List<LatencySample> samples : List.of(fromCsv, fromJson)) {
        assertThat(samples).filteredOn(s -> s.scope().equals("query:" + sleepId)).hasSize(SLEEPS)
            .allSatisfy(s -> assertThat(s.valueMs()).isGreaterThanOrEqualTo(2.0));
        assertThat(samples).filteredOn(s -> s.scope().equals("query:" + multiLineId)).hasSize(MULTI_LINE);
        assertThat(samples).noneMatch(s -> s.scope().equals("query:" + ownId));
        assertThat(samples).extracting(LatencySample::id).doesNotHaveDuplicates();
        assertThat(samples).allSatisfy(s -> {
          assertThat(s.instanceId()).isEqualTo("it/pg17");
          assertThat(s.source()).isEqualTo("log");
          assertThat(s.weight()).isEqualTo(1.0);
          assertThat(SchemaValidator.violations(Json.mapper().writeValueAsBytes(s))).isEmpty();
        });
      }
      Counters csvCounters = csv.counters();
      assertThat(csvCounters.filesFollowed()).as("the second file after the rotation").isEqualTo(1);
      assertThat(json.counters().filesFollowed()).as("the first file and the one after the rotation").isEqualTo(2);
      for (Counters c : List.of(csvCounters, json.counters())) {
        assertThat(c.ignoredApplicationEntries()).isGreaterThanOrEqualTo(OWN / 2);
        assertThat(c.nonExecutionDurations()).as("bind and plan lines").isGreaterThan(SLEEPS / 2);
        assertThat(c.skippedMalformed() + c.skippedOverLong()).isZero();
        assertThat(c.entriesRead()).isEqualTo(c.samplesProduced() + c.nonDurationEntries() + c.nonExecutionDurations()
            + c.ignoredApplicationEntries());
      }
      csv.close();
      json.close();
    }
  }

  private static void runWorkload(Connection worker, Connection simple, Connection own, int sleeps, int multiLine,
      int ownQueries) throws SQLException {
    try (PreparedStatement sleep = worker.prepareStatement("SELECT pg_sleep(0.002)")) {
      for (int i = 0; i < sleeps; i++) { // a named server-side statement after five (bind + execute S_1)
        sleep.executeQuery().close();
      }
    }
    try (Statement s = simple.createStatement()) {
      for (int i = 0; i < multiLine; i++) {
        s.executeQuery(MULTI_LINE_SQL).close();
      }
    }
    try (Statement s = own.createStatement()) {
      for (int i = 0; i < ownQueries; i++) {
        s.executeQuery("SELECT count(*) AS own_query FROM pg_namespace").close();
      }
    }
  }

  private static List<String> csvOracle(Connection admin) throws SQLException {
    sql(admin, "CREATE FOREIGN TABLE pglog (log_time timestamp(3) with time zone, user_name text, database_name text,"
        + " process_id integer, connection_from text, session_id text, session_line_num bigint, command_tag text,"
        + " session_start_time timestamp with time zone, virtual_transaction_id text, transaction_id bigint,"
        + " error_severity text, sql_state_code text, message text, detail text, hint text, internal_query text,"
        + " internal_query_pos integer, context text, query text, query_pos integer, location text,"
        + " application_name text, backend_type text, leader_pid integer, query_id bigint)"
        + " SERVER pglog OPTIONS (program 'cat " + logDir + "/*.csv', format 'csv')");
    return oracle(admin, "SELECT log_time AS at, message, query_id, database_name AS db FROM pglog"
        + " WHERE error_severity = 'LOG' AND coalesce(application_name, '') <> 'headroom-collector'");
  }

  private static List<String> jsonOracle(Connection admin, Instant since) throws SQLException {
    return oracle(admin, "SELECT (j->>'timestamp')::timestamptz AS at, j->>'message' AS message,"
        + " (j->>'query_id')::bigint AS query_id, j->>'dbname' AS db"
        + " FROM pg_ls_logdir() f, regexp_split_to_table(pg_read_file('" + logDir + "/' || f.name), E'\\n') line,"
        + " LATERAL (SELECT line::jsonb AS j) e"
        + " WHERE f.name LIKE '%.json' AND line <> '' AND j->>'error_severity' = 'LOG'"
        + " AND coalesce(j->>'application_name', '') <> 'headroom-collector'"
        + " AND (j->>'timestamp')::timestamptz >= '" + since + "'");
  }

  /** The execution entries of a log relation, as the keys {@link #keys} makes of samples. */
  private static List<String> oracle(Connection admin, String entries) throws SQLException {
    String sql = "SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS at,"
        + " substring(message from '^duration: ([0-9.]+) ms')::float8 AS ms,"
        + " CASE WHEN coalesce(query_id, 0) <> 0 THEN 'query:' || query_id"
        + " WHEN coalesce(db, '') <> '' THEN 'db:' || db ELSE 'instance' END AS scope"
        + " FROM (" + entries + ") e WHERE message ~ " + EXECUTION;
    List<String> out = new ArrayList<>();
    try (Statement s = admin.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(key(rs.getString(1), rs.getDouble(2), rs.getString(3)));
      }
    }
    assertThat(out).as("oracle rows").isNotEmpty();
    return out;
  }

  private static List<String> keys(List<LatencySample> samples) {
    return samples.stream().map(s -> key(Json.format(s.observedAt()), s.valueMs(), s.scope())).toList();
  }

  private static String key(String at, double ms, String scope) {
    return at + " " + String.format(Locale.ROOT, "%.3f", ms) + " " + scope;
  }

  private static Predicate<List<LatencySample>> has(String scope) {
    return all -> all.stream().anyMatch(s -> s.scope().equals(scope));
  }

  private static List<LatencySample> pollAndCommit(DurationLogFollower follower) throws IOException {
    List<LatencySample> got = follower.poll();
    follower.commit();
    return got;
  }

  private static void drainUntil(DurationLogFollower follower, List<LatencySample> into,
      Predicate<List<LatencySample>> done) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
      List<LatencySample> got = pollAndCommit(follower);
      assertThat(got.size()).isLessThanOrEqualTo(64);
      into.addAll(got);
      return done.test(into);
    });
  }

  /** pg_rotate_logfile() only signals the logging collector; a file name with seconds may need a second go. */
  private static void awaitRotation(Connection admin, String before) {
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).until(() -> {
      if (currentLogFile(admin).equals(before)) {
        sql(admin, "SELECT pg_rotate_logfile()");
        return false;
      }
      return true;
    });
  }

  private static String currentLogFile(Connection admin) throws SQLException {
    try (Statement s = admin.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_current_logfile('csvlog')")) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static Instant serverNow(Connection admin) throws SQLException {
    try (Statement s = admin.createStatement(); ResultSet rs = s.executeQuery("SELECT clock_timestamp()")) {
      rs.next();
      return rs.getTimestamp(1).toInstant();
    }
  }

  private static long queryId(Connection admin, String like) throws SQLException {
    try (PreparedStatement s = admin.prepareStatement(
        "SELECT queryid FROM pg_stat_statements WHERE query LIKE ? AND queryid <> 0")) {
      s.setString(1, like);
      try (ResultSet rs = s.executeQuery()) {
        assertThat(rs.next()).as("pg_stat_statements knows " + like).isTrue();
        long id = rs.getLong(1);
        assertThat(rs.next()).as("one statement like " + like).isFalse();
        return id;
      }
    }
  }

  private static void sql(Connection c, String... statements) throws SQLException {
    try (Statement s = c.createStatement()) {
      for (String statement : statements) {
        s.execute(statement);
      }
    }
  }

  private static Connection connect(String application, boolean simpleProtocol) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", "postgres");
    props.setProperty("ApplicationName", application);
    props.setProperty("assumeMinServerVersion", "17"); // startup parameters, not SET statements of their own
    props.setProperty("connectTimeout", "10");
    props.setProperty("socketTimeout", "60");
    if (simpleProtocol) {
      props.setProperty("preferQueryMode", "simple");
    }
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres", props);
  }
}
