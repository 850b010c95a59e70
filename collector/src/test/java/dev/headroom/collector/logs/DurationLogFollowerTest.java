package dev.headroom.collector.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headroom.collector.logs.DurationLogFollower.Counters;
import dev.headroom.collector.logs.DurationLogFollower.Format;
import dev.headroom.collector.logs.DurationLogFollower.Options;
import dev.headroom.collector.logs.DurationLogFollower.StartAt;
import dev.headroom.schemas.Json;
import dev.headroom.schemas.LatencySample;
import dev.headroom.schemas.SchemaValidator;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link DurationLogFollower} on crafted and recorded log files in a temporary log directory. */
class DurationLogFollowerTest {
  @TempDir
  Path base;
  private Path logs;
  private Path state;

  @BeforeEach
  void dirs() throws IOException {
    logs = Files.createDirectories(base.resolve("log"));
    state = base.resolve("state").resolve("position.json");
  }

  // ---- what becomes a sample ----

  @ParameterizedTest
  @EnumSource(Format.class)
  void shouldTurnTheExecutionsOfARealPostgres17LogIntoSamples(Format format) throws IOException {
    // Recorded from PostgreSQL 17.5 with log_min_duration_statement = 0 and auto_explain: startup
    // lines, the JDBC driver's SET and SELECT 1 (parse, bind, execute, plan), the collector's own
    // statements, named-statement executes, and a simple-protocol statement over three lines.
    String name = "postgresql-2026-11-23_122756" + format.extension();
    Path file = logs.resolve(name);
    try (InputStream in = getClass().getResourceAsStream("pg17" + format.extension())) {
      Files.copy(in, file);
    }
    DurationLogFollower follower = follower(options(format).withStartAt(StartAt.BEGINNING));

    List<LatencySample> samples = follower.poll();

    assertThat(samples).extracting(s -> Json.format(s.observedAt()) + " " + s.valueMs() + " " + s.scope())
        .containsExactly(
            "2026-11-23T12:27:56.813Z 0.215 query:-4617938224441564086", // SET application_name (simple protocol)
            "2026-11-23T12:27:56.826Z 0.011 query:2800308901962295548", // execute <unnamed>: SELECT 1
            "2026-11-23T12:27:57.113Z 2.099 query:-2749826580604107531", // execute S_1: SELECT pg_sleep(0.002)
            "2026-11-23T12:27:57.116Z 2.1 query:-2749826580604107531",
            "2026-11-23T12:27:57.118Z 2.093 query:-2749826580604107531",
            "2026-11-23T12:27:57.350Z 0.453 query:69584800820847161", // statement: SELECT 'it''s, "quoted" … (3 lines)
            "2026-11-23T12:27:57.350Z 0.079 query:69584800820847161");
    String token = LogFiles.token(file, format.quoted()).orElseThrow();
    assertThat(samples).allSatisfy(s -> {
      assertThat(s.schema()).isEqualTo(LatencySample.SCHEMA);
      assertThat(s.instanceId()).isEqualTo("prod/orders-1");
      assertThat(s.source()).isEqualTo("log");
      assertThat(s.weight()).isEqualTo(1.0);
      assertThat(s.id()).startsWith("log:" + name + ":" + token + ":");
      assertThat(SchemaValidator.violations(Json.mapper().writeValueAsBytes(s))).isEmpty();
    });
    // the id's offset is where the entry starts: the file from there begins with its time
    String last = samples.get(samples.size() - 1).id();
    long offset = Long.parseLong(last.substring(last.lastIndexOf(':') + 1));
    String from = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).substring((int) offset);
    assertThat(from).startsWith(format == Format.CSVLOG ? "2026-11-23 12:27:57.350 UTC" : "{\"timestamp\":\"2026-11-23 12:27:57.350 UTC\"");
    assertThat(follower.counters()).isEqualTo(new Counters(25, 7, 6, 11, 1, 0, 0, 1, 0));
  }

  @ParameterizedTest
  @EnumSource(Format.class)
  void shouldScopeByQueryIdThenDatabaseThenInstance(Format format) throws IOException {
    write(format, "a", 60, line(format, 0, "orders", "app", "duration: 1.000 ms  statement: SELECT 1", 77),
        line(format, 1, "orders", "app", "duration: 2.000 ms  statement: SELECT 2", -5),
        line(format, 2, "orders", "app", "duration: 3.000 ms  statement: BEGIN", 0),
        line(format, 3, "", "", "duration: 4.000 ms  fastpath function call: \"lo_open\" (OID 952)", 0),
        line(format, 4, "orders", "app", "duration: 5.000 ms", 0));

    assertThat(follower(options(format).withStartAt(StartAt.BEGINNING)).poll())
        .extracting(LatencySample::scope, LatencySample::valueMs)
        .containsExactly(tuple("query:77", 1.0), tuple("query:-5", 2.0), tuple("db:orders", 3.0),
            tuple("instance", 4.0), tuple("db:orders", 5.0));
  }

  @Test
  void shouldReadPostgres13CsvlogWithoutQueryIds() throws IOException {
    write(Format.CSVLOG, "a", 60, LogLines.csv13(time(0), "orders", "app", "duration: 1.500 ms  statement: SELECT 1"));

    assertThat(follower(options(Format.CSVLOG).withStartAt(StartAt.BEGINNING)).poll())
        .extracting(LatencySample::scope, LatencySample::valueMs).containsExactly(tuple("db:orders", 1.5));
  }

  @ParameterizedTest
  @EnumSource(Format.class)
  void shouldSkipTheCollectorsOwnEntriesAndOtherPhases(Format format) throws IOException {
    write(format, "a", 60, line(format, 0, "orders", "headroom-collector", "duration: 9.000 ms  statement: SELECT 1", 1),
        line(format, 1, "orders", "batch", "duration: 8.000 ms  statement: SELECT 1", 2),
        line(format, 2, "orders", "app", "duration: 0.100 ms  parse <unnamed>: SELECT 1", 3),
        line(format, 3, "orders", "app", "duration: 0.100 ms  bind <unnamed>: SELECT 1", 3),
        line(format, 4, "orders", "app", "duration: 1.000 ms  execute <unnamed>: SELECT 1", 3),
        line(format, 5, "orders", "app", "duration: 1.000 ms  plan:\nQuery Text: SELECT 1\nResult", 3),
        line(format, 6, "orders", "app", "checkpoint starting: time", 0),
        line(format, 7, "orders", "app", "statement: SELECT 'duration: 5 ms'", 0));
    DurationLogFollower follower = follower(options(format).withStartAt(StartAt.BEGINNING)
        .withIgnoredApplications(Set.of("headroom-collector", "batch")));

    assertThat(follower.poll()).extracting(LatencySample::scope).containsExactly("query:3");
    assertThat(follower.counters()).isEqualTo(new Counters(8, 1, 2, 3, 2, 0, 0, 1, 0));
  }

  @Test
  void shouldSkipDurationMessagesAtOtherSeverities() throws IOException {
    String warning = LogLines.csv(time(0), "orders", "app", "duration: 1.000 ms  statement: x", 0)
        .replace(",LOG,00000,", ",WARNING,01000,");
    write(Format.CSVLOG, "a", 60, warning);

    DurationLogFollower follower = follower(options(Format.CSVLOG).withStartAt(StartAt.BEGINNING));
    assertThat(follower.poll()).isEmpty();
    assertThat(follower.counters().nonDurationEntries()).isEqualTo(1);
  }

  // ---- partial, malformed and over-long entries ----

  @Test
  void shouldLeaveAnEntryTheServerIsStillWritingForTheNextPoll() throws IOException {
    String whole = LogLines.csv(time(0), "orders", "app", "duration: 4.000 ms  statement: SELECT 'a,\"b\"'\n  , 2", 9);
    int cut = whole.indexOf("\n  , 2") + 1; // inside the quoted statement, just after its newline
    Path file = write(Format.CSVLOG, "a", 60, entry(Format.CSVLOG, 0, 1.0), whole.substring(0, cut));
    DurationLogFollower follower = follower(options(Format.CSVLOG).withStartAt(StartAt.BEGINNING));

    assertThat(follower.poll()).extracting(LatencySample::valueMs).containsExactly(1.0);
    assertThat(follower.poll()).isEmpty();
    long start = Files.size(file) - cut;
    append(file, whole.substring(cut));

    assertThat(follower.poll()).singleElement().satisfies(s -> {
      assertThat(s.valueMs()).isEqualTo(4.0);
      assertThat(s.id()).endsWith(":" + start);
    });
    assertThat(follower.counters().skippedMalformed()).isZero();
  }

  @ParameterizedTest
  @EnumSource(Format.class)
  void shouldCountMalformedEntriesAndGoOn(Format format) throws IOException {
    String broken = format == Format.CSVLOG ? "2026-11-23 12:00:00.000 UTC,duration: 1 ms,too,few,columns\n"
        : "{\"timestamp\":\"2026-11-23 12:00:00.000 UTC\",\"message\":\"duration: 1 ms\"\n";
    String badTime = line(format, 0, "orders", "app", "duration: 2.000 ms  statement: x", 1)
        .replace("2026-11-23 12:00:00.000 UTC", "2026-11-23 12:00:00.000 NOWHERE");
    write(format, "a", 60, broken, badTime, entry(format, 1, 3.0));
    DurationLogFollower follower = follower(options(format).withStartAt(StartAt.BEGINNING));

    assertThat(follower.poll()).extracting(LatencySample::valueMs).containsExactly(3.0);
    assertThat(follower.counters().skippedMalformed()).isEqualTo(2);
  }

  @ParameterizedTest
  @EnumSource(Format.class)
  void shouldSkipAndCountEntriesLongerThanTheCap(Format format) throws IOException {
    String huge = line(format, 0, "orders", "app", "duration: 5.000 ms  statement: SELECT '" + "x".repeat(200_000) + "'", 1);
    write(format, "a", 60, huge, entry(format, 1, 6.0));
    DurationLogFollower follower = follower(options(format).withStartAt(StartAt.BEGINNING).withMaxRecordBytes(4096));

    assertThat(follower.poll()).extracting(LatencySample::valueMs).containsExactly(6.0);
    assertThat(follower.counters().skippedOverLong()).isEqualTo(1);
    assertThat(follower.counters().entriesRead()).isEqualTo(2);
  }

  // ---- bounds ----

  @ParameterizedTest
  @EnumSource(Format.class)
  void shouldReadAtMostTheBoundPerPoll(Format format) throws IOException {
    List<String> entries = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      entries.add(i % 5 == 0 ? line(format, i, "orders", "app", "connection received", 0) : entry(format, i, i));
    }
    write(format, "a", 60, entries.toArray(String[]::new));
    DurationLogFollower follower = follower(options(format).withStartAt(StartAt.BEGINNING).withMaxEntriesPerPoll(10));

    assertThat(follower.poll()).hasSize(8);
    assertThat(follower.counters().entriesRead()).isEqualTo(10);
    assertThat(follower.poll()).hasSize(8);
    assertThat(follower.poll()).hasSize(4);
    assertThat(follower.poll()).isEmpty();
    assertThat(follower.counters().entriesRead()).isEqualTo(25);
  }

  // ---- where to start ----

  @ParameterizedTest
  @EnumSource(Format.class)
  void shouldNotReplayHistoryWhenStartingAtTheEnd(Format format) throws IOException {
    write(format, "old", 120, entry(format, 0, 1.0));
    Path current = write(format, "current", 60, entry(format, 1, 2.0), half(format, 2, 3.0));
    DurationLogFollower follower = follower(options(format));

    assertThat(follower.poll()).isEmpty();
    finish(current, format, 2, 3.0); // in flight when the follower started: it is read
    append(current, entry(format, 3, 4.0));

    assertThat(follower.poll()).extracting(LatencySample::valueMs).containsExactly(3.0, 4.0);
  }

  @ParameterizedTest
  @EnumSource(Format.class)
  void shouldReadAFileThatAppearsAfterAnEmptyStartFromItsStart(Format format) throws IOException {
    DurationLogFollower follower = follower(options(format));
    assertThat(follower.poll()).isEmpty();

    write(format, "first", 0, entry(format, 0, 1.0), entry(format, 1, 2.0));

    assertThat(follower.poll()).extracting(LatencySample::valueMs).containsExactly(1.0, 2.0);
  }

  @Test
  void shouldFollowOnlyTheChosenFormatsFiles() throws IOException {
    write(Format.JSONLOG, "a", 60, entry(Format.JSONLOG, 0, 1.0));
    Files.writeString(logs.resolve("postgresql.log"), "2026-11-23 12:00:00 UTC LOG:  duration: 5.000 ms  statement: x\n");
    write(Format.CSVLOG, "a", 60, entry(Format.CSVLOG, 0, 2.0));

    assertThat(follower(options(Format.CSVLOG).withStartAt(StartAt.BEGINNING)).poll())
        .extracting(LatencySample::valueMs).containsExactly(2.0);
  }

  // ---- rotation, truncation, replacement ----

  @ParameterizedTest
  @EnumSource(Format.class)
  void shouldFinishAFileThenFollowTheNextByModificationTime(Format format) throws IOException {
    // postgresql-%a names: Tue sorts after Mon by name, but was written first
    write(format, "Tue", 180, entry(format, 0, 1.0), entry(format, 1, 2.0));
    Path mon = write(format, "Mon", 120, entry(format, 2, 3.0));
    DurationLogFollower follower = follower(options(format).withStartAt(StartAt.BEGINNING));

    assertThat(follower.poll()).extracting(LatencySample::valueMs).containsExactly(1.0, 2.0, 3.0);
    append(mon, entry(format, 3, 4.0));
    write(format, "Wed", 0, entry(format, 4, 5.0));
    setAge(mon, 30);

    assertThat(follower.poll()).extracting(LatencySample::valueMs).containsExactly(4.0, 5.0);
    assertThat(follower.counters().filesFollowed()).isEqualTo(3);
  }

  @ParameterizedTest
  @EnumSource(Format.class)
  void shouldGoOnAcrossFilesWithinOneBoundedPoll(Format format) throws IOException {
    write(format, "a", 180, entry(format, 0, 1.0));
    write(format, "b", 120, entry(format, 1, 2.0));
    write(format, "c", 60, entry(format, 2, 3.0), entry(format, 3, 4.0));
    DurationLogFollower follower = follower(options(format).withStartAt(StartAt.BEGINNING).withMaxEntriesPerPoll(3));

    assertThat(follower.poll()).extracting(LatencySample::valueMs).containsExactly(1.0, 2.0, 3.0);
    assertThat(follower.poll()).extracting(LatencySample::valueMs).containsExactly(4.0);
  }

  @ParameterizedTest
  @EnumSource(Format.class)
  void shouldStartOverOnATruncatedFile(Format format) throws IOException {
    write(format, "older", 120, entry(format, 0, 0.5));
    Path current = write(format, "current", 60, entry(format, 1, 1.0), entry(format, 2, 2.0));
    DurationLogFollower follower = follower(options(format).withStartAt(StartAt.BEGINNING));
    assertThat(follower.poll()).hasSize(3);

    Files.writeString(current, entry(format, 5, 7.0)); // same name, new content, shorter

    assertThat(follower.poll()).as("the truncated file again, not the older one")
        .extracting(LatencySample::valueMs).containsExactly(7.0);
    assertThat(follower.counters().filesRestarted()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Format.class)
  void shouldStartOverOnAReusedNameEvenWhenTheNewFileIsLonger(Format format) throws IOException {
    Path mon = write(format, "Mon", 60 * 24 * 7, entry(format, 0, 1.0));
    DurationLogFollower follower = follower(options(format).withStartAt(StartAt.BEGINNING));
    List<LatencySample> before = follower.poll();
    write(format, "Tue", 60 * 24 * 6, entry(format, 1, 2.0));
    // a week later, the Monday file is truncated and rewritten past the old position
    Files.writeString(mon, entry(format, 10, 3.0) + entry(format, 11, 4.0) + entry(format, 12, 5.0));

    List<LatencySample> after = follower.poll();

    assertThat(after).extracting(LatencySample::valueMs).containsExactly(2.0, 3.0, 4.0, 5.0);
    assertThat(after.get(1).id()).as("same name and offset, new file: a new id")
        .isNotEqualTo(before.get(0).id()).startsWith("log:" + mon.getFileName() + ":").endsWith(":0");
  }

  @ParameterizedTest
  @EnumSource(Format.class)
  void shouldMoveOnWhenTheFileIsRemoved(Format format) throws IOException {
    Path a = write(format, "a", 120, entry(format, 0, 1.0));
    DurationLogFollower follower = follower(options(format).withStartAt(StartAt.BEGINNING));
    assertThat(follower.poll()).hasSize(1);
    write(format, "b", 60, entry(format, 1, 2.0));
    Files.delete(a);

    assertThat(follower.poll()).extracting(LatencySample::valueMs).containsExactly(2.0);
  }

  @Test
  void shouldDropTheUnfinishedLastEntryOfAFileTheServerLeftAfterOnePoll() throws IOException {
    Format format = Format.CSVLOG;
    write(format, "a", 120, entry(format, 0, 1.0), half(format, 1, 9.0)); // the server crashed mid-entry
    write(format, "b", 60, entry(format, 2, 2.0));
    DurationLogFollower follower = follower(options(format).withStartAt(StartAt.BEGINNING));

    assertThat(follower.poll()).extracting(LatencySample::valueMs).containsExactly(1.0);
    assertThat(follower.poll()).extracting(LatencySample::valueMs).containsExactly(2.0);
    assertThat(follower.counters()).isEqualTo(new Counters(3, 2, 0, 0, 0, 1, 0, 2, 0));
  }

  // ---- the state file ----

  @ParameterizedTest
  @EnumSource(Format.class)
  void shouldResumeAfterTheLastCommitWithoutRereading(Format format) throws IOException {
    Path file = write(format, "a", 60, entry(format, 0, 1.0), entry(format, 1, 2.0));
    Options options = options(format).withStartAt(StartAt.BEGINNING);
    DurationLogFollower first = follower(options);
    List<LatencySample> read = first.poll();
    first.commit();
    first.close();
    append(file, entry(format, 2, 3.0));

    DurationLogFollower second = follower(options);

    assertThat(read).extracting(LatencySample::valueMs).containsExactly(1.0, 2.0);
    assertThat(second.poll()).extracting(LatencySample::valueMs).containsExactly(3.0);
  }

  @ParameterizedTest
  @EnumSource(Format.class)
  void shouldReadAgainWithTheSameIdsWhatWasNotCommitted(Format format) throws IOException {
    Path file = write(format, "a", 60, entry(format, 0, 1.0));
    Options options = options(format).withStartAt(StartAt.BEGINNING);
    DurationLogFollower first = follower(options);
    first.poll();
    first.commit();
    append(file, entry(format, 1, 2.0), entry(format, 2, 3.0));
    List<LatencySample> lost = first.poll(); // published? the agent died before it could tell
    first.close();

    List<LatencySample> again = follower(options).poll();

    assertThat(again).isEqualTo(lost).hasSize(2);
  }

  @Test
  void shouldRereadTheUncommittedPartAfterARewind() throws IOException {
    Path file = write(Format.CSVLOG, "a", 60, entry(Format.CSVLOG, 0, 1.0));
    DurationLogFollower follower = follower(options(Format.CSVLOG).withStartAt(StartAt.BEGINNING));
    follower.poll();
    follower.commit();
    append(file, entry(Format.CSVLOG, 1, 2.0));
    List<LatencySample> failed = follower.poll();

    follower.rewind();

    assertThat(follower.poll()).isEqualTo(failed).hasSize(1);
  }

  @Test
  void shouldKeepTheFirstPollsEndPositionAcrossARewindBeforeAnyCommit() throws IOException {
    Path file = write(Format.CSVLOG, "a", 60, entry(Format.CSVLOG, 0, 1.0));
    DurationLogFollower follower = follower(options(Format.CSVLOG));
    assertThat(follower.poll()).isEmpty();
    append(file, entry(Format.CSVLOG, 1, 2.0));
    assertThat(follower.poll()).hasSize(1);

    follower.rewind();

    assertThat(follower.poll()).extracting(LatencySample::valueMs).containsExactly(2.0);
  }

  @Test
  void shouldNotSaveBeforeCommitNorUseAnotherFollowersState() throws IOException {
    write(Format.CSVLOG, "a", 60, entry(Format.CSVLOG, 0, 1.0));
    write(Format.JSONLOG, "a", 60, entry(Format.JSONLOG, 0, 2.0));
    DurationLogFollower csv = follower(options(Format.CSVLOG).withStartAt(StartAt.BEGINNING));
    csv.poll();
    assertThat(state).doesNotExist();
    csv.commit();
    assertThat(state).exists();

    // same state file, other format: its position does not apply
    assertThat(follower(options(Format.JSONLOG).withStartAt(StartAt.BEGINNING)).poll())
        .extracting(LatencySample::valueMs).containsExactly(2.0);
  }

  @Test
  void shouldRefuseACorruptStateFile() throws IOException {
    Files.createDirectories(state.getParent());
    Files.writeString(state, "{ not json");

    assertThatThrownBy(() -> follower(options(Format.CSVLOG)))
        .isInstanceOf(UncheckedIOException.class).hasMessageContaining(state.toString());
  }

  // ---- options ----

  @Test
  void shouldRejectBadOptionsNamingTheKey() {
    Options ok = options(Format.CSVLOG);
    assertThatThrownBy(() -> ok.withMaxEntriesPerPoll(0)).isInstanceOf(ConfigException.class)
        .hasMessageContaining(Options.MAX_ENTRIES_PER_POLL);
    assertThatThrownBy(() -> ok.withMaxRecordBytes(10)).isInstanceOf(ConfigException.class)
        .hasMessageContaining(Options.MAX_RECORD_BYTES);
    assertThatThrownBy(() -> Options.defaults(logs, Format.CSVLOG, "x", logs.resolve("state.json")))
        .isInstanceOf(ConfigException.class).hasMessageContaining(Options.STATE_FILE);
    assertThatThrownBy(() -> Options.fromConfig(Map.of(Options.DIRECTORY, logs.toString(),
        Options.STATE_FILE, state.toString(), Options.FORMAT, "stderr"), "x"))
        .isInstanceOf(ConfigException.class).hasMessageContaining(Options.FORMAT);
    assertThatThrownBy(() -> Options.fromConfig(Map.of(Options.DIRECTORY, logs.toString(),
        Options.STATE_FILE, state.toString(), Options.TIMEZONE, "Mars/Olympus"), "x"))
        .isInstanceOf(ConfigException.class).hasMessageContaining(Options.TIMEZONE);
  }

  @Test
  void shouldReadOptionsFromConfiguration() {
    Options o = Options.fromConfig(Map.of(Options.DIRECTORY, logs.toString(), Options.STATE_FILE, state.toString(),
        Options.FORMAT, "jsonlog", Options.START_AT, "beginning", Options.MAX_ENTRIES_PER_POLL, "50",
        Options.IGNORED_APPLICATIONS, "headroom-collector,backup", Options.TIMEZONE, "Europe/Berlin"), "prod/orders-1");

    assertThat(o.format()).isEqualTo(Format.JSONLOG);
    assertThat(o.startAt()).isEqualTo(StartAt.BEGINNING);
    assertThat(o.maxEntriesPerPoll()).isEqualTo(50);
    assertThat(o.maxRecordBytes()).isEqualTo(1 << 20);
    assertThat(o.ignoredApplications()).containsExactlyInAnyOrder("headroom-collector", "backup");
    assertThat(o.logTimezone()).contains(java.time.ZoneId.of("Europe/Berlin"));
    assertThat(o.instanceId()).isEqualTo("prod/orders-1");
  }

  // ---- helpers ----

  private Options options(Format format) {
    return Options.defaults(logs, format, "prod/orders-1", state);
  }

  private final List<DurationLogFollower> followers = new ArrayList<>();

  @AfterEach
  void closeFollowers() {
    followers.forEach(DurationLogFollower::close);
  }

  private DurationLogFollower follower(Options options) {
    DurationLogFollower f = new DurationLogFollower(options);
    followers.add(f);
    return f;
  }

  private static String time(int second) {
    return String.format(Locale.ROOT, "2026-11-23 12:%02d:%02d.000 UTC", second / 60, second % 60);
  }

  private static String line(Format format, int second, String db, String app, String message, long queryId) {
    return format == Format.CSVLOG ? LogLines.csv(time(second), db, app, message, queryId)
        : LogLines.json(time(second), db, app, message, queryId);
  }

  /** One timed execution of {@code ms} milliseconds (its query id is the second, to tell them apart). */
  private static String entry(Format format, int second, double ms) {
    return line(format, second, "orders", "app",
        String.format(Locale.ROOT, "duration: %.3f ms  execute S_1: SELECT $1,\n  'two lines'", ms), second + 1);
  }

  private static String half(Format format, int second, double ms) {
    String whole = entry(format, second, ms);
    return whole.substring(0, whole.length() / 2);
  }

  private static void finish(Path file, Format format, int second, double ms) throws IOException {
    String whole = entry(format, second, ms);
    append(file, whole.substring(whole.length() / 2));
  }

  /** Writes a log file modified {@code minutesAgo} minutes before now (the order files are followed in). */
  private Path write(Format format, String name, int minutesAgo, String... entries) throws IOException {
    Path file = logs.resolve("postgresql-" + name + format.extension());
    Files.writeString(file, String.join("", entries));
    setAge(file, minutesAgo);
    return file;
  }

  private static void setAge(Path file, int minutesAgo) throws IOException {
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(minutesAgo, ChronoUnit.MINUTES)));
  }

  private static void append(Path file, String... entries) throws IOException {
    Files.writeString(file, String.join("", entries), StandardOpenOption.APPEND);
  }

  private static org.assertj.core.groups.Tuple tuple(Object... values) {
    return org.assertj.core.groups.Tuple.tuple(values);
  }
}
