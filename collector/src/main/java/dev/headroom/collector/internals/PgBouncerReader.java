package dev.headroom.collector.internals;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PgBouncer's admin console: SHOW POOLS (with each pool's size from SHOW DATABASES) as the
 * {@code pgbouncer_pools} section and SHOW STATS (cumulative per database) as
 * {@code pgbouncer_stats}. The commands are constants.
 */
public final class PgBouncerReader {
  private PgBouncerReader() {}

  public static Map<String, List<Map<String, Object>>> read(PgBouncerConsole c) throws SQLException {
    // an automatic (wildcard) database drops out of SHOW DATABASES while idle: its pools use the default size
    Object defaultPoolSize = null;
    for (Map<String, Object> setting : c.show("SHOW CONFIG")) {
      if ("default_pool_size".equals(setting.get("key"))) {
        defaultPoolSize = number(setting.get("value"));
      }
    }
    Map<String, Map<String, Object>> databases = new HashMap<>();
    for (Map<String, Object> db : c.show("SHOW DATABASES")) {
      databases.put((String) db.get("name"), db);
    }
    List<Map<String, Object>> pools = new ArrayList<>();
    for (Map<String, Object> pool : c.show("SHOW POOLS")) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("database", pool.get("database"));
      row.put("user", pool.get("user"));
      for (String field : List.of("cl_active", "cl_waiting", "sv_active", "sv_idle", "sv_used", "sv_tested", "sv_login")) {
        row.put(field, pool.get(field));
      }
      long maxwait = number(pool.get("maxwait")) * 1000 + number(pool.get("maxwait_us")) / 1000;
      row.put("maxwait_ms", maxwait);
      row.put("pool_mode", pool.get("pool_mode"));
      Map<String, Object> db = databases.get((String) pool.get("database"));
      if (db != null) {
        row.put("pool_size", db.get("pool_size"));
        row.put("max_db_connections", db.get("max_connections"));
      } else {
        row.put("pool_size", defaultPoolSize);
      }
      pools.add(row);
    }
    List<Map<String, Object>> stats = new ArrayList<>();
    for (Map<String, Object> stat : c.show("SHOW STATS")) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("database", stat.get("database"));
      for (String field : List.of("total_xact_count", "total_query_count", "total_received", "total_sent")) {
        row.put(field, stat.get(field));
      }
      // PgBouncer reports microseconds
      for (String field : List.of("total_xact_time", "total_query_time", "total_wait_time")) {
        if (stat.get(field) != null) {
          row.put(field + "_ms", number(stat.get(field)) / 1000.0);
        }
      }
      stats.add(row);
    }
    Map<String, List<Map<String, Object>>> out = new LinkedHashMap<>();
    out.put("pgbouncer_pools", pools);
    out.put("pgbouncer_stats", stats);
    return out;
  }

  private static long number(Object value) {
    if (value instanceof Number n) {
      return n.longValue();
    }
    if (value == null) {
      return 0;
    }
    try {
      return Long.parseLong(value.toString().trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

}
