package dev.headroom.streams.capacity;

import dev.headroom.schemas.Delta;
import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.Usage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * What each snapshot section and delta batch says about an instance's resources, as usage
 * against capacity (CONTRACTS.md's resource names). Pure: what it needs from other sections (the
 * host's free disk for the slots' WAL, whether the instance reports a host at all) comes in as
 * {@link HostState}.
 */
public final class UsageReadings {
  /** Transaction IDs to wraparound. */
  static final double XID_CAPACITY = 2_147_483_648d;
  private static final double DAY_SECONDS = 86_400;

  /** The last host reading of an instance: when, and the data directory's free bytes. */
  public record HostState(long atMs, double diskAvailableBytes) {}

  private final int tables;
  private final int sequences;
  private final Double storageCapacityBytes;

  /**
   * @param tables how many of each instance's fastest-growing tables get a {@code table:} resource
   * @param sequences how many of each instance's most used sequences get a {@code sequence:} resource
   * @param storageCapacityBytes the storage capacity of instances that report no host section
   *     (the sum of their database sizes is then the usage); null leaves their storage without one
   */
  public UsageReadings(int tables, int sequences, Double storageCapacityBytes) {
    this.tables = tables;
    this.sequences = sequences;
    this.storageCapacityBytes = storageCapacityBytes;
  }

  public List<Usage> of(Snapshot s, HostState host) {
    return of(s, host, table -> Double.NaN);
  }

  /**
   * @param growthPerDay bytes per day a table ({@code datname.schema.table}) grew lately, NaN when
   *     not yet known: the tables that grow fastest get a {@code table:} resource, and until their
   *     growth is known the largest
   */
  public List<Usage> of(Snapshot s, HostState host, ToDoubleFunction<String> growthPerDay) {
    Instant at = s.capturedAt();
    String id = s.instanceId();
    List<Usage> out = new ArrayList<>();
    switch (s.section()) {
      case "host" -> {
        for (Map<String, Object> r : s.rows()) {
          Double total = number(r.get("disk_total_bytes"));
          Double used = number(r.get("disk_used_bytes"));
          if (total != null && used != null && total > 0) {
            out.add(usage(id, "storage", at, used, total, "bytes"));
          }
          Double memTotal = number(r.get("mem_total_bytes"));
          Double memAvailable = number(r.get("mem_available_bytes"));
          if (memTotal != null && memAvailable != null && memTotal > 0) {
            out.add(usage(id, "memory", at, memTotal - memAvailable, memTotal, "bytes"));
          }
        }
      }
      case "activity" -> {
        for (Map<String, Object> r : s.rows()) {
          Double connections = number(r.get("connections"));
          Double max = number(r.get("max_connections"));
          if (connections != null && max != null) {
            double usable = max - orZero(r.get("reserved_connections"));
            if (usable > 0) {
              out.add(usage(id, "connections", at, connections, usable, "connections"));
            }
          }
        }
      }
      case "databases" -> {
        double oldest = -1;
        double bytes = 0;
        boolean sized = false;
        for (Map<String, Object> r : s.rows()) {
          Double age = number(r.get("frozen_xid_age"));
          if (age != null) {
            oldest = Math.max(oldest, age);
          }
          Double size = number(r.get("size_bytes"));
          if (size != null) {
            bytes += size;
            sized = true;
          }
        }
        if (oldest >= 0) {
          out.add(usage(id, "xid", at, oldest, XID_CAPACITY, "xids"));
        }
        boolean hostKnown = host != null && at.toEpochMilli() - host.atMs() <= 3_600_000L;
        if (sized && !hostKnown) {
          out.add(usage(id, "storage", at, bytes, storageCapacityBytes, "bytes"));
        }
      }
      case "slots" -> {
        double retained = 0;
        for (Map<String, Object> r : s.rows()) {
          retained += orZero(r.get("retained_wal_bytes"));
        }
        if (!s.rows().isEmpty() && host != null) {
          // what the slots hold is on the disk already: they could grow into what is free besides
          out.add(usage(id, "slot_wal", at, retained, host.diskAvailableBytes() + retained, "bytes"));
        }
      }
      case "sequences" -> {
        List<Usage> all = new ArrayList<>();
        for (Map<String, Object> r : s.rows()) {
          Double last = number(r.get("last_value"));
          Double min = number(r.get("min_value"));
          Double max = number(r.get("max_value"));
          double increment = orZero(r.get("increment_by"));
          if (last == null || min == null || max == null || increment == 0 || Boolean.TRUE.equals(r.get("cycle"))) {
            continue; // unreadable, or a cycling sequence that never runs out
          }
          if (!(max > min)) {
            continue;
          }
          double used = increment > 0 ? last - min : max - last;
          all.add(usage(id, "sequence:" + str(r.get("datname")) + "." + str(r.get("name")), at, used, max - min,
              "values"));
        }
        all.stream().sorted(Comparator.comparingDouble((Usage u) -> u.value() / u.capacity()).reversed()
            .thenComparing(Usage::resource)).limit(sequences).forEach(out::add);
      }
      case "pgbouncer_pools" -> {
        for (Map<String, Object> r : s.rows()) {
          Double size = number(r.get("pool_size"));
          if (size == null || size <= 0) {
            continue;
          }
          out.add(usage(id, "pool:" + str(r.get("database")) + "/" + str(r.get("user")), at,
              orZero(r.get("cl_active")) + orZero(r.get("cl_waiting")), size, "clients"));
        }
      }
      case "tables" -> {
        // known growth first, fastest first; then the tables whose growth is not known yet, largest first
        Comparator<Map<String, Object>> growth = Comparator.comparingDouble((Map<String, Object> r) -> {
          double g = growthPerDay.applyAsDouble(tableName(r));
          return Double.isNaN(g) ? Double.NEGATIVE_INFINITY : g;
        });
        s.rows().stream()
            .filter(r -> bytes(r) != null)
            .sorted(growth.reversed()
                .thenComparing(Comparator.comparingDouble((Map<String, Object> r) -> bytes(r)).reversed()))
            .limit(tables)
            .forEach(r -> out.add(usage(id, "table:" + tableName(r), at, bytes(r), null, "bytes")));
      }
      default -> { }
    }
    return out;
  }

  /** {@code datname.schema.table}: a table's name in its {@code table:} resource. */
  static String tableName(Map<String, Object> row) {
    return str(row.get("datname")) + "." + str(row.get("schema")) + "." + str(row.get("table"));
  }

  /** CPU busy share from the host's tick deltas, WAL written per day from the WAL position's delta. */
  public List<Usage> of(String section, List<Delta> deltas) {
    List<Usage> out = new ArrayList<>();
    for (Delta d : deltas) {
      if (d.gap() || d.reset()) {
        continue; // a long or broken interval says nothing about a day's peak
      }
      switch (section) {
        case "host" -> {
          double total = d.delta("cpu_total_ticks");
          if (total > 0) {
            double idle = d.delta("cpu_idle_ticks") + d.delta("cpu_iowait_ticks");
            out.add(usage(d.instanceId(), "cpu", d.capturedAt(), Math.max(0, 1 - idle / total), 1.0, "ratio"));
          }
        }
        case "wal" -> {
          Double rate = d.rates().get("wal_position_bytes");
          if (rate != null) {
            out.add(usage(d.instanceId(), "wal", d.capturedAt(), rate * DAY_SECONDS, null, "bytes/day"));
          }
        }
        default -> { }
      }
    }
    return out;
  }

  private static Usage usage(String id, String resource, Instant at, double value, Double capacity, String unit) {
    return new Usage(Usage.SCHEMA, id, resource, at, value, capacity != null && capacity > 0 ? capacity : null, unit);
  }

  /** A table's size in bytes (exact when measured, else estimated), or null. */
  static Double bytes(Map<String, Object> r) {
    Double exact = number(r.get("table_bytes"));
    return exact != null ? exact : number(r.get("estimated_bytes"));
  }

  private static Double number(Object v) {
    return v instanceof Number n ? n.doubleValue() : null;
  }

  private static double orZero(Object v) {
    return v instanceof Number n ? n.doubleValue() : 0;
  }

  private static String str(Object v) {
    return v == null ? "" : v.toString();
  }
}
