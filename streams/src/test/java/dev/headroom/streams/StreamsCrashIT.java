package dev.headroom.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headroom.schemas.Delta;
import dev.headroom.schemas.LatencyWindow;
import dev.headroom.schemas.Topics;
import dev.headroom.streams.StreamsItKit.Fleet;
import dev.headroom.streams.StreamsItKit.Reader;
import dev.headroom.testkit.KafkaFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streams app in a process of its own, killed with SIGKILL in the middle of its work (a
 * transaction with output open) and started again, twice: once on its own state directory, once
 * on an empty one, so its stores come back from the changelogs. With exactly_once_v2, the default,
 * every 1-minute and 1-hour window and every delta is committed exactly once, and counts every
 * input exactly once.
 *
 * <p>The instances are chosen so that all their records go through one task a stage, and the
 * grace is wide: a scope fed by both input topics (snapshots and samples) can see one topic's
 * records minutes ahead of the other's while the app catches up, and the slower ones would be late
 * by the scope's own time. (Windows close by each scope's own event time, so neither a backlog
 * that moves stream time far ahead nor tasks at different paces lose windows any more.)
 */
class StreamsCrashIT {
  private static final Logger LOG = LoggerFactory.getLogger(StreamsCrashIT.class);
  /** Windows of minutes up to here, and of the hours before HOURS, must all be out in the end. */
  static final int LAST_MINUTE = 150;
  static final int HOURS = 2;
  /** Event time reserved; the history goes on past LAST_MINUTE while the test waits. */
  static final Duration SPAN = Duration.ofHours(6);
  static final Duration WAIT = Duration.ofSeconds(90);
  /**
   * How far the history runs ahead of what the app has committed, and what it gains while the app
   * is down: a backlog of at most about twice this. The grace covers it, since a task merges its
   * two input topics in time order only as far as their fetched records allow, and a restarted
   * app catching up may take one topic's records minutes ahead of the other's.
   */
  static final int AHEAD = 5;
  static final Duration GRACE = Duration.ofMinutes(15);

  private final Map<TopicPartition, Long> produced = new HashMap<>();
  private final List<Process> children = new ArrayList<>();
  private KafkaProducer<String, byte[]> producer;
  private Fleet fleet;
  /** The next minute of history to publish. */
  private int next;

  @Test
  @Timeout(300)
  void shouldCommitEveryWindowAndDeltaExactlyOnceAcrossSigkillsAndRestarts() throws Exception {
    String bootstrap = KafkaFixture.get().bootstrapServers();
    String run = StreamsItKit.runId();
    String prefix = "crash-" + run + "/";
    List<String> instances = StreamsItKit.instances(prefix, 3, id -> StreamsItKit.inPartition(id, 0));
    fleet = new Fleet(instances, StreamsItKit.reserveEventTime(SPAN), 10, Map.of(instances.get(1), 47));
    String applicationId = "streams-crash-it-" + run;
    Path dir = Files.createDirectories(Path.of(System.getProperty("basedir", "."), "target", "streams-crash-it", run));
    Predicate<String> ours = k -> k.startsWith(prefix);
    StreamsItKit.ensureTopics(bootstrap);
    Map<String, String> settings = StreamsItKit.streamsSettings(bootstrap, applicationId,
        dir.resolve("state").toString());
    settings.put(HeadroomStreamsConfig.LATENCY_GRACE_MS, Long.toString(GRACE.toMillis()));
    settings.put(HeadroomStreamsConfig.LATENCY_IDLE_MS, Long.toString(GRACE.toMillis()));
    // Transactions open half a second (default 100 ms), so a kill easily lands in one.
    settings.put(HeadroomStreamsConfig.COMMIT_INTERVAL_MS, "500");
    // A killed member leaves the group after 6 s (the broker's minimum) rather than 45 s.
    settings.put(HeadroomStreamsConfig.KAFKA_PREFIX + "session.timeout.ms", "6000");
    settings.put(HeadroomStreamsConfig.KAFKA_PREFIX + "heartbeat.interval.ms", "1500");

    try (KafkaProducer<String, byte[]> producer = StreamsItKit.producer(bootstrap);
        Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
        Reader<Delta> deltas = new Reader<>(bootstrap, Topics.DELTAS, ours);
        Reader<LatencyWindow> windows = new Reader<>(bootstrap, Topics.LATENCY_WINDOWS, ours)) {
      this.producer = producer;
      publishUpTo(AHEAD);
      Process first = start(settings, dir.resolve("child-1.log"));
      runUntil(first, deltas, () -> "windows of minute 10 and a transaction open",
          () -> windowsOf(windows, 10) && openTransaction(admin));
      Kill one = kill(first, admin, applicationId, deltas, windows);

      publishUpTo(next + AHEAD); // the collectors go on while nothing runs
      Process second = start(settings, dir.resolve("child-2.log"));
      runUntil(second, deltas, () -> "windows of minute 60 and a transaction open",
          () -> windowsOf(windows, 60) && openTransaction(admin));
      Kill two = kill(second, admin, applicationId, deltas, windows);

      publishUpTo(next + AHEAD);
      settings.put(HeadroomStreamsConfig.STATE_DIR, dir.resolve("state-wiped").toString());
      Process third = start(settings, dir.resolve("child-3.log"));
      Map<String, Long> expected = new HashMap<>(fleet.expectedMinutes(LAST_MINUTE));
      expected.putAll(fleet.expectedHours(HOURS));
      Set<String> missing = new TreeSet<>(expected.keySet());
      runUntil(third, deltas, () -> "all windows up to minute " + LAST_MINUTE + "; missing " + summary(missing),
          () -> {
            windows.poll(Duration.ofMillis(100)).forEach(r -> missing.remove(StreamsItKit.windowKey(r.value())));
            return missing.isEmpty();
          });
      stop(third);

      List<Delta> allDeltas = deltas.drain(WAIT).stream().map(ConsumerRecord::value).toList();
      List<LatencyWindow> allWindows = windows.drain(WAIT).stream().map(ConsumerRecord::value).toList();
      LOG.info("committed {} deltas and {} windows; history up to minute {}; first kill {}, second kill {}; {}",
          allDeltas.size(), allWindows.size(), next, one, two, aborted(bootstrap, ours, allDeltas.size()
              + allWindows.size()));
      for (Kill kill : List.of(one, two)) {
        assertThat(kill.deltas()).as("deltas committed before the kill, and after").isPositive()
            .isLessThan(allDeltas.size());
        assertThat(kill.windows()).as("windows committed before the kill, and after").isPositive()
            .isLessThan(allWindows.size());
        assertThat(kill.unreadInput()).as("input published but not committed as read at the kill").isPositive();
      }
      // The child was seen inside a transaction with output just before each kill; it may have
      // committed in the moment between, but not twice.
      assertThat(List.of(one, two)).as("kills that left a transaction with output open")
          .anyMatch(Kill::transactionLeftOpen);
      StreamsItKit.assertEachOnce("windows per (instance, scope, size, start)", allWindows, StreamsItKit::windowKey);
      StreamsItKit.assertEachOnce("deltas per (instance, section, object, captured_at)", allDeltas,
          StreamsItKit::deltaKey);
      Map<String, Long> counts = allWindows.stream()
          .filter(w -> expected.containsKey(StreamsItKit.windowKey(w)))
          .collect(Collectors.toMap(StreamsItKit::windowKey, LatencyWindow::count));
      assertThat(counts).as("every window counts every call and sample exactly once").isEqualTo(expected);
      StreamsItKit.assertDeltas(fleet, allDeltas, LAST_MINUTE);
      deleteRecursively(dir.resolve("state")); // some 70 MB of RocksDB; the children's logs stay
      deleteRecursively(dir.resolve("state-wiped"));
    } finally {
      for (Process child : children) {
        child.destroyForcibly();
        child.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * What a kill left: output committed before it, input the app had not committed as read, and
   * whether a transaction of its with output was still open.
   */
  record Kill(int deltas, int windows, long unreadInput, boolean transactionLeftOpen) {}

  /** SIGKILL, then what the child left behind. */
  Kill kill(Process child, Admin admin, String applicationId, Reader<Delta> deltas, Reader<LatencyWindow> windows)
      throws Exception {
    long pid = child.pid();
    child.destroyForcibly();
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("the child %d is gone", pid).isTrue();
    assertThat(child.exitValue()).as("the child %d died of SIGKILL", pid).isEqualTo(128 + 9);
    assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
    long unread = produced.entrySet().stream()
        .mapToLong(e -> e.getValue() - (committed.get(e.getKey()) == null ? 0 : committed.get(e.getKey()).offset()))
        .sum();
    // Nothing of the dead child's commits any more: an open transaction now stays open until the
    // next child fences it or the broker times it out.
    boolean open = openTransaction(admin);
    // Read up to the last stable offsets: what was committed before the kill, not its open transaction.
    return new Kill(deltas.drain(WAIT).size(), windows.drain(WAIT).size(), unread, open);
  }

  /** Publishes every record of the minutes from {@link #next} to {@code end} (exclusive) and waits for the acks. */
  void publishUpTo(int end) throws Exception {
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    for (; next < Math.min(end, (int) SPAN.toMinutes()); next++) {
      for (ProducerRecord<String, byte[]> r : fleet.minute(next)) {
        sent.add(producer.send(r));
      }
    }
    producer.flush();
    for (Future<RecordMetadata> f : sent) {
      RecordMetadata m = f.get();
      produced.merge(new TopicPartition(m.topic(), m.partition()), m.offset() + 1, Math::max);
    }
  }

  /**
   * Waits for {@code done}, publishing more history meanwhile as collectors would, up to
   * {@link #AHEAD} minutes past what the app has committed: the app has work in hand, the last
   * windows close, and no backlog outgrows the grace.
   */
  void runUntil(Process child, Reader<Delta> deltas, Supplier<String> what, BooleanSupplier done) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!done.getAsBoolean()) {
      assertThat(child.isAlive()).as("the streams child %d is running (see its log) while waiting for %s",
          child.pid(), what.get()).isTrue();
      assertThat(System.nanoTime()).as("time left waiting for %s; history up to minute %d", what.get(), next)
          .isLessThan(deadline);
      int committed = deltas.poll(Duration.ofMillis(100)).stream()
          .mapToInt(r -> (int) Duration.between(fleet.base(), r.value().capturedAt()).toMinutes()).max().orElse(0);
      publishUpTo(committed + AHEAD + 1);
    }
  }

  /** Whether a transaction with output on the deltas topic is open: its end and its last stable offset differ. */
  static boolean openTransaction(Admin admin) {
    try {
      Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
      for (int p = 0; p < Integer.parseInt(StreamsItKit.PARTITIONS); p++) {
        partitions.put(new TopicPartition(Topics.DELTAS.name(), p), OffsetSpec.latest());
      }
      Map<TopicPartition, ListOffsetsResultInfo> end = admin.listOffsets(partitions,
          new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all().get(30, TimeUnit.SECONDS);
      Map<TopicPartition, ListOffsetsResultInfo> stable = admin.listOffsets(partitions,
          new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(30, TimeUnit.SECONDS);
      return partitions.keySet().stream().anyMatch(tp -> end.get(tp).offset() > stable.get(tp).offset());
    } catch (Exception e) {
      throw new IllegalStateException("cannot list the offsets of " + Topics.DELTAS.name(), e);
    }
  }

  /** Whether every instance's 1-minute windows of {@code minute} are committed. */
  boolean windowsOf(Reader<LatencyWindow> windows, int minute) {
    return windows.poll(Duration.ofMillis(200)).stream().map(ConsumerRecord::value)
        .filter(w -> w.window().equals("PT1M") && w.windowStart().equals(fleet.minuteStart(minute)))
        .map(LatencyWindow::instanceId).distinct().count() == fleet.instances().size();
  }

  /** Window keys as their series (instance, scope, size), each with the minutes of its windows. */
  String summary(Set<String> windowKeys) {
    Map<String, List<Long>> series = new TreeMap<>();
    for (String key : windowKeys) {
      int start = key.lastIndexOf(' ');
      series.computeIfAbsent(key.substring(0, start), k -> new ArrayList<>())
          .add(Duration.between(fleet.base(), Instant.parse(key.substring(start + 1))).toMinutes());
    }
    return series.toString();
  }

  Process start(Map<String, String> settings, Path log) throws Exception {
    Process child = StreamsProcessMain.launch(settings, log);
    children.add(child);
    LOG.info("started streams child {} at minute {} with state in {}; log {}", child.pid(), next,
        settings.get(HeadroomStreamsConfig.STATE_DIR), log);
    return child;
  }

  static void deleteRecursively(Path path) throws IOException {
    try (Stream<Path> all = Files.walk(path)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** SIGTERM: the app closes and commits; then the child exits. */
  static void stop(Process child) throws Exception {
    child.destroy();
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child %d stops on SIGTERM", child.pid()).isTrue();
  }

  /** How many records of ours the kills left in aborted transactions, which read_committed skips. */
  static String aborted(String bootstrap, Predicate<String> ours, int committed) {
    try (Reader<Delta> deltas = new Reader<>(bootstrap, Topics.DELTAS, ours, IsolationLevel.READ_UNCOMMITTED);
        Reader<LatencyWindow> windows = new Reader<>(bootstrap, Topics.LATENCY_WINDOWS, ours,
            IsolationLevel.READ_UNCOMMITTED)) {
      int all = deltas.drain(WAIT).size() + windows.drain(WAIT).size();
      return (all - committed) + " records of ours in aborted transactions";
    }
  }
}
