package dev.headroom.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.headroom.schemas.Delta;
import dev.headroom.schemas.LatencySample;
import dev.headroom.schemas.LatencyWindow;
import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.Topic;
import dev.headroom.schemas.TopicAdmin;
import dev.headroom.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;

/**
 * What the streams ITs share: a made-up fleet whose counters and latencies are known minute by
 * minute, event-time ranges that do not overlap between tests, and readers of committed output.
 *
 * <p>The ITs of one JVM share a broker and Headroom's fixed topic names, and each test's app
 * (a fresh application id) reads the input topics from the start, the other tests' records too.
 * Stream time is the largest timestamp a task has seen, so a test whose history lies before
 * another's would find its own windows already closed: each test takes its own, later, range.
 */
final class StreamsItKit {
  /** Partitions of the topics the ITs create: more than one, as in production. */
  static final String PARTITIONS = "2";
  /**
   * Where the next test's history may start. In the past (a broker may refuse timestamps more
   * than an hour ahead) but within a day, so the window stores' changelogs (retention a day beyond the
   * windows') keep every record while a test runs.
   */
  private static Instant nextEventTime = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(10));

  private StreamsItKit() {}

  /** Reserves {@code span} of event time for one test; the start is on a whole hour. */
  static synchronized Instant reserveEventTime(Duration span) {
    Instant start = nextEventTime;
    nextEventTime = start.plus(span).truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
    return start;
  }

  /** A short id that keeps one run's application ids and instance ids apart from every other run's. */
  static String runId() {
    return UUID.randomUUID().toString().substring(0, 8);
  }

  /**
   * {@code count} instance ids, each named {@code prefix + "pg-" + n}, whose keys pass {@code where}:
   * a key's partition decides which task sees it, on input and repartition topics alike.
   */
  static List<String> instances(String prefix, int count, Predicate<String> where) {
    List<String> out = new ArrayList<>();
    for (int n = 1; out.size() < count; n++) {
      String id = prefix + "pg-" + n;
      if (where.test(id)) {
        out.add(id);
      }
    }
    return out;
  }

  /** Whether all of an instance's records, observations and windows fall in one partition: one task a stage. */
  static boolean inPartition(String instance, int partition) {
    return partition(instance) == partition
        && Fleet.SCOPES.stream().allMatch(scope -> partition(instance + "|" + scope) == partition);
  }

  /** The partition of a key among the ITs' partitions: the producer's and the repartitions' murmur2. */
  static int partition(String key) {
    return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % Integer.parseInt(PARTITIONS);
  }

  /** The app's settings every IT uses; a test adds or overrides what it is about. */
  static Map<String, String> streamsSettings(String bootstrapServers, String applicationId, String stateDir) {
    Map<String, String> settings = new HashMap<>();
    settings.put(HeadroomStreamsConfig.BOOTSTRAP_SERVERS, bootstrapServers);
    settings.put(HeadroomStreamsConfig.APPLICATION_ID, applicationId);
    settings.put(HeadroomStreamsConfig.STATE_DIR, stateDir);
    settings.put(HeadroomStreamsConfig.TOPICS_PARTITIONS, PARTITIONS);
    return settings;
  }

  /** Creates Headroom's streams topics where the app has not yet (it does so itself when it starts). */
  static void ensureTopics(String bootstrapServers) {
    TopicAdmin.ensure(Map.of("bootstrap.servers", bootstrapServers), List.of(Topics.SNAPSHOTS, Topics.LATENCY,
        Topics.DELTAS, Topics.LATENCY_WINDOWS, Topics.ALERTS, Topics.FINDINGS, Topics.DEADLETTER),
        Integer.parseInt(PARTITIONS), (short) -1);
  }

  static KafkaProducer<String, byte[]> producer(String bootstrapServers) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
    return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }

  /**
   * A fleet of instances, each with two statements (a slow one of 100 calls of 50 ms a minute and a
   * fast one of 1000 calls of 0.5 ms), a table (3 sequential scans and 600 inserts a minute) and
   * {@code samplesPerMinute} exact samples of an app, evenly spread up to 100 ms. Minute {@code i}
   * is [base + i min, base + (i + 1) min): its samples in the first half, its snapshot at the half,
   * so each snapshot's interval is centred on its minute's start and its observations fall in it.
   * An instance in {@code resets} has its statistics reset at that minute: the slow statement's
   * calls start over from 7.
   */
  record Fleet(List<String> instances, Instant base, int samplesPerMinute, Map<String, Integer> resets) {
    /** The database and table of HeadroomTopologyTest's rows, which these reuse. */
    static final String DATABASE = "orders";
    static final String TABLE = "items";
    static final long SLOW_QUERY = 1;
    static final long FAST_QUERY = 2;
    static final String APP_SCOPE = "app:checkout";
    static final List<String> MOMENT_SCOPES =
        List.of("instance", "db:" + DATABASE, "query:" + SLOW_QUERY, "query:" + FAST_QUERY);
    static final List<String> SCOPES = Stream.concat(MOMENT_SCOPES.stream(), Stream.of(APP_SCOPE)).toList();
    static final long SLOW_CALLS = 100;
    static final long FAST_CALLS = 1000;
    static final long CALLS_AFTER_RESET = 7;
    static final double SLOW_MS = 50.0;
    static final double MAX_SAMPLE_MS = 100.0;

    static String slowObject() {
      return DATABASE + "|app|true|" + SLOW_QUERY;
    }

    static String fastObject() {
      return DATABASE + "|app|true|" + FAST_QUERY;
    }

    static String tableObject() {
      return DATABASE + "|public|" + TABLE;
    }

    Instant minuteStart(int minute) {
      return base.plus(Duration.ofMinutes(minute));
    }

    Instant capturedAt(int minute) {
      return minuteStart(minute).plusSeconds(30);
    }

    /** Every record of one minute, for every instance, in timestamp order per instance. */
    List<ProducerRecord<String, byte[]>> minute(int minute) {
      List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
      for (String instance : instances) {
        for (int j = 0; j < samplesPerMinute; j++) {
          Instant at = minuteStart(minute).plusMillis(j * 29_000L / samplesPerMinute);
          LatencySample sample = new LatencySample(LatencySample.SCHEMA, instance + ":" + minute + ":" + j, instance,
              at, APP_SCOPE, "probe", sampleMs(j), 1.0);
          out.add(record(Topics.LATENCY, instance, at, Topics.LATENCY_SAMPLE_SERDE.write(sample)));
        }
        Instant at = capturedAt(minute);
        Snapshot statements = section(instance, minute, "statements", List.of(
            HeadroomTopologyTest.statement(SLOW_QUERY, slowCalls(instance, minute), SLOW_MS, 0.0),
            HeadroomTopologyTest.statement(FAST_QUERY, FAST_CALLS * minute, 0.5, 0.1)));
        Snapshot tables = section(instance, minute, "tables",
            List.of(HeadroomTopologyTest.table(TABLE, 3L * minute, 600L * minute)));
        out.add(record(Topics.SNAPSHOTS, instance, at, Topics.SNAPSHOT_SERDE.write(statements)));
        out.add(record(Topics.SNAPSHOTS, instance, at, Topics.SNAPSHOT_SERDE.write(tables)));
      }
      return out;
    }

    double sampleMs(int j) {
      return (j + 1) * MAX_SAMPLE_MS / samplesPerMinute;
    }

    /** The exact p95 of one minute's samples: the lower quantile by rank, as DDSketch defines it. */
    double sampleP95() {
      return sampleMs((int) Math.floor(0.95 * (samplesPerMinute - 1)));
    }

    long slowCalls(String instance, int minute) {
      Integer reset = resets.get(instance);
      return reset == null || minute < reset ? SLOW_CALLS * minute : CALLS_AFTER_RESET + SLOW_CALLS * (minute - reset);
    }

    /** The slow statement's calls in the interval ending at this minute's snapshot. */
    long slowCallsIn(String instance, int minute) {
      return isReset(instance, minute) ? CALLS_AFTER_RESET : SLOW_CALLS;
    }

    boolean isReset(String instance, int minute) {
      return Integer.valueOf(minute).equals(resets.get(instance));
    }

    /** What the 1-minute window of a scope should count for a minute (moments start at minute 1). */
    long expectedCount(String instance, String scope, int minute) {
      if (scope.equals(APP_SCOPE)) {
        return samplesPerMinute;
      }
      if (minute < 1) {
        return 0;
      }
      long slow = slowCallsIn(instance, minute);
      return switch (scope) {
        case "query:" + SLOW_QUERY -> slow;
        case "query:" + FAST_QUERY -> FAST_CALLS;
        default -> slow + FAST_CALLS; // the instance and the database: both statements
      };
    }

    /** Every 1-minute window of minutes [0, lastMinute] that should be out, by window key, with its count. */
    Map<String, Long> expectedMinutes(int lastMinute) {
      Map<String, Long> out = new TreeMap<>();
      for (String instance : instances) {
        for (int minute = 0; minute <= lastMinute; minute++) {
          for (String scope : SCOPES) {
            long count = expectedCount(instance, scope, minute);
            if (count > 0) {
              out.put(windowKey(instance, scope, "PT1M", minuteStart(minute)), count);
            }
          }
        }
      }
      return out;
    }

    /** Every 1-hour window of the first {@code hours} hours (the base is on a whole hour), with its count. */
    Map<String, Long> expectedHours(int hours) {
      Map<String, Long> out = new TreeMap<>();
      for (String instance : instances) {
        for (String scope : SCOPES) {
          for (int hour = 0; hour < hours; hour++) {
            long count = 0;
            for (int minute = 60 * hour; minute < 60 * (hour + 1); minute++) {
              count += expectedCount(instance, scope, minute);
            }
            out.put(windowKey(instance, scope, "PT1H", minuteStart(60 * hour)), count);
          }
        }
      }
      return out;
    }

    Snapshot section(String instance, int minute, String section, List<Map<String, Object>> rows) {
      return new Snapshot(Snapshot.SCHEMA, instance + "/" + minute, new Snapshot.InstanceInfo(instance, "it", "primary",
          "7301", 170005, Map.of()), new Snapshot.AgentInfo("it", "0.1.0"), capturedAt(minute), 60_000,
          base.minus(Duration.ofDays(1)), null, section, 0, 1, rows, false);
    }
  }

  /** What identifies a window: a second copy of one is a duplicate. */
  static String windowKey(LatencyWindow w) {
    return windowKey(w.instanceId(), w.scope(), w.window(), w.windowStart());
  }

  static String windowKey(String instance, String scope, String size, Instant start) {
    return instance + " " + scope + " " + size + " " + start;
  }

  /** What identifies a delta: a second copy of one is a duplicate. */
  static String deltaKey(Delta d) {
    return d.instanceId() + " " + d.section() + " " + d.object() + " " + d.capturedAt();
  }

  /** Each item once by its key; the message names every key seen more than once. */
  static <T> void assertEachOnce(String what, Collection<T> items, Function<T, String> key) {
    Map<String, Long> copies = items.stream().collect(Collectors.groupingBy(key, TreeMap::new, Collectors.counting()));
    copies.values().removeIf(n -> n == 1);
    assertThat(copies).as("%s emitted more than once (of %d)", what, items.size()).isEmpty();
  }

  /**
   * Deltas of minutes [1, lastMinute] of every instance are there with the fleet's increments,
   * the reset flagged where the fleet resets, and no counter goes backwards in any delta.
   */
  static void assertDeltas(Fleet fleet, Collection<Delta> deltas, int lastMinute) {
    assertThat(deltas).as("no counter goes backwards in a delta, not even across a reset").allSatisfy(d -> {
      assertThat(d.deltas().values()).allSatisfy(v -> assertThat(v).isNotNegative());
      assertThat(d.rates().values()).allSatisfy(v -> assertThat(v).isNotNegative());
    });
    Map<String, Delta> byKey = new HashMap<>();
    deltas.forEach(d -> byKey.put(d.instanceId() + " " + d.object() + " " + d.capturedAt(), d));
    for (String instance : fleet.instances()) {
      for (int minute = 1; minute <= lastMinute; minute++) {
        String at = " " + fleet.capturedAt(minute);
        Delta slow = byKey.get(instance + " " + Fleet.slowObject() + at);
        Delta fast = byKey.get(instance + " " + Fleet.fastObject() + at);
        Delta table = byKey.get(instance + " " + Fleet.tableObject() + at);
        assertThat(Arrays.asList(slow, fast, table)).as("deltas of %s minute %d", instance, minute)
            .doesNotContainNull();
        long calls = fleet.slowCallsIn(instance, minute);
        assertThat(slow.reset()).as("reset of %s at minute %d", instance, minute)
            .isEqualTo(fleet.isReset(instance, minute));
        assertThat(slow.delta("calls")).as("calls of %s minute %d", instance, minute).isEqualTo(calls);
        assertThat(slow.delta("total_exec_time_ms")).isEqualTo(calls * Fleet.SLOW_MS);
        assertThat(slow.rates().get("calls")).isCloseTo(calls / 60.0, within(1e-9));
        assertThat(slow.intervalMs()).isEqualTo(60_000);
        assertThat(slow.gap()).isFalse();
        assertThat(slow.previousAt()).isEqualTo(fleet.capturedAt(minute - 1));
        assertThat(fast.delta("calls")).isEqualTo(Fleet.FAST_CALLS);
        assertThat(fast.reset()).isFalse();
        assertThat(table.delta("seq_scan")).isEqualTo(3.0);
        assertThat(table.delta("n_tup_ins")).isEqualTo(600.0);
        assertThat(table.deltas()).doesNotContainKey("n_live_tup");
      }
    }
  }

  static ProducerRecord<String, byte[]> record(Topic<?, ?> topic, String key, Instant at, byte[] value) {
    return new ProducerRecord<>(topic.name(), null, at.toEpochMilli(), key, value);
  }

  /**
   * Reads one output topic from its start, with isolation.level=read_committed unless told
   * otherwise, and keeps the records whose key passes {@code keep}, in the order of each partition.
   */
  static final class Reader<V> implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final Topic<String, V> topic;
    private final Predicate<String> keep;
    private final List<ConsumerRecord<String, V>> records = new ArrayList<>();

    Reader(String bootstrapServers, Topic<String, V> topic, Predicate<String> keep) {
      this(bootstrapServers, topic, keep, IsolationLevel.READ_COMMITTED);
    }

    Reader(String bootstrapServers, Topic<String, V> topic, Predicate<String> keep, IsolationLevel isolation) {
      this.topic = topic;
      this.keep = keep;
      Properties props = new Properties();
      props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString().toLowerCase(Locale.ROOT));
      props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
      List<TopicPartition> partitions = consumer.partitionsFor(topic.name(), Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition()))
          .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
    }

    /** One poll of up to {@code timeout}; returns everything kept so far. */
    List<ConsumerRecord<String, V>> poll(Duration timeout) {
      for (ConsumerRecord<String, byte[]> r : consumer.poll(timeout)) {
        if (r.key() != null && keep.test(r.key())) {
          records.add(new ConsumerRecord<>(r.topic(), r.partition(), r.offset(), r.timestamp(), r.timestampType(),
              r.serializedKeySize(), r.serializedValueSize(), r.key(), topic.valueSerde().deserializer()
                  .deserialize(r.topic(), r.value()), r.headers(), r.leaderEpoch()));
        }
      }
      return records;
    }

    /** Reads up to the end as of now (read_committed: the last stable offset, all committed before this call). */
    List<ConsumerRecord<String, V>> drain(Duration timeout) {
      long deadline = System.nanoTime() + timeout.toNanos();
      Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment(), timeout);
      while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("could not read " + topic.name() + " up to " + end + " within " + timeout);
        }
        poll(Duration.ofMillis(200));
      }
      return records;
    }

    List<V> values() {
      return records.stream().map(ConsumerRecord::value).toList();
    }

    @Override
    public void close() {
      consumer.close(Duration.ofSeconds(5));
    }
  }
}
