package dev.headroom.streams.capacity;

import dev.headroom.schemas.Projection;
import dev.headroom.schemas.Usage;
import org.apache.kafka.common.metrics.Sensor;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps each resource's peak of the current UTC day and, when the resource's first reading of a
 * later day closes it, projects the resource under the baseline and each scenario from the
 * lookback's daily peaks, marking the instance's bottleneck: the resource that reaches its line
 * first. When the mark moves, the resource that lost it is sent again without it. The input is
 * usage keyed by instance, so all of an instance's resources live in one task and no repartition
 * is needed; a reading of a day already closed is late and left out (counted). Everything is in
 * event time: a replay of history gives the projections living through it gave.
 */
public final class ProjectionProcessor implements Processor<String, Usage, String, Projection> {
  public static final String DAYS_STORE = "projection-days";
  public static final String PEAKS_STORE = "projection-peaks";
  public static final String LATEST_STORE = "projection-latest";
  public static final String RUNWAYS_STORE = "projection-runways";
  static final long DAY_MS = Duration.ofDays(1).toMillis();
  static final Duration PURGE_EVERY = Duration.ofMinutes(10);

  /** One day's peak, and when in the day it was read (a growing resource peaks late in the day). */
  public record Point(long dayStartMs, long atMs, double peak) {}

  /** The daily peaks of one resource within the lookback. */
  public record Peaks(List<Point> points) {}

  /** When one resource reaches its line (null: not within the runway considered), as last projected. */
  public record Runway(Long saturationAtMs, long computedAtMs) {}

  /** The runways of an instance's resources in one scenario, and which resource had the mark. */
  public record Runways(Map<String, Runway> resources, String bottleneck) {}

  private final Projector.Settings settings;
  private final int lookbackDays;
  private final Scenarios scenarios;
  private ProcessorContext<String, Projection> context;
  private KeyValueStore<String, DailyPeak> days;
  private KeyValueStore<String, Peaks> peaks;
  private Sensor late;
  private KeyValueStore<String, Projection> latest;
  private KeyValueStore<String, Runways> runways;
  private long latestDay = Long.MIN_VALUE;

  public ProjectionProcessor(Projector.Settings settings, int lookbackDays, Scenarios scenarios) {
    this.settings = settings;
    this.lookbackDays = lookbackDays;
    this.scenarios = scenarios;
  }

  @Override
  public void init(ProcessorContext<String, Projection> context) {
    this.context = context;
    this.days = context.getStateStore(DAYS_STORE);
    this.peaks = context.getStateStore(PEAKS_STORE);
    this.late = context.metrics().addRateTotalSensor("headroom", "capacity", "late-usage",
        Sensor.RecordingLevel.INFO, "thread-id", Thread.currentThread().getName(), "task-id",
        context.taskId().toString());
    this.latest = context.getStateStore(LATEST_STORE);
    this.runways = context.getStateStore(RUNWAYS_STORE);
    context.schedule(PURGE_EVERY, PunctuationType.WALL_CLOCK_TIME, now -> forgetVanished());
  }

  @Override
  public void process(Record<String, Usage> record) {
    Usage u = record.value();
    String key = u.instanceId() + "|" + u.resource();
    long at = u.at().toEpochMilli();
    long day = Math.floorDiv(at, DAY_MS) * DAY_MS;
    DailyPeak open = days.get(key);
    if (open != null && day < open.dayStartMs()) {
      late.record();
      return;
    }
    if (open != null && day == open.dayStartMs()) {
      DailyPeak next = open.add(u);
      // most readings raise nothing: write only what changes the day's peak or capacity
      if (next.peak() != open.peak() || !java.util.Objects.equals(next.capacity(), open.capacity())) {
        days.put(key, next);
      }
      return;
    }
    days.put(key, DailyPeak.empty().ofDay(day).add(u));
    if (open != null) {
      close(open);
    }
  }

  /** Adds a closed day's peak to the resource's lookback and projects it. */
  private void close(DailyPeak day) {
    latestDay = Math.max(latestDay, day.dayStartMs());
    String key = day.instanceId() + "|" + day.resource();
    Peaks known = peaks.get(key);
    List<Point> points = new ArrayList<>(known == null ? List.of() : known.points());
    points.removeIf(p -> p.dayStartMs() == day.dayStartMs()
        || p.dayStartMs() <= day.dayStartMs() - lookbackDays * DAY_MS);
    points.add(new Point(day.dayStartMs(), day.peakAtMs(), day.peak()));
    points.sort(Comparator.comparingLong(Point::dayStartMs));
    peaks.put(key, new Peaks(points));
    if (day.capacity() == null || points.size() < settings.minPoints()
        || points.get(points.size() - 1).dayStartMs() != day.dayStartMs()) {
      return; // no line to reach, too few days yet, or a late day older than the newest
    }
    long first = points.get(0).dayStartMs();
    double[] t = new double[points.size()];
    double[] y = new double[points.size()];
    for (int i = 0; i < t.length; i++) {
      t[i] = (points.get(i).atMs() - first) / (double) DAY_MS;
      y[i] = points.get(i).peak();
    }
    long computedAt = day.dayStartMs() + DAY_MS;
    double now = (computedAt - first) / (double) DAY_MS;
    List<Scenarios.Spec> all = new ArrayList<>();
    all.add(new Scenarios.Spec(Projector.Scenario.BASELINE.name(), 1, null, 1));
    all.addAll(scenarios.specs());
    for (Scenarios.Spec spec : all) {
      Projector.Scenario scenario = new Projector.Scenario(spec.name(), spec.growthMultiplier(),
          spec.spikeAtMs() == null ? null : (spec.spikeAtMs() - first) / (double) DAY_MS, spec.spikeFactor());
      Projector.Projection p = Projector.project(t, y, day.capacity(), now, settings, scenario);
      if (p != null) {
        publish(day, spec.name(), message(day, spec.name(), p, points.size(), computedAt));
      }
    }
  }

  /** Sends a resource's projection with the bottleneck mark as it now stands, and moves the mark. */
  private void publish(DailyPeak day, String scenario, Projection projection) {
    String runwaysKey = day.instanceId() + "|" + scenario;
    Runways before = runways.get(runwaysKey);
    Map<String, Runway> resources = new HashMap<>(before == null ? Map.of() : before.resources());
    long computedAt = projection.computedAt().toEpochMilli();
    resources.put(day.resource(), new Runway(projection.saturationAt() == null ? null
        : projection.saturationAt().toEpochMilli(), computedAt));
    // a resource not projected within the lookback has gone (a dropped table, a removed pool)
    resources.values().removeIf(r -> r.computedAtMs() <= computedAt - lookbackDays * DAY_MS);
    String bottleneck = resources.entrySet().stream()
        .filter(e -> e.getValue().saturationAtMs() != null)
        .min(Comparator.<Map.Entry<String, Runway>>comparingLong(e -> e.getValue().saturationAtMs())
            .thenComparing(Map.Entry::getKey))
        .map(Map.Entry::getKey).orElse(null);
    String previous = before == null ? null : before.bottleneck();
    runways.put(runwaysKey, new Runways(resources, bottleneck));
    forward(withMark(projection, day.resource().equals(bottleneck)));
    for (String other : new String[] {previous, bottleneck}) {
      if (other != null && !other.equals(day.resource())) {
        String latestKey = day.instanceId() + "|" + other + "|" + scenario;
        Projection last = latest.get(latestKey);
        boolean mark = other.equals(bottleneck);
        if (last != null && last.bottleneck() != mark) {
          forward(withMark(last, mark));
        }
      }
    }
  }

  private void forward(Projection p) {
    latest.put(p.key(), p);
    context.forward(new Record<>(p.key(), p, p.computedAt().toEpochMilli()));
  }

  private static Projection withMark(Projection p, boolean bottleneck) {
    return p.bottleneck() == bottleneck ? p : new Projection(p.schema(), p.instanceId(), p.resource(), p.scenario(),
        p.unit(), p.capacity(), p.saturationFraction(), p.currentPeak(), p.model(), p.params(), p.lookbackDays(),
        p.points(), p.timeToSaturationDays(), p.saturationAt(), p.runwayLowDays(), p.runwayHighDays(),
        p.horizonDays(), p.headroomAtHorizon(), bottleneck, p.computedAt());
  }

  private Projection message(DailyPeak day, String scenario, Projector.Projection p, int points, long computedAt) {
    Projector.Fit fit = p.chosen();
    boolean linear = fit.model() == Projector.Model.LINEAR;
    Double tts = p.timeToSaturationDays();
    Instant saturationAt = tts == null ? null : Instant.ofEpochMilli(computedAt + Math.round(tts * DAY_MS));
    return new Projection(Projection.SCHEMA, day.instanceId(), day.resource(), scenario, day.unit(), day.capacity(),
        settings.saturationFraction(), p.currentPeak(), fit.model().wire(),
        new Projection.Params(fit.intercept(), linear ? fit.slope() : null, linear ? null : fit.slope(), fit.r2()),
        lookbackDays, points, tts, saturationAt, p.runwayLowDays(), p.runwayHighDays(), (int) settings.horizonDays(),
        p.headroomAtHorizon(), false, Instant.ofEpochMilli(computedAt));
  }

  /** Forgets the peaks and last projections of resources with no day within the lookback of the newest day seen. */
  void forgetVanished() {
    if (latestDay == Long.MIN_VALUE) {
      return;
    }
    long horizon = latestDay - lookbackDays * DAY_MS;
    List<String> old = new ArrayList<>();
    try (KeyValueIterator<String, Peaks> all = peaks.all()) {
      while (all.hasNext()) {
        KeyValue<String, Peaks> entry = all.next();
        List<Point> points = entry.value.points();
        if (points.isEmpty() || points.get(points.size() - 1).dayStartMs() <= horizon) {
          old.add(entry.key);
        }
      }
    }
    for (String key : old) {
      peaks.delete(key);
      days.delete(key);
      latest.delete(key + "|" + Projector.Scenario.BASELINE.name());
      scenarios.specs().forEach(spec -> latest.delete(key + "|" + spec.name()));
    }
  }
}
