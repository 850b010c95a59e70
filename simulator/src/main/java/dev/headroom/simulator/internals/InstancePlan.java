package dev.headroom.simulator.internals;

import dev.headroom.simulator.Incident;
import dev.headroom.simulator.LoadShape;
import dev.headroom.simulator.ResourceTruth;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything fixed about one simulated instance before its first snapshot: identity, hardware,
 * schema, load shape, the growth of each resource (its truth) and what will happen to it.
 */
public record InstancePlan(int index, String id, String cluster, String systemIdentifier, int serverVersionNum,
    Map<String, String> labels, int cpuCount, long memBytes, long diskTotalBytes, int maxConnections,
    int reservedConnections, LoadShape shape, double hitRatio, double latencySensitivity, List<Database> databases,
    String appUser, List<Table> tables, List<Sequence> sequences, List<Pool> pools, Slot slot, boolean standby,
    Instant postmasterStart, Instant statementsReset, Instant sharedStatsReset, Map<String, ResourceTruth> resources,
    List<Incident> incidents) {

  /** A database and its share of the storage (0 for postgres, which keeps a fixed size). */
  public record Database(String name, double storageShare, double xidShare) {}

  /**
   * A table. A growing table's total size is {@code storageShare} times the storage pattern; a
   * static one keeps {@code staticBytes}. {@code resource} names its truth, or is null for a static one.
   */
  public record Table(String datname, String schema, String name, double storageShare, long staticBytes, int rowWidth,
      List<String> indexes, int unusedIndex, String resource) {}

  public record Sequence(String datname, String schema, String name, String resource) {
    public String qualified() {
      return schema + "." + name;
    }
  }

  public record Pool(String database, String user, int poolSize, String resource) {}

  public record Slot(String name, String type, String database) {}

  public ResourceTruth resource(String name) {
    ResourceTruth r = resources.get(name);
    if (r == null) {
      throw new IllegalArgumentException(id + " has no resource " + name);
    }
    return r;
  }
}
