package dev.headroom.streams.capacity;

import java.util.List;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/** The usage series and projections: every one a {@code usage.*} or {@code projections.*} setting. */
public record CapacitySettings(Projector.Settings projector, int lookbackDays, Scenarios scenarios, int usageTables,
    int usageSequences, Double storageCapacityBytes) {
  static final String LOOKBACK = "projections.lookback.days";
  static final String MIN_POINTS = "projections.min.points";
  static final String SATURATION = "projections.saturation.fraction";
  static final String HORIZON = "projections.horizon.days";
  static final String BUFFER = "projections.growth.buffer";
  static final String CONFIDENCE = "projections.confidence";
  static final String SCENARIOS = "projections.scenarios";
  static final String TABLES = "usage.tables";
  static final String SEQUENCES = "usage.sequences";
  static final String STORAGE_CAPACITY = "usage.storage.capacity.bytes";

  public static final CapacitySettings DEFAULTS = new CapacitySettings(Projector.Settings.DEFAULTS, 28, Scenarios.NONE,
      20, 20, null);

  public CapacitySettings {
    if (lookbackDays < projector.minPoints()) {
      throw new ConfigException(LOOKBACK, lookbackDays, "must be at least " + MIN_POINTS + " (" + projector.minPoints()
          + ")");
    }
  }

  public static ConfigDef define(ConfigDef def) {
    Projector.Settings d = Projector.Settings.DEFAULTS;
    return def
        .define(LOOKBACK, Type.INT, DEFAULTS.lookbackDays, Range.between(3, 3650), Importance.MEDIUM,
            "Days of daily peaks each projection is fitted to.")
        .define(MIN_POINTS, Type.INT, d.minPoints(), Range.between(3, 3650), Importance.LOW,
            "Daily peaks a resource needs before it is projected.")
        .define(SATURATION, Type.DOUBLE, d.saturationFraction(), Range.between(0.01, 1), Importance.MEDIUM,
            "The fraction of capacity that counts as saturated (databases degrade past 70-80 %): time to"
                + " saturation is until the projected peak reaches it.")
        .define(HORIZON, Type.INT, (int) d.horizonDays(), Range.between(1, 3650), Importance.MEDIUM,
            "The planning horizon in days: headroom_at_horizon is capacity - projected peak there × (1 + buffer).")
        .define(BUFFER, Type.DOUBLE, d.growthBuffer(), Range.between(0, 10), Importance.LOW,
            "Growth buffer added to the projected peak at the horizon, as a fraction of it.")
        .define(CONFIDENCE, Type.DOUBLE, d.confidence(), Range.between(0.5, 0.999), Importance.LOW,
            "Confidence of the runway range (the fit's prediction interval) and of the test that the resource"
                + " grows at all; without significant growth time_to_saturation_days is null.")
        .define(SCENARIOS, Type.LIST, "", new ScenarioList(), Importance.MEDIUM,
            "What-if scenarios projected beside the baseline, each name:growth:<multiplier> (growth from now on"
                + " multiplied, e.g. traffic-x3:growth:3) or name:spike:<factor>:<yyyy-mm-dd> (one UTC day's peak"
                + " multiplied, e.g. black-friday:spike:5:2026-11-27).")
        .define(TABLES, Type.INT, DEFAULTS.usageTables, Range.between(0, 10_000), Importance.LOW,
            "How many of each instance's fastest-growing tables get a table:<datname.schema.table> usage series:"
                + " growth in bytes per day over the last 7 days (each table's first size of each day is kept), and"
                + " until a table has a day of history, size.")
        .define(SEQUENCES, Type.INT, DEFAULTS.usageSequences, Range.between(0, 100_000), Importance.LOW,
            "How many of each instance's most used sequences (by the share of their range) get a"
                + " sequence:<datname.schema.name> usage series and projection.")
        .define(STORAGE_CAPACITY, Type.LONG, null, Importance.LOW,
            "Storage capacity in bytes of instances that report no host section (managed databases); their"
                + " storage usage is then the sum of their database sizes. Empty: no storage projection for them.");
  }

  public static CapacitySettings from(AbstractConfig c) {
    Long storage = c.getLong(STORAGE_CAPACITY);
    if (storage != null && storage <= 0) {
      throw new ConfigException(STORAGE_CAPACITY, storage, "must be positive");
    }
    if (c.getInt(LOOKBACK) < c.getInt(MIN_POINTS)) {
      throw new ConfigException(LOOKBACK, c.getInt(LOOKBACK), "must be at least " + MIN_POINTS);
    }
    Projector.Settings projector = new Projector.Settings(c.getDouble(SATURATION), c.getInt(HORIZON),
        c.getDouble(BUFFER), c.getDouble(CONFIDENCE), c.getInt(MIN_POINTS), Projector.Settings.DEFAULTS.maxRunwayDays());
    return new CapacitySettings(projector, c.getInt(LOOKBACK), Scenarios.parse(c.getList(SCENARIOS)),
        c.getInt(TABLES), c.getInt(SEQUENCES), storage == null ? null : storage.doubleValue());
  }

  /** Every scenario parses, and names are unique. */
  static final class ScenarioList implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      java.util.Set<String> names = new java.util.HashSet<>();
      for (Object entry : (List<?>) value) {
        try {
          if (!names.add(Scenarios.spec(entry.toString()).name())) {
            throw new ConfigException(name, value, "scenario names must be unique: " + entry);
          }
        } catch (IllegalArgumentException e) {
          throw new ConfigException(name, entry, e.getMessage());
        }
      }
    }

    @Override
    public String toString() {
      return "name:growth:<multiplier> or name:spike:<factor>:<yyyy-mm-dd>,...";
    }
  }
}
