package dev.headroom.simulator.internals;

import dev.headroom.simulator.FleetSpec;
import dev.headroom.simulator.LoadShape;
import dev.headroom.simulator.Incident;
import dev.headroom.simulator.Pattern;
import dev.headroom.simulator.ResourceTruth;
import dev.headroom.simulator.ResourceTruth.Reading;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.SplittableRandom;

/**
 * Plans one instance from the fleet's spec: draws its identity, hardware, schema and load shape,
 * then per resource a pattern kind from the mix and parameters that make a growing resource
 * reach the saturation fraction of its capacity a runway after {@code now} (drawn between the
 * spec's shortest and longest runway), and finally its incidents as Poisson processes.
 */
public final class Planner {
  static final long GB = 1L << 30;
  static final double XID_CAPACITY = 2_147_483_648.0; // 2^31, where wraparound stops the server
  static final long INT4_MAX = Integer.MAX_VALUE;
  static final List<String> MONOTONE_KINDS = List.of("flat", "linear", "exponential", "step");
  static final List<String> DATABASES = List.of("orders", "billing", "inventory", "accounts", "catalog", "payments",
      "shipping", "events");
  static final List<String> TABLES = List.of("orders", "order_items", "customers", "payments", "invoices", "events",
      "sessions", "products", "audit_log", "shipments", "carts", "refunds");
  static final List<String> STATIC_TABLES = List.of("countries", "currencies", "settings", "feature_flags");
  static final List<Integer> VERSIONS = List.of(140_015, 150_010, 160_006, 170_002);
  static final List<String> REGIONS = List.of("eu", "us", "ap");

  private Planner() {}

  public static InstancePlan plan(FleetSpec spec, int index) {
    SplittableRandom rng = Draws.rng(spec.seed(), index, 0);
    String id = spec.instanceId(index);
    String cluster = "sim-" + REGIONS.get(index % REGIONS.size());
    String systemIdentifier = "7" + String.format("%018d", rng.nextLong(1_000_000_000_000_000_000L));
    int version = Draws.pick(rng, VERSIONS);
    int cpus = Draws.pick(rng, List.of(2, 4, 8, 16, 32));
    long mem = cpus * 4 * GB;
    long disk = Draws.pick(rng, List.of(200L, 500L, 1_000L, 2_000L)) * GB;
    int maxConnections = Draws.pick(rng, List.of(100, 200, 300, 500));
    int reserved = 3; // superuser_reserved_connections; reserved_connections (16+) stays 0
    LoadShape shape = new LoadShape(rng.nextInt(9, 19), Draws.uniform(rng, 0.25, 0.6), Draws.uniform(rng, 0.5, 0.9));
    double hitRatio = Draws.uniform(rng, 0.985, 0.9995);
    double sensitivity = Draws.uniform(rng, 0, 0.3);

    // schema: postgres plus one or two application databases
    List<String> names = new ArrayList<>(DATABASES);
    String main = names.remove(rng.nextInt(names.size()));
    String second = rng.nextDouble() < 0.4 ? names.remove(rng.nextInt(names.size())) : null;
    double dataShare = 0.85;
    double mainShare = second == null ? dataShare : dataShare * Draws.uniform(rng, 0.65, 0.9);
    List<InstancePlan.Database> databases = new ArrayList<>();
    databases.add(new InstancePlan.Database("postgres", 0, 0.6));
    databases.add(new InstancePlan.Database(main, mainShare, 1.0));
    if (second != null) {
      databases.add(new InstancePlan.Database(second, dataShare - mainShare, 0.8));
    }
    String appUser = main + "_app";
    List<InstancePlan.Table> tables = new ArrayList<>();
    List<String> tableNames = new ArrayList<>(TABLES);
    for (InstancePlan.Database db : databases.subList(1, databases.size())) {
      int growing = db.name().equals(main) ? rng.nextInt(3, 6) : 2;
      double[] weights = new double[growing];
      double sum = 0;
      for (int i = 0; i < growing; i++) {
        weights[i] = Draws.logUniform(rng, 0.2, 5);
        sum += weights[i];
      }
      for (int i = 0; i < growing; i++) {
        String name = tableNames.remove(rng.nextInt(tableNames.size()));
        double share = db.storageShare() * 0.8 * weights[i] / sum;
        List<String> indexes = List.of(name + "_pkey", name + "_customer_id_idx", name + "_created_at_idx");
        boolean first = db.name().equals(main) && i == 0;
        if (first) {
          indexes = List.of(name + "_pkey", name + "_customer_id_idx", name + "_created_at_idx", name + "_legacy_status_idx");
        }
        tables.add(new InstancePlan.Table(db.name(), "public", name, share, 0, rng.nextInt(60, 400), indexes,
            first ? 3 : -1, ResourceTruth.TABLE_PREFIX + db.name() + ".public." + name));
      }
      String lookup = Draws.pick(rng, STATIC_TABLES);
      tables.add(new InstancePlan.Table(db.name(), "public", lookup, 0, rng.nextLong(64_000, 50_000_000),
          rng.nextInt(40, 200), List.of(lookup + "_pkey"), -1, null));
    }
    List<InstancePlan.Sequence> sequences = new ArrayList<>();
    for (InstancePlan.Table t : tables) {
      if (t.datname().equals(main) && t.resource() != null && sequences.size() < 2) {
        String name = t.name() + "_id_seq";
        sequences.add(new InstancePlan.Sequence(main, "public", name, ResourceTruth.SEQUENCE_PREFIX + "public." + name));
      }
    }
    List<InstancePlan.Pool> pools = new ArrayList<>();
    for (InstancePlan.Database db : databases.subList(1, databases.size())) {
      pools.add(new InstancePlan.Pool(db.name(), appUser, Draws.pick(rng, List.of(20, 30, 50, 100)),
          ResourceTruth.POOL_PREFIX + db.name() + "/" + appUser));
    }
    boolean standby = rng.nextDouble() < 0.4;
    InstancePlan.Slot slot = standby ? new InstancePlan.Slot("standby_1", "physical", null)
        : new InstancePlan.Slot("cdc_" + main, "logical", main);

    // resources
    Growth g = new Growth(spec, rng);
    Map<String, ResourceTruth> resources = new LinkedHashMap<>();
    ResourceTruth storage = g.resource(id, ResourceTruth.STORAGE, "bytes", OptionalDouble.of(disk), 0.15, 0.5,
        Reading.VALUE, spec.noise() / 10, false);
    resources.put(storage.resource(), storage);
    put(resources, g.resource(id, ResourceTruth.CONNECTIONS, "connections",
        OptionalDouble.of(maxConnections - reserved), 0.15, 0.45, Reading.DAILY_PEAK, spec.noise(), false));
    put(resources, g.resource(id, ResourceTruth.CPU, "ratio", OptionalDouble.of(1.0), 0.1, 0.4, Reading.DAILY_PEAK,
        spec.noise(), false));
    put(resources, g.resource(id, ResourceTruth.XID, "xids", OptionalDouble.of(XID_CAPACITY), 0.04, 0.12,
        Reading.VALUE, spec.noise() / 10, false));
    // WAL has no capacity: its pattern is planned as if 30 % of a notional one were used at the origin
    double walPerDay = Draws.logUniform(rng, 2, 100) * GB;
    ResourceTruth wal = g.resource(id, ResourceTruth.WAL, "bytes_per_day", OptionalDouble.of(walPerDay / 0.3), 0.3,
        0.3, Reading.PER_DAY, spec.noise(), false);
    put(resources, new ResourceTruth(id, wal.resource(), wal.unit(), wal.pattern(), OptionalDouble.empty(),
        wal.origin(), wal.reading(), wal.noise()));
    double free = disk - storage.pattern().value(0);
    put(resources, g.resource(id, ResourceTruth.SLOT_WAL, "bytes", OptionalDouble.of(free), 0.002, 0.02,
        Reading.VALUE, spec.noise(), false));
    for (InstancePlan.Sequence s : sequences) {
      put(resources, g.resource(id, s.resource(), "values", OptionalDouble.of(INT4_MAX), 0.05, 0.4, Reading.VALUE,
          0, true));
    }
    for (InstancePlan.Pool p : pools) {
      put(resources, g.resource(id, p.resource(), "clients", OptionalDouble.of(p.poolSize()), 0.2, 0.5,
          Reading.DAILY_PEAK, spec.noise(), false));
    }
    for (InstancePlan.Table t : tables) {
      if (t.resource() != null) {
        put(resources, new ResourceTruth(id, t.resource(), "bytes", storage.pattern().scaled(t.storageShare()),
            OptionalDouble.empty(), spec.origin(), Reading.VALUE, spec.noise() / 10));
      }
    }

    Instant postmasterStart = millis(spec.origin().minus(Duration.ofMinutes(rng.nextLong(60, 60 * 24 * 60))));
    Instant statementsReset = millis(postmasterStart.minus(Duration.ofMinutes(rng.nextLong(0, 60 * 24 * 90))));
    Instant sharedReset = millis(spec.origin().minus(Duration.ofDays(rng.nextLong(100, 400))));
    List<Incident> incidents = incidents(spec, rng, id, main);
    return new InstancePlan(index, id, cluster, systemIdentifier, version, Map.of("env", "sim"), cpus, mem, disk,
        maxConnections, reserved, shape, hitRatio, sensitivity, databases, appUser, tables, sequences, pools, slot,
        standby, postmasterStart, statementsReset, sharedReset, resources, incidents);
  }

  private static void put(Map<String, ResourceTruth> resources, ResourceTruth r) {
    resources.put(r.resource(), r);
  }

  private static Instant millis(Instant t) {
    return Instant.ofEpochMilli(t.toEpochMilli());
  }

  /** Draws patterns and their parameters for one instance. */
  static final class Growth {
    private final FleetSpec spec;
    private final SplittableRandom rng;

    Growth(FleetSpec spec, SplittableRandom rng) {
      this.spec = spec;
      this.rng = rng;
    }

    ResourceTruth resource(String instanceId, String name, String unit, OptionalDouble capacity, double startLo,
        double startHi, Reading reading, double noise, boolean monotone) {
      String kind = monotone ? spec.patterns().drawAmong(rng, MONOTONE_KINDS) : spec.patterns().draw(rng);
      double target = spec.saturationFraction();
      // a growing resource starts well below its saturation level
      double start = Math.min(Draws.uniform(rng, startLo, startHi), 0.6 * target);
      double runway = Draws.logUniform(rng, spec.runwayMinDays(), spec.runwayMaxDays());
      Pattern pattern = pattern(rng, kind, capacity.getAsDouble(), start, target, spec.historyDays(), runway);
      return new ResourceTruth(instanceId, name, unit, pattern, capacity, spec.origin(), reading, noise);
    }
  }

  /**
   * A pattern of {@code kind} that starts at {@code start} · capacity on day 0 and, when it grows,
   * reaches {@code target} · capacity {@code runway} days after the history's end (day {@code history}):
   * exactly so for linear and exponential, for the trend of weekly (its weekly peaks get there a
   * little earlier) and after the jump for step.
   */
  public static Pattern pattern(SplittableRandom rng, String kind, double capacity, double start, double target,
      double history, double runway) {
    double span = history + runway;
    double goal = target * capacity;
    double a = start * capacity;
    return switch (kind) {
      case "flat" -> new Pattern.Flat(a);
      case "linear" -> new Pattern.Linear(a, (goal - a) / span);
      case "exponential" -> new Pattern.Exponential(a, Math.log(goal / a) / span);
      case "weekly" -> new Pattern.Weekly(a, (goal - a) / span, Draws.uniform(rng, 0.04, 0.1) * a);
      case "step" -> {
        double size = Draws.uniform(rng, 0.05, 0.15) * capacity;
        double base = Math.max(0.01 * capacity, Math.min(a, goal - size - 0.05 * capacity));
        double at = history > 1 ? Draws.uniform(rng, 0.3, 0.8) * history : Draws.uniform(rng, 0.1, 0.3) * runway;
        yield new Pattern.Step(base, Math.max(0, (goal - base - size) / span), at, size);
      }
      default -> throw new IllegalArgumentException("unknown pattern " + kind);
    };
  }

  /** Random deploys, restarts, crashes and resets (Poisson processes) over [origin, until], plus the scheduled ones. */
  static List<Incident> incidents(FleetSpec spec, SplittableRandom rng, String id, String mainDatabase) {
    List<Incident> out = new ArrayList<>();
    int rank = 0;
    for (Instant at : poisson(rng, spec, spec.deploysPerWeek() / 7)) {
      rank++;
      double factor = rng.nextDouble() < spec.regressionProbability() ? spec.regressionFactor() : 1.0;
      out.add(Incident.deploy(id, at, "flyway:" + mainDatabase + ":public.flyway_schema_history:" + rank, factor));
    }
    for (Instant at : poisson(rng, spec, spec.restartsPerMonth() / 30)) {
      out.add(Incident.of(id, at, rng.nextDouble() < spec.crashFraction() ? Incident.Kind.CRASH
          : Incident.Kind.CLEAN_RESTART));
    }
    for (Instant at : poisson(rng, spec, spec.statsResetsPerMonth() / 30)) {
      out.add(Incident.of(id, at, Incident.Kind.STATS_RESET));
    }
    spec.scheduled().stream().filter(i -> i.instanceId().equals(id)).forEach(out::add);
    out.sort(Comparator.comparing(Incident::at));
    return out;
  }

  private static List<Instant> poisson(SplittableRandom rng, FleetSpec spec, double perDay) {
    List<Instant> out = new ArrayList<>();
    if (perDay <= 0) {
      return out;
    }
    long end = spec.until().toEpochMilli();
    double t = spec.origin().toEpochMilli();
    while (true) {
      t += -Math.log(1 - rng.nextDouble()) / perDay * 86_400_000.0;
      if (t > end) {
        return out;
      }
      out.add(Instant.ofEpochMilli((long) t));
    }
  }
}
