package dev.headroom.bench;

import dev.headroom.bench.CostMeters.Entry;
import dev.headroom.bench.CostMeters.RoleStatements;
import dev.headroom.bench.CostMeters.Samples;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What inside the tables and indexes statements costs the server: the statement as the collector
 * runs it, then with one expensive expression taken out at a time, each on a new connection (the
 * collector's per-database reads: the backend's relation and catalog caches start empty) and on
 * a connection that already ran it once (caches filled).
 */
final class SqlAnatomy {
  record Variant(String name, String sql) {}

  /** Server execution of one variant: on new connections, and on a reused one. */
  record Cost(Variant variant, Samples fresh, Samples reused) {}

  private static final String TABLE_SIZES =
      " pg_relation_size(t.relid) AS table_bytes, pg_total_relation_size(t.relid) AS total_bytes,";
  private static final String INDEX_SIZE = " pg_relation_size(x.indexrelid) AS size_bytes,";
  private static final String INDEXDEF = ", pg_get_indexdef(x.indexrelid) AS definition";
  private static final String BACKS_CONSTRAINT =
      " EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid) AS backs_constraint,";

  static List<Variant> variants() {
    String t = PlainCatalogRead.TABLES;
    String i = PlainCatalogRead.INDEXES;
    List<Variant> v = new ArrayList<>();
    v.add(new Variant("tables, as the collector reads it", t));
    v.add(new Variant("tables without pg_relation_size and pg_total_relation_size", replace(t, TABLE_SIZES, "")));
    v.add(new Variant("tables, size from pg_class.relpages (as of the last VACUUM/ANALYZE)", replace(t, TABLE_SIZES,
        " c.relpages::bigint * current_setting('block_size')::bigint AS table_bytes,")));
    v.add(new Variant("indexes, as the collector reads it", i));
    v.add(new Variant("indexes without pg_relation_size", replace(i, INDEX_SIZE, "")));
    v.add(new Variant("indexes without pg_get_indexdef", replace(i, INDEXDEF, "")));
    v.add(new Variant("indexes without the pg_constraint EXISTS", replace(i, BACKS_CONSTRAINT, "")));
    v.add(new Variant("indexes without all three", replace(replace(replace(i, INDEX_SIZE, ""), INDEXDEF, ""),
        BACKS_CONSTRAINT, "")));
    return v;
  }

  private static String replace(String sql, String fragment, String with) {
    if (!sql.contains(fragment)) {
      throw new IllegalStateException("the catalog SQL changed: '" + fragment.trim() + "' is not in it");
    }
    return sql.replace(fragment, with);
  }

  static List<Cost> measure(PlainCatalogRead.Connector connector, String database, RoleStatements roles, String role,
      int runs) throws SQLException {
    Map<Variant, Cost> out = new LinkedHashMap<>();
    for (Variant v : variants()) {
      Cost cost = new Cost(v, new Samples(), new Samples());
      for (int r = 0; r < runs; r++) {
        try (Connection c = connector.open(database)) {
          cost.fresh().add(serverMs(c, v.sql(), roles, role));
        }
      }
      try (Connection c = connector.open(database)) {
        serverMs(c, v.sql(), roles, role); // fills the caches
        for (int r = 0; r < runs; r++) {
          cost.reused().add(serverMs(c, v.sql(), roles, role));
        }
      }
      out.put(v, cost);
    }
    return List.copyOf(out.values());
  }

  private static double serverMs(Connection c, String sql, RoleStatements roles, String role) throws SQLException {
    Map<String, Entry> before = roles.read(role);
    try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        // drain
      }
    }
    return RoleStatements.delta(before, roles.read(role)).stream().mapToDouble(Entry::totalExecMs).sum();
  }
}
