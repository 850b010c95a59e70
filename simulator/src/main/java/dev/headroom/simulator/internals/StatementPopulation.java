package dev.headroom.simulator.internals;

import dev.headroom.simulator.internals.StatementModel.Kind;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The statements of a simulated instance: per application database a mix of point and range
 * reads, counts, reports, inserts, updates and deletes on its tables, each with its own
 * log-normal latency and call rate; plus the collector's own read of pg_stat_statements.
 */
final class StatementPopulation {
  /** Typical cost of a kind: ranges of median ms, sigma, calls/s at peak, rows, blocks, temp blocks, WAL bytes per call. */
  private record Cost(double medianLo, double medianHi, double sigmaLo, double sigmaHi, double rateLo, double rateHi,
      double rowsLo, double rowsHi, double blocksLo, double blocksHi, double tempLo, double tempHi, double walLo,
      double walHi) {}

  private static final Map<Kind, Cost> COSTS = new EnumMap<>(Map.of(
      Kind.POINT_READ, new Cost(0.03, 0.5, 0.3, 0.8, 5, 500, 1, 1, 3, 6, 0, 0, 0, 0),
      Kind.RANGE_READ, new Cost(0.3, 8, 0.5, 1.0, 1, 100, 5, 50, 20, 200, 0, 0, 0, 0),
      Kind.COUNT, new Cost(5, 200, 0.4, 1.0, 0.01, 2, 1, 1, 1_000, 50_000, 0, 0, 0, 0),
      Kind.REPORT, new Cost(50, 2_000, 0.5, 1.2, 0.001, 0.1, 10, 1_000, 10_000, 200_000, 100, 10_000, 0, 0),
      Kind.INSERT, new Cost(0.05, 1, 0.3, 0.8, 2, 300, 1, 1, 3, 6, 0, 0, 150, 2_000),
      Kind.UPDATE, new Cost(0.05, 2, 0.4, 0.9, 1, 200, 1, 1, 4, 8, 0, 0, 100, 1_500),
      Kind.DELETE, new Cost(0.1, 20, 0.5, 1.1, 0.05, 20, 1, 100, 10, 100, 0, 0, 100, 5_000)));

  private static final Map<Kind, List<String>> TEMPLATES = new EnumMap<>(Map.of(
      Kind.POINT_READ, List.of("SELECT * FROM public.%s WHERE id = $1",
          "SELECT id, status, updated_at FROM public.%s WHERE id = $1",
          "SELECT EXISTS (SELECT $1 FROM public.%s WHERE id = $2)"),
      Kind.RANGE_READ, List.of("SELECT * FROM public.%s WHERE customer_id = $1 ORDER BY created_at DESC LIMIT $2",
          "SELECT id, amount FROM public.%s WHERE customer_id = $1 AND created_at > $2",
          "SELECT * FROM public.%s WHERE created_at BETWEEN $1 AND $2 ORDER BY id LIMIT $3"),
      Kind.COUNT, List.of("SELECT count(*) FROM public.%s WHERE status = $1",
          "SELECT count(*) FROM public.%s WHERE amount > $1",
          "SELECT status, count(*) FROM public.%s GROUP BY status"),
      Kind.REPORT, List.of(
          "SELECT date_trunc($1, created_at) AS day, count(*), sum(amount) FROM public.%s WHERE created_at >= $2"
              + " GROUP BY 1 ORDER BY 1",
          "SELECT customer_id, sum(amount) FROM public.%s GROUP BY customer_id ORDER BY 2 DESC LIMIT $1",
          "SELECT percentile_cont($1) WITHIN GROUP (ORDER BY amount) FROM public.%s WHERE created_at >= $2"),
      Kind.INSERT, List.of("INSERT INTO public.%s (customer_id, status, amount, created_at) VALUES ($1, $2, $3, $4)",
          "INSERT INTO public.%s (customer_id, status, amount) VALUES ($1, $2, $3) RETURNING id",
          "INSERT INTO public.%s (customer_id, status) VALUES ($1, $2) ON CONFLICT DO NOTHING"),
      Kind.UPDATE, List.of("UPDATE public.%s SET status = $1, updated_at = now() WHERE id = $2",
          "UPDATE public.%s SET amount = amount + $1 WHERE id = $2",
          "UPDATE public.%s SET updated_at = now() WHERE id = $1 RETURNING status"),
      Kind.DELETE, List.of("DELETE FROM public.%s WHERE created_at < $1",
          "DELETE FROM public.%s WHERE id = $1",
          "DELETE FROM public.%s WHERE status = $1 AND updated_at < $2")));

  /** Kinds by weight: reads dominate, as in most OLTP applications. */
  private static final List<Kind> WEIGHTED = List.of(Kind.POINT_READ, Kind.POINT_READ, Kind.POINT_READ, Kind.POINT_READ,
      Kind.RANGE_READ, Kind.RANGE_READ, Kind.RANGE_READ, Kind.INSERT, Kind.INSERT, Kind.UPDATE, Kind.UPDATE,
      Kind.DELETE, Kind.COUNT, Kind.REPORT);

  private static final List<String> MIGRATIONS = List.of("add_index_on_status", "add_column_discount",
      "create_table_refunds", "backfill_customer_region", "drop_legacy_flags", "add_fk_order_items",
      "partition_events_by_month", "alter_amount_numeric", "add_unique_email", "rename_state_to_status");

  private StatementPopulation() {}

  static void create(InstanceModel model) {
    InstancePlan plan = model.plan;
    int total = model.spec.statements();
    List<InstancePlan.Database> apps = plan.databases().stream().filter(db -> db.storageShare() > 0).toList();
    double shares = apps.stream().mapToDouble(InstancePlan.Database::storageShare).sum();
    Set<String> used = new HashSet<>();
    int made = 0;
    for (int d = 0; d < apps.size(); d++) {
      InstancePlan.Database db = apps.get(d);
      int n = d == apps.size() - 1 ? total - made : Math.max(1, (int) Math.round(total * db.storageShare() / shares));
      for (int i = 0; i < n; i++) {
        model.statements.add(statement(model, db.name(), used));
      }
      made += n;
    }
    // the collector's own read, as every monitored instance shows it
    model.statements.add(new StatementModel(model.rng.nextLong(), "postgres", "headroom",
        "SELECT s.queryid, d.datname, r.rolname AS usename, s.toplevel, left(s.query, $1) AS query, s.calls"
            + " FROM pg_stat_statements s LEFT JOIN pg_database d ON d.oid = s.dbid"
            + " LEFT JOIN pg_roles r ON r.oid = s.userid ORDER BY s.total_exec_time DESC LIMIT $2",
        Kind.RANGE_READ, -1, Math.log(Draws.uniform(model.rng, 2, 15)), 0.3, 1.0 / 60, 1_000, 50, 0, 0));
  }

  /** A statement a deploy brings, in the main database. */
  static void addOne(InstanceModel model) {
    Set<String> used = new HashSet<>();
    model.statements.forEach(s -> used.add(s.query + "@" + s.datname));
    model.statements.add(statement(model, model.plan.databases().get(1).name(), used));
  }

  static String migration(RandomGenerator rng) {
    return Draws.pick(rng, MIGRATIONS);
  }

  private static StatementModel statement(InstanceModel model, String datname, Set<String> used) {
    RandomGenerator rng = model.rng;
    List<InstancePlan.Table> tables = model.plan.tables();
    Kind kind = Kind.POINT_READ;
    int table = 0;
    String query = null;
    for (int attempt = 0; attempt < 20 && query == null; attempt++) {
      kind = Draws.pick(rng, WEIGHTED);
      table = pickTable(rng, tables, datname);
      String text = String.format(Draws.pick(rng, TEMPLATES.get(kind)), tables.get(table).name());
      if (used.add(text + "@" + datname) || attempt == 19) {
        query = text;
      }
    }
    Cost c = COSTS.get(kind);
    return new StatementModel(rng.nextLong(), datname, model.plan.appUser(), query, kind, table,
        Math.log(Draws.logUniform(rng, c.medianLo, c.medianHi)), Draws.uniform(rng, c.sigmaLo, c.sigmaHi),
        Draws.logUniform(rng, c.rateLo, c.rateHi), Draws.logUniform(rng, c.rowsLo, c.rowsHi),
        Draws.logUniform(rng, c.blocksLo, c.blocksHi), c.tempHi > 0 ? Draws.logUniform(rng, c.tempLo, c.tempHi) : 0,
        c.walHi > 0 ? Draws.logUniform(rng, c.walLo, c.walHi) : 0);
  }

  /** A table of the database, growing ones three times as likely as static ones. */
  private static int pickTable(RandomGenerator rng, List<InstancePlan.Table> tables, String datname) {
    double total = 0;
    for (InstancePlan.Table t : tables) {
      total += t.datname().equals(datname) ? (t.resource() != null ? 3 : 1) : 0;
    }
    double u = rng.nextDouble() * total;
    int last = -1;
    for (int i = 0; i < tables.size(); i++) {
      InstancePlan.Table t = tables.get(i);
      if (!t.datname().equals(datname)) {
        continue;
      }
      last = i;
      u -= t.resource() != null ? 3 : 1;
      if (u < 0) {
        return i;
      }
    }
    return last;
  }
}

