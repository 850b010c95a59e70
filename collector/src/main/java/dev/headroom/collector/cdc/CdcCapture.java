package dev.headroom.collector.cdc;

import dev.headroom.collector.cdc.internals.ChangeRow;
import dev.headroom.collector.cdc.internals.ConnectRows;
import dev.headroom.collector.cdc.internals.DebeziumConfig;
import dev.headroom.collector.cdc.internals.RowMapper;
import dev.headroom.collector.transport.OutboundRecord;
import dev.headroom.collector.transport.Outbox;
import dev.headroom.schemas.Event;
import dev.headroom.schemas.LatencySample;
import dev.headroom.schemas.Topics;
import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captures rows inserted into a monitored database's latency tables and migration-history tables
 * with Debezium's embedded PostgreSQL connector (logical replication, pgoutput), and publishes
 * them through the agent's {@link Outbox} as {@code headroom.latency.v1} samples and
 * {@code headroom.events.v1} deploys.
 *
 * <p>Delivery is at least once: a batch's stream position is committed (offsets file, then the
 * slot) only after {@link Outbox#publish} returned for it, so a crash or a failed publish makes
 * Debezium deliver those changes again. Every message carries an id derived from the change
 * itself (its LSN and key, or the migration's natural key), so the copies have the same id and
 * consumers drop them.
 *
 * <p>Rows already in the tables when the slot is first created are not published, deploy history
 * included: a deploy before the agent started has no latency data before it to compare with, and
 * months of history arriving as new events would only be late records downstream.
 *
 * <p>A failure (database unreachable, slot in use, publish failed) stops the engine, is logged
 * without credentials and is kept as {@link #lastFailure()}; other sources of the agent are not
 * affected. Restarting, with whatever backoff, is the caller's decision: {@link #start()} again.
 */
public final class CdcCapture implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CdcCapture.class);
  /** How long {@link #close()} waits for the engine to stop. */
  public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
  /** How long {@link #dropSlot} waits for a slot whose capture just stopped to become inactive. */
  public static final Duration DROP_GRACE = Duration.ofSeconds(10);

  private final CdcOptions options;
  private final Outbox outbox;
  private final Clock clock;
  private final RowMapper mapper;
  private final AtomicLong samplesPublished = new AtomicLong();
  private final AtomicLong eventsPublished = new AtomicLong();
  private final Map<SkipReason, AtomicLong> skipped = new EnumMap<>(SkipReason.class);
  private final AtomicLong failures = new AtomicLong();
  private volatile boolean running;
  /** Which start() the running flag belongs to, so a late-stopping old engine cannot clear it. */
  private final AtomicLong generation = new AtomicLong();
  private volatile boolean streaming;
  private volatile Failure lastFailure;
  private DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
  private ExecutorService executor;
  private final Object catalogLock = new Object();
  private Connection catalog;

  /** Why the engine stopped, with a message that is safe to log (no credentials). */
  public record Failure(Instant at, String message, Throwable cause) {}

  /** What {@link #dropSlot} found and did, in words for the command line. */
  public record DropResult(boolean slotDropped, boolean publicationDropped, List<String> messages) {}

  public CdcCapture(CdcOptions options, Outbox outbox) {
    this(options, outbox, Clock.systemUTC());
  }

  public CdcCapture(CdcOptions options, Outbox outbox, Clock clock) {
    this.options = options;
    this.outbox = outbox;
    this.clock = clock;
    this.mapper = new RowMapper(options);
    for (SkipReason r : SkipReason.values()) {
      skipped.put(r, new AtomicLong());
    }
  }

  public CdcOptions options() {
    return options;
  }

  /**
   * Starts the engine on its own thread and returns. The first start creates the slot and the
   * publication; later starts resume from the offsets file (or the slot's confirmed position).
   *
   * @throws IllegalStateException when it is already running
   */
  public synchronized void start() {
    if (running) {
      throw new IllegalStateException("CDC capture " + options.slotName() + " is already running");
    }
    Path offsets = options.offsetsFile().toAbsolutePath();
    try {
      Files.createDirectories(offsets.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the directory of " + CdcOptions.OFFSETS_FILE + " " + offsets, e);
    }
    engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
        .using(DebeziumConfig.of(options))
        .using(clock)
        .using(this::completed)
        .using(new DebeziumEngine.ConnectorCallback() {
          @Override
          public void taskStarted() {
            streaming = true;
            LOG.info("CDC capture of {} streaming from slot {}", options.instanceId(), options.slotName());
          }

          @Override
          public void taskStopped() {
            streaming = false;
          }
        })
        .notifying(this::handleBatch)
        .build();
    String thread = "headroom-cdc-" + options.slotName();
    executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, thread);
      t.setDaemon(true);
      return t;
    });
    LOG.info("CDC capture of {} starting on {}: slot {}, publication {}, tables {}", options.instanceId(),
        options.target(), options.slotName(), options.publicationName(), options.tables());
    running = true;
    long run = generation.incrementAndGet();
    DebeziumEngine<RecordChangeEvent<SourceRecord>> current = engine;
    executor.execute(() -> {
      try {
        warnAboutMissingTables();
        current.run();
      } catch (RuntimeException e) {
        completed(false, e.getMessage(), e);
      } finally {
        if (generation.get() == run) {
          running = false;
          streaming = false;
        }
      }
    });
  }

  /**
   * A mapped table that does not exist is left out of the publication when Debezium creates or
   * updates it at start, so its rows are captured only after it exists and the capture restarts.
   * Said once per start; when the database cannot be reached the engine reports that itself.
   */
  private void warnAboutMissingTables() {
    List<String> missing = new ArrayList<>();
    synchronized (catalogLock) {
      try {
        if (catalog == null || catalog.isClosed()) {
          catalog = options.target().connect("headroom-cdc");
        }
        // case-insensitive, as Debezium matches table.include.list
        try (PreparedStatement ps = catalog.prepareStatement("SELECT 1 FROM pg_class c JOIN pg_namespace n"
            + " ON n.oid = c.relnamespace WHERE lower(n.nspname) = lower(?) AND lower(c.relname) = lower(?)"
            + " AND c.relkind IN ('r', 'p')")) {
          for (String table : options.tables()) {
            String[] parts = table.split("\\.", 2);
            ps.setString(1, parts[0]);
            ps.setString(2, parts[1]);
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                missing.add(table);
              }
            }
          }
        }
      } catch (SQLException e) {
        closeCatalog();
        return;
      }
    }
    for (String table : missing) {
      LOG.warn("CDC capture of {}: table {} does not exist in {}; its rows are captured once it exists and the"
          + " capture has restarted", options.instanceId(), table, options.target().database());
    }
  }

  /** True from {@link #start()} until the engine stopped (closed or failed). */
  public boolean isRunning() {
    return running;
  }

  /** True once the connector task runs: the slot exists and every later commit will be captured. */
  public boolean isStreaming() {
    return streaming;
  }

  /** The most recent failure since this object was made, if any; it stays after a successful restart. */
  public Optional<Failure> lastFailure() {
    return Optional.ofNullable(lastFailure);
  }

  /** How many times the engine stopped on an error. */
  public long failures() {
    return failures.get();
  }

  public long samplesPublished() {
    return samplesPublished.get();
  }

  public long eventsPublished() {
    return eventsPublished.get();
  }

  /** Changes not published, by reason (every reason present, most at 0). */
  public Map<SkipReason, Long> skipped() {
    Map<SkipReason, Long> out = new EnumMap<>(SkipReason.class);
    skipped.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  public long skipped(SkipReason reason) {
    return skipped.get(reason).get();
  }

  /**
   * The WAL this capture's slot holds back on the server: the current WAL position (on a standby,
   * the last received or replayed one) minus the slot's {@code restart_lsn}. Empty when the slot
   * does not exist (not started yet, or dropped).
   */
  public OptionalLong retainedWalBytes() throws SQLException {
    synchronized (catalogLock) { // not the capture's lock: close() may hold that for a while
      if (catalog == null || catalog.isClosed()) {
        catalog = options.target().connect("headroom-cdc");
      }
      try {
        return retainedWalBytes(catalog, options.slotName());
      } catch (SQLException e) {
        closeCatalog();
        throw e;
      }
    }
  }

  static OptionalLong retainedWalBytes(Connection c, String slot) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery()"
        + " THEN coalesce(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()) ELSE pg_current_wal_lsn() END,"
        + " restart_lsn)::bigint FROM pg_replication_slots WHERE slot_name = ?")) {
      ps.setString(1, slot);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return OptionalLong.empty();
        }
        long bytes = rs.getLong(1);
        // restart_lsn is null for a slot that never reserved WAL: it holds none back
        return OptionalLong.of(rs.wasNull() ? 0 : Math.max(0, bytes));
      }
    }
  }

  /**
   * Removes a capture's replication slot and publication so the server keeps no WAL for it
   * ({@code headroom collector --drop-slot}). Idempotent: what does not exist is reported, not an
   * error. An active slot (a capture streams from it) is not dropped; one whose capture has just
   * stopped is given {@link #DROP_GRACE} for the server to end its WAL sender.
   *
   * @throws IllegalStateException when the slot stays active
   * @throws SQLException when the server cannot be reached or refuses (privileges)
   */
  public static DropResult dropSlot(PgTarget target, String slot, String publication) throws SQLException {
    return dropSlot(target, slot, publication, DROP_GRACE);
  }

  /** {@link #dropSlot(PgTarget, String, String)}, waiting at most {@code grace} for an active slot to become inactive. */
  public static DropResult dropSlot(PgTarget target, String slot, String publication, Duration grace)
      throws SQLException {
    requireName(slot, CdcOptions.SLOT_NAME);
    requireName(publication, CdcOptions.PUBLICATION_NAME);
    List<String> messages = new ArrayList<>();
    boolean slotDropped = false;
    boolean publicationDropped = false;
    try (Connection c = target.connect("headroom-drop-slot")) {
      SlotState state = slotState(c, slot);
      long deadline = System.nanoTime() + grace.toNanos();
      while (state != null && state.active() && System.nanoTime() < deadline) {
        sleep(Duration.ofMillis(200));
        state = slotState(c, slot);
      }
      if (state == null) {
        messages.add("replication slot " + slot + " does not exist: nothing to drop");
      } else {
        if (state.active()) {
          throw activeSlot(slot, state.activePid());
        }
        if (state.database() != null && !state.database().equals(target.database())) {
          messages.add("replication slot " + slot + " belongs to database " + state.database()
              + "; its publication is looked for in " + target.database());
        }
        try (PreparedStatement drop = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
          drop.setString(1, slot);
          drop.execute();
          slotDropped = true;
          messages.add("replication slot " + slot + " dropped");
        } catch (SQLException e) {
          if ("55006".equals(e.getSQLState())) { // object_in_use: it became active meanwhile
            throw activeSlot(slot, null);
          }
          if (!"42704".equals(e.getSQLState())) { // undefined_object: someone else dropped it meanwhile
            throw e;
          }
          messages.add("replication slot " + slot + " does not exist: nothing to drop");
        }
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
        ps.setString(1, publication);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            try (Statement s = c.createStatement()) {
              s.execute("DROP PUBLICATION IF EXISTS \"" + publication + "\"");
            }
            publicationDropped = true;
            messages.add("publication " + publication + " dropped");
          } else {
            messages.add("publication " + publication + " does not exist in " + target.database() + ": nothing to drop");
          }
        }
      }
    }
    messages.forEach(m -> LOG.info("{}", m));
    return new DropResult(slotDropped, publicationDropped, List.copyOf(messages));
  }

  private record SlotState(boolean active, Object activePid, String database) {}

  private static SlotState slotState(Connection c, String slot) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT active, active_pid, database FROM pg_replication_slots WHERE slot_name = ?")) {
      ps.setString(1, slot);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? new SlotState(rs.getBoolean(1), rs.getObject(2), rs.getString(3)) : null;
      }
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the slot to become inactive", e);
    }
  }

  private static IllegalStateException activeSlot(String slot, Object pid) {
    return new IllegalStateException("replication slot " + slot + " is active"
        + (pid == null ? "" : " (streaming to server process " + pid + ")")
        + ": stop the collector that captures from it, then drop it");
  }

  private static void requireName(String name, String key) {
    if (name == null || !name.matches("[a-z0-9_]{1,63}")) {
      throw new ConfigException(key, name, "must be 1 to 63 characters of a-z, 0-9 and _");
    }
  }

  /** Stops the engine, waiting at most {@link #CLOSE_TIMEOUT}; the position reached is committed. */
  @Override
  public synchronized void close() {
    DebeziumEngine<RecordChangeEvent<SourceRecord>> current = engine;
    engine = null;
    long deadline = System.nanoTime() + CLOSE_TIMEOUT.toNanos();
    if (current != null && running) { // a failed engine has shut itself down
      // The engine's close waits for its task with its own, longer timeouts: bound it here.
      Thread stopper = new Thread(() -> {
        try {
          current.close();
        } catch (IOException | RuntimeException e) {
          LOG.warn("stopping CDC capture {}: {}", options.slotName(), options.target().redact(e.getMessage()));
        }
      }, "headroom-cdc-stop-" + options.slotName());
      stopper.setDaemon(true);
      stopper.start();
      try {
        stopper.join(CLOSE_TIMEOUT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (executor != null) {
      executor.shutdown();
      try {
        if (!executor.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          LOG.warn("CDC capture {} did not stop within {} s; interrupting it", options.slotName(),
              CLOSE_TIMEOUT.toSeconds());
          executor.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        executor.shutdownNow();
      }
      executor = null;
    }
    synchronized (catalogLock) {
      closeCatalog();
    }
  }

  private void handleBatch(List<RecordChangeEvent<SourceRecord>> batch,
      DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) throws InterruptedException {
    List<OutboundRecord> out = new ArrayList<>(batch.size());
    long samples = 0;
    long events = 0;
    Map<SkipReason, Integer> skips = new EnumMap<>(SkipReason.class);
    for (RecordChangeEvent<SourceRecord> change : batch) {
      RowMapper.Result result;
      try {
        ChangeRow row = ConnectRows.read(change.record());
        if (row == null) {
          continue; // a heartbeat or other non-row record
        }
        result = mapper.map(row);
      } catch (RuntimeException e) {
        LOG.warn("CDC capture {}: cannot map a change of {}: {}", options.slotName(), change.record().topic(),
            e.toString());
        result = new RowMapper.Skip(SkipReason.MAPPING_ERROR, e.toString());
      }
      if (result instanceof RowMapper.Sample s) {
        LatencySample sample = s.sample();
        out.add(new OutboundRecord(Topics.LATENCY.name(), sample.instanceId(), sample.observedAt().toEpochMilli(),
            Topics.LATENCY_SAMPLE_SERDE.write(sample)));
        samples++;
      } else if (result instanceof RowMapper.Deploy d) {
        Event event = d.event();
        out.add(new OutboundRecord(Topics.EVENTS.name(), event.instanceId(), event.at().toEpochMilli(),
            Topics.EVENT_SERDE.write(event)));
        events++;
      } else if (result instanceof RowMapper.Skip skip) {
        skips.merge(skip.reason(), 1, Integer::sum);
        LOG.debug("CDC capture {}: skipped ({}) {}", options.slotName(), skip.reason().id(), skip.detail());
      }
    }
    if (!out.isEmpty()) {
      // Throws when the records cannot be made durable: nothing below runs, the engine stops with
      // that error and the batch is delivered again after a restart.
      outbox.publish(out);
    }
    for (RecordChangeEvent<SourceRecord> change : batch) {
      committer.markProcessed(change);
    }
    committer.markBatchFinished();
    samplesPublished.addAndGet(samples);
    eventsPublished.addAndGet(events);
    skips.forEach((reason, n) -> skipped.get(reason).addAndGet(n));
  }

  private void completed(boolean success, String message, Throwable error) {
    streaming = false;
    if (success && error == null) {
      LOG.info("CDC capture of {} stopped", options.instanceId());
      return;
    }
    String text = options.target().redact(describe(message, error));
    failures.incrementAndGet();
    lastFailure = new Failure(clock.instant(), text, error);
    LOG.warn("CDC capture of {} (slot {}) stopped on an error: {}", options.instanceId(), options.slotName(), text);
  }

  /** The engine's message, with the root cause's when it adds something. */
  static String describe(String message, Throwable error) {
    String text = message == null || message.isBlank() ? "" : message.trim();
    if (error == null) {
      return text.isEmpty() ? "unknown error" : text;
    }
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    for (Throwable t : new Throwable[] {error, root}) {
      String m = t.getMessage() == null ? t.getClass().getName() : t.getMessage();
      if (!text.contains(m)) {
        text = text.isEmpty() ? t.toString() : text + " (" + t + ")";
      }
    }
    return text;
  }

  private void closeCatalog() {
    if (catalog != null) {
      try {
        catalog.close();
      } catch (SQLException ignored) {
        // already broken
      }
      catalog = null;
    }
  }
}
