package dev.headroom.streams;

import dev.headroom.schemas.Event;
import dev.headroom.schemas.LatencySample;
import dev.headroom.schemas.LatencySketches;
import dev.headroom.schemas.LatencyWindow;
import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.Topics;
import dev.headroom.schemas.Trend;
import dev.headroom.schemas.Usage;
import dev.headroom.streams.alerts.AlertProcessor;
import dev.headroom.streams.alerts.AlertState;
import dev.headroom.streams.alerts.Gauges;
import dev.headroom.streams.capacity.CapacitySettings;
import dev.headroom.streams.capacity.DailyPeak;
import dev.headroom.streams.capacity.ProjectionProcessor;
import dev.headroom.streams.capacity.TableSizes;
import dev.headroom.streams.capacity.UsageProcessor;
import dev.headroom.streams.capacity.UsageReadings;
import dev.headroom.streams.deltas.CounterState;
import dev.headroom.streams.deltas.DeltaBatch;
import dev.headroom.streams.deltas.DeltaProcessor;
import dev.headroom.streams.deploys.DeployCheckProcessor;
import dev.headroom.streams.deploys.DeployInput;
import dev.headroom.streams.findings.Checks;
import dev.headroom.streams.findings.FindingsChecker;
import dev.headroom.streams.findings.FindingsProcessor;
import dev.headroom.streams.internals.JsonStateSerde;
import dev.headroom.streams.internals.ParseProcessor;
import dev.headroom.streams.internals.Parsed;
import dev.headroom.streams.latency.KeyedWindows;
import dev.headroom.streams.latency.MomentObservations;
import dev.headroom.streams.latency.Observation;
import dev.headroom.streams.latency.Observations;
import dev.headroom.streams.latency.SampleDedupe;
import dev.headroom.streams.latency.ScopeLimiter;
import dev.headroom.streams.latency.SketchAggregate;
import dev.headroom.streams.trends.TrendProcessor;
import dev.headroom.streams.trends.TrendReading;
import dev.headroom.streams.trends.TrendReadings;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.Stores;

/**
 * Headroom's streams topology, a pure function of its settings:
 * snapshots → deltas → latency observations ← exact samples → 1-minute sketches → closed windows
 * (and hours and days), with findings from snapshots and deltas and SLO alerts on windows and gauges.
 */
public final class HeadroomTopology {
  public static final String LATENCY_STORE = "latency-sketches";
  static final Duration ONE_HOUR = Duration.ofHours(1);
  static final Duration ONE_DAY = Duration.ofDays(1);

  private HeadroomTopology() {}

  public static Topology build(TopologySettings settings) {
    StreamsBuilder builder = new StreamsBuilder();
    define(builder, settings);
    return builder.build();
  }

  public static void define(StreamsBuilder builder, TopologySettings settings) {
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DeltaProcessor.STORE),
        Serdes.String(), new CounterState.Serde()));

    // Snapshots: parse, dead-letter what cannot be read, difference the counters.
    KStream<String, Parsed<Snapshot>> snapshots = builder
        .stream(Topics.SNAPSHOTS.name(), Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("snapshots-in"))
        .processValues(() -> new ParseProcessor<>(Topics.SNAPSHOT_SERDE), Named.as("snapshots-parse"));
    KStream<String, Snapshot> validSnapshots = validOrDeadLetter(snapshots, "snapshots");
    KStream<String, DeltaBatch> batches = validSnapshots
        .processValues(() -> new DeltaProcessor(settings.deltasForgetAfter()), Named.as("deltas"), DeltaProcessor.STORE);
    batches.flatMapValues(DeltaBatch::deltas, Named.as("deltas-flatten"))
        .to(Topics.DELTAS.name(), Produced.with(Topics.DELTAS.keySerde(), Topics.DELTAS.valueSerde()).withName("deltas-out"));

    // Findings: each section's and each delta batch's verdicts, sent when they change.
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(FindingsProcessor.STORE),
        Serdes.String(), Serdes.String()));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(FindingsChecker.SETTINGS_STORE),
        Serdes.String(), new JsonStateSerde<>(FindingsChecker.Settings.class)));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(FindingsChecker.INDEX_STORE),
        Serdes.String(), new JsonStateSerde<>(FindingsChecker.IndexWatch.class)));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(FindingsChecker.TOP_STORE),
        Serdes.String(), new JsonStateSerde<>(FindingsChecker.TopState.class)));
    Checks checks = new Checks(settings.findings());
    KStream<String, FindingsProcessor.Verdicts> fromSnapshots = validSnapshots.processValues(
        () -> new FindingsChecker(settings.findings(), settings.deltasForgetAfter()), Named.as("findings-checks"),
        FindingsChecker.SETTINGS_STORE, FindingsChecker.INDEX_STORE, FindingsChecker.TOP_STORE);
    KStream<String, FindingsProcessor.Verdicts> fromDeltaBatches = batches.mapValues(
        b -> new FindingsProcessor.Verdicts(b.instanceId(), b.deltas().isEmpty() ? Instant.EPOCH
            : b.deltas().get(0).capturedAt(), checks.of(b.section(), b.deltas())), Named.as("findings-delta-checks"));
    fromSnapshots.merge(fromDeltaBatches, Named.as("findings-verdicts"))
        .filter((k, v) -> !v.verdicts().isEmpty(), Named.as("findings-nonempty"))
        .processValues(FindingsProcessor::new, Named.as("findings"), FindingsProcessor.STORE)
        .to(Topics.FINDINGS.name(), Produced.with(Topics.FINDINGS.keySerde(), Topics.FINDINGS.valueSerde())
            .withName("findings-out"));

    // Alerts on catalog gauges (pool efficiency, replication lag, cache hit ratio), in the snapshots' tasks.
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(AlertProcessor.CATALOG_STORE),
        Serdes.String(), new JsonStateSerde<>(AlertState.class)));
    long minBlocks = settings.findings().cacheMinBlocks();
    validSnapshots.flatMapValues(Gauges::of, Named.as("gauges-snapshots"))
        .merge(batches.flatMapValues(b -> Gauges.of(b.section(), b.deltas(), minBlocks), Named.as("gauges-deltas")),
            Named.as("gauges"))
        .process(() -> new AlertProcessor(settings.alertRules(), settings.alertClear(), AlertProcessor.CATALOG_STORE),
            Named.as("alerts-catalog"), AlertProcessor.CATALOG_STORE)
        .to(Topics.ALERTS.name(), Produced.with(Topics.ALERTS.keySerde(), Topics.ALERTS.valueSerde())
            .withName("alerts-catalog-out"));

    // Capacity: usage against capacity from snapshots and deltas; daily peaks projected when each day closes.
    CapacitySettings capacity = settings.capacity();
    UsageReadings readings = new UsageReadings(capacity.usageTables(), capacity.usageSequences(),
        capacity.storageCapacityBytes());
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(UsageProcessor.HOSTS_STORE),
        Serdes.String(), new JsonStateSerde<>(UsageReadings.HostState.class)));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(UsageProcessor.TABLES_STORE),
        Serdes.String(), new JsonStateSerde<>(TableSizes.class)));
    KStream<String, Usage> usage = validSnapshots
        .processValues(() -> new UsageProcessor(readings), Named.as("usage-snapshots"), UsageProcessor.HOSTS_STORE,
            UsageProcessor.TABLES_STORE)
        .flatMapValues(list -> list, Named.as("usage-snapshots-flatten"))
        .merge(batches.flatMapValues(b -> readings.of(b.section(), b.deltas()), Named.as("usage-deltas")),
            Named.as("usage"));
    usage.to(Topics.USAGE.name(), Produced.with(Topics.USAGE.keySerde(), Topics.USAGE.valueSerde()).withName("usage-out"));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ProjectionProcessor.DAYS_STORE),
        Serdes.String(), new JsonStateSerde<>(DailyPeak.class)));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ProjectionProcessor.PEAKS_STORE),
        Serdes.String(), new JsonStateSerde<>(ProjectionProcessor.Peaks.class)));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ProjectionProcessor.LATEST_STORE),
        Serdes.String(), Topics.PROJECTION_SERDE));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ProjectionProcessor.RUNWAYS_STORE),
        Serdes.String(), new JsonStateSerde<>(ProjectionProcessor.Runways.class)));
    usage.process(() -> new ProjectionProcessor(capacity.projector(), capacity.lookbackDays(), capacity.scenarios()),
            Named.as("projections"), ProjectionProcessor.DAYS_STORE, ProjectionProcessor.PEAKS_STORE,
            ProjectionProcessor.LATEST_STORE, ProjectionProcessor.RUNWAYS_STORE)
        .to(Topics.PROJECTIONS.name(), Produced.with(Topics.PROJECTIONS.keySerde(), Topics.PROJECTIONS.valueSerde())
            .withName("projections-out"));

    // Latency observations: moment estimates from statement deltas, exact samples as they come.
    MomentObservations moments = new MomentObservations(settings.topStatements());
    KStream<String, Observations> fromDeltas = batches
        .flatMap((k, batch) -> Observations.grouped(moments.from(batch)), Named.as("moments"))
        .processValues(() -> new TimestampFromValue<>(Observations::timestampMs), Named.as("moments-timestamp"));
    KStream<String, Parsed<LatencySample>> samples = builder
        .stream(Topics.LATENCY.name(), Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("latency-in"))
        .processValues(() -> new ParseProcessor<>(Topics.LATENCY_SAMPLE_SERDE), Named.as("latency-parse"));
    builder.addStateStore(Stores.windowStoreBuilder(Stores.persistentWindowStore(SampleDedupe.STORE,
        settings.sampleDedupeRetention(), Duration.ofMillis(1), false), Serdes.String(), Serdes.Long()));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ScopeLimiter.STORE),
        Serdes.String(), new JsonStateSerde<>(ScopeLimiter.Scopes.class)));
    KStream<String, Observations> exact = validOrDeadLetter(samples, "latency")
        .processValues(() -> new SampleDedupe(settings.sampleDedupeRetention()), Named.as("latency-dedupe"),
            SampleDedupe.STORE)
        .processValues(() -> new ScopeLimiter(settings.maxScopes()), Named.as("latency-scopes"), ScopeLimiter.STORE)
        .map((k, s) -> {
          Observation o = Observation.exact(s.instanceId(), s.scope(), s.valueMs(), s.weight(),
              s.observedAt().toEpochMilli());
          return KeyValue.pair(o.key(), Observations.of(o));
        }, Named.as("exact"));

    // One sketch per (instance|scope, minute), emitted once when the window closes by the key's own
    // event time; hours and days from them in the same task. No repartition by instance|scope:
    // every observation of an instance comes from its own snapshots and samples, which are keyed by
    // the instance and so already in one task (a repartition topic cost a serde, a produce, a fetch
    // and a wait for each commit, for nothing).
    KStream<String, LatencyWindow> minutes = windows(builder, LATENCY_STORE, fromDeltas.merge(exact,
            Named.as("observations")),
        settings.latencyWindow(), settings.latencyGrace(), settings.latencyIdle(), "PT1M", Observations::fold);
    Duration hourGrace = settings.latencyWindow().plus(settings.latencyGrace());
    KStream<String, LatencyWindow> hours = windows(builder, "latency-hour-sketches", startTimed(minutes, "hour"),
        ONE_HOUR, hourGrace, settings.latencyIdle().plus(hourGrace), "PT1H", SketchAggregate::merge);
    Duration dayGrace = ONE_HOUR.plus(hourGrace);
    KStream<String, LatencyWindow> days = windows(builder, "latency-day-sketches", startTimed(hours, "day"), ONE_DAY,
        dayGrace, settings.latencyIdle().plus(dayGrace), "P1D", SketchAggregate::merge);
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(AlertProcessor.STORE),
        Serdes.String(), new JsonStateSerde<>(AlertState.class)));
    minutes.flatMapValues(Gauges::of, Named.as("gauges-latency"))
        .process(() -> new AlertProcessor(settings.alertRules(), settings.alertClear(), AlertProcessor.STORE),
            Named.as("alerts"), AlertProcessor.STORE)
        .to(Topics.ALERTS.name(), Produced.with(Topics.ALERTS.keySerde(), Topics.ALERTS.valueSerde()).withName("alerts-out"));
    // Deploy checks: markers, the instance scope's minutes and the interval counts, in one task per instance.
    KStream<String, Parsed<Event>> events = builder
        .stream(Topics.EVENTS.name(), Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("events-in"))
        .processValues(() -> new ParseProcessor<>(Topics.EVENT_SERDE), Named.as("events-parse"));
    // repartitioned by the instance id the inputs carry: a marker captured from a migration table
    // may be keyed by that table's primary key
    KStream<String, DeployInput> deployInputs = validOrDeadLetter(events, "events")
        .filter((k, e) -> Event.DEPLOY.equals(e.kind()), Named.as("deploys"))
        .mapValues((Event e) -> DeployInput.of(e), Named.as("deploy-markers"))
        .merge(minutes.filter((k, w) -> "instance".equals(w.scope()) && w.count() > 0, Named.as("deploy-minutes"))
            .mapValues((LatencyWindow w) -> DeployInput.of(w), Named.as("deploy-minute-inputs")),
            Named.as("deploy-marker-and-minutes"))
        .merge(batches.flatMapValues(b -> DeployInput.of(b.section(), b.deltas()), Named.as("deploy-counts")),
            Named.as("deploy-all-inputs"))
        .selectKey((k, in) -> in.instanceId(), Named.as("deploy-by-instance"))
        .repartition(Repartitioned.with(Serdes.String(), new JsonStateSerde<>(DeployInput.class))
            .withName("deploy-inputs"));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DeployCheckProcessor.MINUTES_STORE),
        Serdes.String(), new JsonStateSerde<>(DeployCheckProcessor.Minute.class)));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DeployCheckProcessor.DEPLOYS_STORE),
        Serdes.String(), new JsonStateSerde<>(DeployCheckProcessor.Marker.class)));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DeployCheckProcessor.CLOCK_STORE),
        Serdes.String(), Serdes.Long()));
    deployInputs.process(() -> new DeployCheckProcessor(settings.deploys()), Named.as("deploy-checks"),
            DeployCheckProcessor.MINUTES_STORE, DeployCheckProcessor.DEPLOYS_STORE, DeployCheckProcessor.CLOCK_STORE)
        .to(Topics.DEPLOY_CHECKS.name(), Produced.with(Topics.DEPLOY_CHECKS.keySerde(),
            Topics.DEPLOY_CHECKS.valueSerde()).withName("deploy-checks-out"));

    // Week over week: p95 of the closed hours and days per scope; catalog metrics from snapshots and deltas.
    KStream<String, Trend> latencyTrends = trends(builder, "trend-latency",
        hours.merge(days, Named.as("trend-latency-windows"))
            .flatMapValues((LatencyWindow w) -> TrendReadings.of(w), Named.as("trend-latency-readings")));
    KStream<String, Trend> catalogTrends = trends(builder, "trend-catalog",
        validSnapshots.flatMapValues((Snapshot s) -> TrendReadings.of(s), Named.as("trend-snapshot-readings"))
            .merge(batches.flatMapValues(b -> TrendReadings.of(b.section(), b.deltas()),
                Named.as("trend-delta-readings")), Named.as("trend-catalog-readings")));
    latencyTrends.merge(catalogTrends, Named.as("trends"))
        .to(Topics.TRENDS.name(), Produced.with(Topics.TRENDS.keySerde(), Topics.TRENDS.valueSerde())
            .withName("trends-out"));
    minutes.merge(hours, Named.as("latency-with-hours")).merge(days, Named.as("latency-all-windows"))
        .processValues(() -> new TimestampFromValue<LatencyWindow>(w -> w.windowEnd().toEpochMilli()),
            Named.as("latency-timestamp"))
        .to(Topics.LATENCY_WINDOWS.name(),
            Produced.with(Topics.LATENCY_WINDOWS.keySerde(), Topics.LATENCY_WINDOWS.valueSerde()).withName("latency-out"));
  }

  /** A trend processor with its own stores over one stream of readings (keyed so a series lives in one task). */
  private static KStream<String, Trend> trends(StreamsBuilder builder, String name, KStream<String, TrendReading> in) {
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name + "-open"),
        Serdes.String(), new JsonStateSerde<>(TrendProcessor.Open.class)));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name + "-history"),
        Serdes.String(), new JsonStateSerde<>(TrendProcessor.History.class)));
    return in.process(() -> new TrendProcessor(name + "-open", name + "-history"), Named.as(name), name + "-open",
        name + "-history");
  }

  /**
   * Tumbling windows per {@code instance|scope} key, each emitted once when it closes (see
   * {@link KeyedWindows}); the input's record timestamps say which window.
   */
  static <V> KStream<String, LatencyWindow> windows(StreamsBuilder builder, String store, KStream<String, V> in,
      Duration size, Duration grace, Duration idle, String label,
      java.util.function.BiFunction<SketchAggregate, V, SketchAggregate> fold) {
    // cached: a window's sketch is rewritten with every record of its scope; between commits the
    // cache keeps the latest and only that reaches RocksDB and the changelog
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(store), Serdes.String(),
        new SketchAggregate.AggregateSerde()).withCachingEnabled());
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(store + "-clocks"),
        Serdes.String(), new KeyedWindows.Clock.Serde()).withCachingEnabled());
    return in.process(() -> new KeyedWindows<V>(store, store + "-clocks", size, grace, idle, label, fold),
        Named.as(store), store, store + "-clocks");
  }

  /**
   * A finer window timed at its start, for the coarser windows made by merging closed finer ones'
   * sketches (never by averaging percentiles): the last minute of an hour belongs to that hour.
   */
  private static KStream<String, LatencyWindow> startTimed(KStream<String, LatencyWindow> finer, String name) {
    return finer.processValues(() -> new TimestampFromValue<LatencyWindow>(w -> w.windowStart().toEpochMilli()),
        Named.as("latency-" + name + "-timestamp"));
  }

  private static <T> KStream<String, T> validOrDeadLetter(KStream<String, Parsed<T>> parsed, String name) {
    Map<String, KStream<String, Parsed<T>>> branches = parsed.split(Named.as(name + "-"))
        .branch((k, v) -> v.ok(), Branched.as("valid"))
        .defaultBranch(Branched.as("invalid"));
    branches.get(name + "-invalid")
        .mapValues(Parsed::deadLetter, Named.as(name + "-deadletter"))
        .to(Topics.DEADLETTER.name(), Produced.with(Topics.DEADLETTER.keySerde(), Topics.DEADLETTER.valueSerde())
            .withName(name + "-deadletter-out"));
    return branches.get(name + "-valid").mapValues(Parsed::value, Named.as(name + "-value"));
  }

  /**
   * Sets each record's timestamp from its value: an observation counts at its own time (a moment
   * observation mid-interval), and a window's record timestamp is its end (the contract).
   */
  private static final class TimestampFromValue<V> implements FixedKeyProcessor<String, V, V> {
    private final ToLongFunction<V> timestamp;
    private FixedKeyProcessorContext<String, V> context;

    TimestampFromValue(ToLongFunction<V> timestamp) {
      this.timestamp = timestamp;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, V> context) {
      this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, V> record) {
      context.forward(record.withTimestamp(timestamp.applyAsLong(record.value())));
    }
  }
}
