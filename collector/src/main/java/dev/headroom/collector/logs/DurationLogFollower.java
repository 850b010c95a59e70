package dev.headroom.collector.logs;

import dev.headroom.collector.logs.LogFiles.LogFile;
import dev.headroom.collector.logs.LogRecordScanner.Raw;
import dev.headroom.schemas.LatencySample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows PostgreSQL's csvlog or jsonlog files on the database host and turns every timed
 * statement execution ({@code log_min_duration_statement}) into an exact latency sample.
 *
 * <p>Use: {@link #poll()} returns what is new, at most {@link Options#maxEntriesPerPoll()} log
 * entries' worth; the caller publishes the samples and, once they are durable, calls
 * {@link #commit()}, which saves the position reached to the state file. After a crash the
 * follower resumes at the last committed position, so samples may come twice but are never lost
 * (at least once); each carries a dedupe {@code id} that is the same on every read:
 * {@code log:<file name>:<file token>:<byte offset>}, the token being a hash of the file's first
 * bytes so that a reused file name ({@code log_truncate_on_rotation}) does not repeat ids.
 * Call {@code commit()} after every poll whose samples are durable, also when it returned none:
 * the position moves over entries that are not samples too.
 *
 * <p>Files are followed oldest first by modification time (then name): the current file is read
 * to its last complete record, then the next one from its start. A record the server is still
 * writing is left for the next poll. A file that shrank below the position, or whose first bytes
 * changed (the name now holds a new file), or that disappeared, is given up: the follower goes on
 * with the oldest file modified since it last saw its file, from the start.
 *
 * <p>Samples: {@code observed_at} is the entry's log time (the end of the statement, millisecond
 * precision), {@code value_ms} the logged duration, weight 1, source {@code log}, scope
 * {@code query:<query_id>} when the entry carries a query id (PostgreSQL 14+ with
 * compute_query_id), else {@code db:<database>}, else {@code instance}. Only executions become
 * samples (simple-protocol statements, extended-protocol executes, fastpath calls, bare duration
 * lines); parse and bind phases and auto_explain's plan lines are counted and skipped, as are
 * entries of the ignored applications (the collector's own queries).
 *
 * <p>Requires the server's messages in English ({@code lc_messages} C or en_*) and read access to
 * the log directory ({@code log_file_mode} 0640 and the agent in the server's group, or the agent
 * running as the server's user). Not thread-safe, except {@link #counters()}.
 */
public final class DurationLogFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DurationLogFollower.class);
  static final String SOURCE = "log";
  private static final byte[] DURATION = "duration: ".getBytes(StandardCharsets.US_ASCII);

  /** The server's log format: {@code log_destination} csvlog or jsonlog (PostgreSQL 15+). */
  public enum Format {
    CSVLOG("csvlog", ".csv", true),
    JSONLOG("jsonlog", ".json", false);

    private final String configName;
    private final String extension;
    private final boolean quoted;

    Format(String configName, String extension, boolean quoted) {
      this.configName = configName;
      this.extension = extension;
      this.quoted = quoted;
    }

    /** The name {@code log_destination} uses, as in the configuration. */
    public String configName() {
      return configName;
    }

    /** The extension the logging collector gives the format's files. */
    public String extension() {
      return extension;
    }

    boolean quoted() {
      return quoted;
    }

    public static Format of(String configName) {
      for (Format f : values()) {
        if (f.configName.equals(configName)) {
          return f;
        }
      }
      throw new IllegalArgumentException("unknown log format '" + configName + "'; known: csvlog, jsonlog");
    }
  }

  /** Where a follower without a saved position starts. */
  public enum StartAt {
    /** After the last complete entry of the newest file: history is not replayed (a file that appears later is new). */
    END,
    /** At the start of the oldest file. */
    BEGINNING;

    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static StartAt of(String configName) {
      return valueOf(configName.toUpperCase(Locale.ROOT));
    }
  }

  /**
   * Everything the follower is told. Build with {@link #defaults} and the {@code with…} methods, or
   * from configuration with {@link #fromConfig}; a bad value fails here, naming its key.
   *
   * @param logDirectory the server's {@code log_directory}, absolute
   * @param format the server's log format
   * @param instanceId the monitored instance, as in every sample
   * @param pollInterval how often the caller polls (the follower does not schedule itself)
   * @param stateFile where {@link #commit()} saves the position
   * @param startAt where to start when the state file holds no position for this directory and format
   * @param maxEntriesPerPoll at most this many log entries are read by one poll
   * @param maxRecordBytes longer entries are skipped and counted, never held in memory
   * @param ignoredApplications entries of these application_names are not samples (the agent's own queries)
   * @param logTimezone the server's {@code log_timezone}, to read named zone abbreviations; empty: as Java reads them
   */
  public record Options(Path logDirectory, Format format, String instanceId, Duration pollInterval, Path stateFile,
      StartAt startAt, int maxEntriesPerPoll, int maxRecordBytes, Set<String> ignoredApplications,
      Optional<ZoneId> logTimezone) {

    public static final String DIRECTORY = "logs.directory";
    public static final String FORMAT = "logs.format";
    public static final String POLL_INTERVAL_MS = "logs.poll.interval.ms";
    public static final String STATE_FILE = "logs.state.file";
    public static final String START_AT = "logs.start";
    public static final String MAX_ENTRIES_PER_POLL = "logs.max.entries.per.poll";
    public static final String MAX_RECORD_BYTES = "logs.max.record.bytes";
    public static final String IGNORED_APPLICATIONS = "logs.ignored.applications";
    public static final String TIMEZONE = "logs.timezone";
    /** What the collector's own connections call themselves. */
    public static final String COLLECTOR_APPLICATION = "headroom-collector";

    static final int MIN_RECORD_BYTES = 1024;

    /** The duration log settings, to merge into the agent's configuration. */
    public static final ConfigDef CONFIG_DEF = new ConfigDef()
        .define(DIRECTORY, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
            "The server's log_directory (absolute) on this host, which the agent can read.")
        .define(FORMAT, Type.STRING, Format.CSVLOG.configName(), ValidString.in("csvlog", "jsonlog"), Importance.HIGH,
            "The server's log_destination to follow: csvlog, or jsonlog (PostgreSQL 15+).")
        .define(POLL_INTERVAL_MS, Type.LONG, 1_000L, Range.between(10, 3_600_000), Importance.MEDIUM,
            "Time between polls of the log directory.")
        .define(STATE_FILE, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
            "File where the read position is saved once the samples read up to it are published.")
        .define(START_AT, Type.STRING, StartAt.END.configName(), ValidString.in("end", "beginning"), Importance.MEDIUM,
            "Where to start without a saved position: end (skip the existing log) or beginning (replay it).")
        .define(MAX_ENTRIES_PER_POLL, Type.INT, 10_000, Range.between(1, 10_000_000), Importance.LOW,
            "At most this many log entries are read per poll, so a backlog is read in bounded steps.")
        .define(MAX_RECORD_BYTES, Type.INT, 1 << 20, Range.between(MIN_RECORD_BYTES, 1 << 30), Importance.LOW,
            "Log entries longer than this are skipped and counted instead of being held in memory.")
        .define(IGNORED_APPLICATIONS, Type.LIST, COLLECTOR_APPLICATION, Importance.LOW,
            "application_names whose entries are not samples; by default the collector's own.")
        .define(TIMEZONE, Type.STRING, "", new TimeZoneValidator(), Importance.LOW,
            "The server's log_timezone (e.g. Europe/Berlin), needed only when it logs named abbreviations such as"
                + " CET/CEST; empty reads them as Java does.");

    public Options {
      if (logDirectory == null) {
        throw new ConfigException(DIRECTORY, null, "is required");
      }
      logDirectory = logDirectory.toAbsolutePath().normalize();
      if (format == null) {
        throw new ConfigException(FORMAT, null, "is required");
      }
      if (instanceId == null || instanceId.isBlank()) {
        throw new ConfigException("instance.id", instanceId, "is required");
      }
      if (pollInterval == null || pollInterval.compareTo(Duration.ofMillis(10)) < 0) {
        throw new ConfigException(POLL_INTERVAL_MS, pollInterval, "must be at least 10 ms");
      }
      if (stateFile == null) {
        throw new ConfigException(STATE_FILE, null, "is required");
      }
      stateFile = stateFile.toAbsolutePath().normalize();
      if (stateFile.startsWith(logDirectory)) {
        throw new ConfigException(STATE_FILE, stateFile, "must not be inside " + DIRECTORY);
      }
      if (startAt == null) {
        throw new ConfigException(START_AT, null, "is required");
      }
      if (maxEntriesPerPoll < 1) {
        throw new ConfigException(MAX_ENTRIES_PER_POLL, maxEntriesPerPoll, "must be at least 1");
      }
      if (maxRecordBytes < MIN_RECORD_BYTES) {
        throw new ConfigException(MAX_RECORD_BYTES, maxRecordBytes, "must be at least " + MIN_RECORD_BYTES);
      }
      if (ignoredApplications == null) {
        throw new ConfigException(IGNORED_APPLICATIONS, null, "is required (may be empty)");
      }
      ignoredApplications = Set.copyOf(ignoredApplications);
      if (logTimezone == null) {
        throw new ConfigException(TIMEZONE, null, "is required (may be empty)");
      }
    }

    /** The defaults: start at the end, 1-s polls, 10,000 entries per poll, 1 MiB entries, the collector ignored. */
    public static Options defaults(Path logDirectory, Format format, String instanceId, Path stateFile) {
      return new Options(logDirectory, format, instanceId, Duration.ofSeconds(1), stateFile, StartAt.END, 10_000,
          1 << 20, Set.of(COLLECTOR_APPLICATION), Optional.empty());
    }

    /** Options from configuration keys ({@link #CONFIG_DEF}); the instance id comes from the agent's own setting. */
    public static Options fromConfig(Map<?, ?> props, String instanceId) {
      AbstractConfig c = new AbstractConfig(CONFIG_DEF, props, false);
      String zone = c.getString(TIMEZONE);
      return new Options(Path.of(c.getString(DIRECTORY)), Format.of(c.getString(FORMAT)), instanceId,
          Duration.ofMillis(c.getLong(POLL_INTERVAL_MS)), Path.of(c.getString(STATE_FILE)),
          StartAt.of(c.getString(START_AT)), c.getInt(MAX_ENTRIES_PER_POLL), c.getInt(MAX_RECORD_BYTES),
          new LinkedHashSet<>(c.getList(IGNORED_APPLICATIONS)),
          zone.isEmpty() ? Optional.empty() : Optional.of(ZoneId.of(zone)));
    }

    public Options withStartAt(StartAt value) {
      return new Options(logDirectory, format, instanceId, pollInterval, stateFile, value, maxEntriesPerPoll,
          maxRecordBytes, ignoredApplications, logTimezone);
    }

    public Options withPollInterval(Duration value) {
      return new Options(logDirectory, format, instanceId, value, stateFile, startAt, maxEntriesPerPoll,
          maxRecordBytes, ignoredApplications, logTimezone);
    }

    public Options withMaxEntriesPerPoll(int value) {
      return new Options(logDirectory, format, instanceId, pollInterval, stateFile, startAt, value, maxRecordBytes,
          ignoredApplications, logTimezone);
    }

    public Options withMaxRecordBytes(int value) {
      return new Options(logDirectory, format, instanceId, pollInterval, stateFile, startAt, maxEntriesPerPoll, value,
          ignoredApplications, logTimezone);
    }

    public Options withIgnoredApplications(Set<String> value) {
      return new Options(logDirectory, format, instanceId, pollInterval, stateFile, startAt, maxEntriesPerPoll,
          maxRecordBytes, value, logTimezone);
    }

    public Options withLogTimezone(ZoneId value) {
      return new Options(logDirectory, format, instanceId, pollInterval, stateFile, startAt, maxEntriesPerPoll,
          maxRecordBytes, ignoredApplications, Optional.of(value));
    }

    static final class TimeZoneValidator implements ConfigDef.Validator {
      @Override
      public void ensureValid(String name, Object value) {
        String zone = value == null ? "" : value.toString();
        if (!zone.isEmpty()) {
          try {
            ZoneId.of(zone);
          } catch (DateTimeException e) {
            throw new ConfigException(name, value, "not a time zone: " + e.getMessage());
          }
        }
      }

      @Override
      public String toString() {
        return "a time zone id such as Europe/Berlin, or empty";
      }
    }
  }

  /**
   * What the follower did since it was created. Every entry read is exactly one of: a sample,
   * not a duration entry, a non-execution duration (parse, bind, plan), an ignored application's,
   * malformed, or over-long.
   */
  public record Counters(long entriesRead, long samplesProduced, long nonDurationEntries, long nonExecutionDurations,
      long ignoredApplicationEntries, long skippedMalformed, long skippedOverLong, long filesFollowed,
      long filesRestarted) {}

  private final Options options;
  private final boolean quoted;
  private final String formatName;
  private final AtomicLong entriesRead = new AtomicLong();
  private final AtomicLong samplesProduced = new AtomicLong();
  private final AtomicLong nonDuration = new AtomicLong();
  private final AtomicLong nonExecution = new AtomicLong();
  private final AtomicLong ignoredApplication = new AtomicLong();
  private final AtomicLong malformed = new AtomicLong();
  private final AtomicLong overLong = new AtomicLong();
  private final AtomicLong filesFollowed = new AtomicLong();
  private final AtomicLong filesRestarted = new AtomicLong();

  /** The position saved, or the one the first poll started at; what {@link #rewind()} goes back to. */
  private Position committed;
  /** What the state file holds, when this follower read or wrote it. */
  private Position saved;
  /** The position after the last successful poll; null before the first file is found. */
  private Position position;
  /** No file existed when a follower starting at the end first looked: every file that appears is new. */
  private boolean startedEmpty;
  /** A superseded file's unfinished last record, seen once: dropped if still unchanged on the next poll. */
  private Stall stalled;
  private boolean closed;

  private record Stall(String file, long offset, long size) {}

  /** Loads the saved position, if the state file holds one for this directory and format. */
  public DurationLogFollower(Options options) {
    this.options = Objects.requireNonNull(options, "options");
    this.quoted = options.format().quoted();
    this.formatName = options.format().configName();
    try {
      Optional<Position> loaded = Position.load(options.stateFile(), options.logDirectory(), formatName);
      if (loaded.isPresent()) {
        saved = loaded.get();
        committed = saved;
        position = saved;
        LOG.info("following {} logs in {} from {} at byte {} (saved position)", formatName, options.logDirectory(),
            committed.file(), committed.offset());
      } else {
        LOG.info("following {} logs in {} from the {} (no saved position)", formatName, options.logDirectory(),
            options.startAt().configName());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Options options() {
    return options;
  }

  /**
   * Reads what was logged since the last poll, at most {@link Options#maxEntriesPerPoll()}
   * entries, and returns its samples in log order. When it throws, nothing was consumed.
   */
  public List<LatencySample> poll() throws IOException {
    if (closed) {
      throw new IllegalStateException("follower is closed");
    }
    List<LogFile> files = LogFiles.list(options.logDirectory(), options.format());
    Counts counts = new Counts();
    Position pos;
    if (position != null) {
      pos = reconcile(position, files, counts);
    } else if (committed != null) {
      pos = reconcile(committed, files, counts); // a first poll that failed after choosing where to start
    } else {
      pos = initial(files, counts);
      if (pos == null) {
        return List.of();
      }
      committed = pos; // where a rewind goes back to before the first commit
    }
    List<LatencySample> out = new ArrayList<>();
    int budget = options.maxEntriesPerPoll();
    Stall stall = stalled;
    while (true) {
      LogFile current = find(files, pos.file());
      if (current == null) {
        break; // listed a moment ago, gone now: the next poll moves on
      }
      Read read = read(current, pos, budget, out, counts);
      pos = read.position();
      budget -= read.entries();
      if (budget <= 0 || read.interrupted()) {
        break;
      }
      LogFile next = successor(files, current);
      if (next == null) {
        stall = null;
        break;
      }
      if (read.endedInsideRecord()) {
        // The server closed this file when it opened the next one, so an unfinished record here
        // is final; still, give it one poll in case the listing raced the last write.
        Stall seen = new Stall(pos.file(), pos.offset(), read.size());
        if (!seen.equals(stall)) {
          stall = seen;
          break;
        }
        counts.entries++;
        counts.malformed++;
        LOG.warn("{}: unfinished last entry at byte {} dropped ({} bytes): the server moved on to {}", pos.file(),
            pos.offset(), read.size() - pos.offset(), next.name());
      }
      stall = null;
      pos = start(next, 0);
      counts.filesFollowed++;
      LOG.info("following {} (after {})", next.name(), current.name());
    }
    // Nothing above has thrown: make the poll's progress visible at once.
    stalled = stall;
    position = pos;
    counts.addTo(this);
    samplesProduced.addAndGet(out.size());
    return out;
  }

  /**
   * Saves the position reached by the polls so far: call once their samples are durable. Until
   * then a restart reads them again.
   */
  public void commit() throws IOException {
    if (closed) {
      throw new IllegalStateException("follower is closed");
    }
    if (position == null || position.equals(saved)) {
      return;
    }
    position.save(options.stateFile(), options.logDirectory(), formatName);
    saved = position;
    committed = position;
  }

  /** Forgets the progress since the last commit: the next poll reads those entries again (a failed publish). */
  public void rewind() {
    if (committed != null) {
      position = committed;
    }
    stalled = null;
  }

  public Counters counters() {
    return new Counters(entriesRead.get(), samplesProduced.get(), nonDuration.get(), nonExecution.get(),
        ignoredApplication.get(), malformed.get(), overLong.get(), filesFollowed.get(), filesRestarted.get());
  }

  /** Stops the follower; an uncommitted position is not saved. */
  @Override
  public void close() {
    closed = true;
  }

  private Position initial(List<LogFile> files, Counts counts) throws IOException {
    if (files.isEmpty()) {
      if (options.startAt() == StartAt.END && !startedEmpty) {
        startedEmpty = true;
        LOG.info("no {} files in {} yet; the first one will be read from its start", formatName,
            options.logDirectory());
      }
      return null;
    }
    counts.filesFollowed++;
    if (options.startAt() == StartAt.BEGINNING || startedEmpty) {
      LogFile first = files.get(0);
      LOG.info("following {} from its start", first.name());
      return start(first, 0);
    }
    LogFile newest = files.get(files.size() - 1);
    long end = LogFiles.endOfCompleteRecords(newest.path(), quoted);
    LOG.info("following {} from byte {} (its end)", newest.name(), end);
    return start(newest, end);
  }

  private Position start(LogFile file, long offset) throws IOException {
    String token = LogFiles.token(file.path(), quoted).orElse("");
    return new Position(file.name(), offset, token, file.modifiedNanos());
  }

  /** The position, checked against the files as they are now: still the same file, not cut short. */
  private Position reconcile(Position pos, List<LogFile> files, Counts counts) throws IOException {
    LogFile file = find(files, pos.file());
    String why;
    if (file == null) {
      why = "is gone";
    } else if (file.size() < pos.offset()) {
      why = "was truncated";
    } else if (!pos.token().isEmpty() && !pos.token().equals(LogFiles.token(file.path(), quoted).orElse(""))) {
      why = "holds a new file";
    } else {
      return pos.withOffset(pos.offset(), pos.token(), file.modifiedNanos());
    }
    LogFile from = null;
    for (LogFile f : files) {
      if (f.modifiedNanos() >= pos.modifiedNanos()) {
        from = f;
        break;
      }
    }
    if (from == null) {
      if (files.isEmpty()) {
        return pos; // nothing to follow; keep looking for the file
      }
      from = files.get(files.size() - 1);
    }
    counts.filesRestarted++;
    counts.filesFollowed++;
    LOG.warn("{} {} (read up to byte {}): following {} from its start", pos.file(), why, pos.offset(), from.name());
    return start(from, 0);
  }

  private static LogFile find(List<LogFile> files, String name) {
    for (LogFile f : files) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    return null;
  }

  private static LogFile successor(List<LogFile> files, LogFile current) {
    int i = files.indexOf(current);
    return i >= 0 && i + 1 < files.size() ? files.get(i + 1) : null;
  }

  private record Read(Position position, int entries, boolean endedInsideRecord, boolean interrupted, long size) {}

  /** Per-poll counts, added to the follower's counters only when the poll succeeds. */
  private static final class Counts {
    long entries;
    long nonDuration;
    long nonExecution;
    long ignored;
    long malformed;
    long overLong;
    long filesFollowed;
    long filesRestarted;

    void addTo(DurationLogFollower f) {
      f.entriesRead.addAndGet(entries);
      f.nonDuration.addAndGet(nonDuration);
      f.nonExecution.addAndGet(nonExecution);
      f.ignoredApplication.addAndGet(ignored);
      f.malformed.addAndGet(malformed);
      f.overLong.addAndGet(overLong);
      f.filesFollowed.addAndGet(filesFollowed);
      f.filesRestarted.addAndGet(filesRestarted);
    }
  }

  private Read read(LogFile file, Position pos, int budget, List<LatencySample> out, Counts counts)
      throws IOException {
    try (FileChannel ch = FileChannel.open(file.path(), StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < pos.offset()) {
        return new Read(pos, 0, false, true, size); // truncated since listed: the next poll starts over
      }
      ch.position(pos.offset());
      LogRecordScanner scanner = new LogRecordScanner(ch, pos.offset(), quoted, options.maxRecordBytes());
      String token = pos.token();
      int entries = 0;
      Raw raw;
      while (entries < budget && (raw = scanner.next()) != null) {
        if (raw.blank()) {
          continue;
        }
        if (token.isEmpty()) {
          token = LogFiles.token(file.path(), quoted).orElse("");
          if (token.isEmpty()) {
            return new Read(pos, entries, false, true, size); // cut short under us: the next poll sorts it out
          }
        }
        entries++;
        counts.entries++;
        accept(raw, file.name(), token, out, counts);
      }
      Position reached = pos.withOffset(scanner.resumeOffset(), token, file.modifiedNanos());
      return new Read(reached, entries, entries < budget && scanner.endedInsideRecord(), false,
          Math.max(size, ch.size()));
    } catch (NoSuchFileException e) {
      return new Read(pos, 0, false, true, 0);
    }
  }

  private void accept(Raw raw, String fileName, String token, List<LatencySample> out, Counts counts) {
    if (raw.overLong()) {
      counts.overLong++;
      if (Long.bitCount(overLong.get() + counts.overLong) == 1) {
        LOG.warn("{}: entry at byte {} is longer than {} bytes: skipped ({} so far)", fileName, raw.offset(),
            options.maxRecordBytes(), overLong.get() + counts.overLong);
      }
      return;
    }
    byte[] bytes = raw.bytes();
    if (indexOf(bytes, DURATION) < 0) {
      counts.nonDuration++; // cheap test first: most entries are something else
      return;
    }
    LogEntry entry;
    try {
      entry = quoted ? LogEntry.fromCsv(bytes) : LogEntry.fromJson(bytes);
    } catch (LogEntry.MalformedException e) {
      malformed(fileName, raw.offset(), e.getMessage(), counts);
      return;
    }
    Optional<DurationMessage> message = DurationMessage.parse(entry.message());
    if (message.isEmpty() || !(entry.severity().isEmpty() || entry.severity().equals("LOG"))) {
      counts.nonDuration++;
      return;
    }
    if (!message.get().timesExecution()) {
      counts.nonExecution++;
      return;
    }
    if (options.ignoredApplications().contains(entry.applicationName())) {
      counts.ignored++;
      return;
    }
    Instant at;
    try {
      at = LogTimes.parse(entry.time(), options.logTimezone());
    } catch (DateTimeException e) {
      malformed(fileName, raw.offset(), "log time '" + entry.time() + "': " + e.getMessage(), counts);
      return;
    }
    String scope = entry.queryId() != 0 ? "query:" + entry.queryId()
        : !entry.database().isEmpty() ? "db:" + entry.database()
        : "instance";
    String id = "log:" + fileName + ":" + token + ":" + raw.offset();
    out.add(new LatencySample(LatencySample.SCHEMA, id, options.instanceId(), at, scope, SOURCE,
        message.get().durationMs(), 1.0));
  }

  private void malformed(String fileName, long offset, String reason, Counts counts) {
    counts.malformed++;
    if (Long.bitCount(malformed.get() + counts.malformed) == 1) { // 1st, 2nd, 4th, 8th, ...: visible, not a flood
      LOG.warn("{}: entry at byte {} skipped: {} ({} malformed so far)", fileName, offset, reason,
          malformed.get() + counts.malformed);
    }
  }

  static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0, last = haystack.length - needle.length; i <= last; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Override
  public String toString() {
    return "DurationLogFollower[" + formatName + " " + options.logDirectory() + " at "
        + (position == null ? "start" : position.file() + ":" + position.offset()) + "]";
  }
}
