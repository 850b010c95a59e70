package dev.headroom.simulator;

import dev.headroom.simulator.internals.InstanceModel;
import dev.headroom.simulator.internals.InstancePlan;
import dev.headroom.simulator.internals.Planner;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A planned fleet: every instance's identity, resources, patterns and incidents, drawn from the
 * spec's seed. {@link #truth()} says what was planned; {@link #generator()} plays it as snapshot
 * messages, tick by tick; {@link #history()} gives the ticks of the accelerated history.
 */
public final class Fleet {
  private final FleetSpec spec;
  private final List<InstancePlan> plans;
  private final Truth truth;

  /** One snapshot time and the collection interval it belongs to. */
  public record Tick(Instant at, long intervalMs) {}

  private Fleet(FleetSpec spec, List<InstancePlan> plans) {
    this.spec = spec;
    this.plans = plans;
    List<Truth.InstanceTruth> instances = new ArrayList<>();
    for (InstancePlan p : plans) {
      instances.add(new Truth.InstanceTruth(p.id(), p.serverVersionNum(), p.labels(), p.shape(),
          List.copyOf(p.resources().values()), p.incidents()));
    }
    this.truth = new Truth(spec.seed(), spec.origin(), spec.now(), spec.saturationFraction(), instances);
  }

  public static Fleet plan(FleetSpec spec) {
    List<InstancePlan> plans = new ArrayList<>(spec.instances());
    for (int i = 0; i < spec.instances(); i++) {
      plans.add(Planner.plan(spec, i));
    }
    return new Fleet(spec, List.copyOf(plans));
  }

  public FleetSpec spec() {
    return spec;
  }

  public Truth truth() {
    return truth;
  }

  public List<String> instanceIds() {
    return plans.stream().map(InstancePlan::id).toList();
  }

  /**
   * The ticks from the origin to {@code now}: every {@code historyIntervalMs} up to the start of
   * the recent days, then every {@code intervalMs}. All are multiples of their interval since the
   * epoch, and the first fine tick comes one fine interval after the last coarse one, so no
   * interval is longer than the interval its snapshot names.
   */
  public List<Tick> history() {
    long origin = spec.origin().toEpochMilli();
    long now = spec.now().toEpochMilli();
    long coarse = spec.historyIntervalMs();
    long fine = spec.intervalMs();
    long recentStart = now - Math.round(spec.recentDays() * 86_400_000.0);
    long boundary = Math.floorDiv(recentStart, coarse) * coarse;
    List<Tick> ticks = new ArrayList<>();
    long t = ceil(origin, coarse);
    if (boundary >= origin) {
      for (; t <= boundary && t <= now; t += coarse) {
        ticks.add(new Tick(Instant.ofEpochMilli(t), coarse));
      }
      t = boundary + fine;
    } else {
      t = ceil(origin, fine);
    }
    for (; t <= now; t += fine) {
      ticks.add(new Tick(Instant.ofEpochMilli(t), fine));
    }
    return ticks;
  }

  private static long ceil(long t, long step) {
    return Math.floorDiv(t + step - 1, step) * step;
  }

  /** A fresh generator: every instance at its state before the first tick. */
  public Generator generator() {
    return new Generator();
  }

  /**
   * Plays the fleet. Each instance is advanced by {@link #tick(int, Tick)} with strictly
   * increasing times; different instances may be advanced on different threads at once.
   */
  public final class Generator {
    private final List<InstanceModel> models = new ArrayList<>();

    private Generator() {
      for (InstancePlan p : plans) {
        models.add(new InstanceModel(p, spec));
      }
    }

    public int instances() {
      return models.size();
    }

    /** The deploy events since the instance's previous tick, then its snapshot messages at this tick. */
    public List<SimulatedRecord> tick(int instance, Tick tick) {
      return models.get(instance).tick(tick.at(), tick.intervalMs());
    }

    /** {@link #tick(int, Tick)} for every instance in turn. */
    public List<SimulatedRecord> tick(Tick tick) {
      List<SimulatedRecord> out = new ArrayList<>();
      for (int i = 0; i < models.size(); i++) {
        out.addAll(tick(i, tick));
      }
      return out;
    }
  }
}
