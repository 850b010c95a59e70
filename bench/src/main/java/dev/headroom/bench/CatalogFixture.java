package dev.headroom.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A catalog the size of a large production instance: one application database with many small
 * tables (each with a primary key, one more index and a TOAST-able column) spread over a few
 * schemas, two small databases beside it, and thousands of distinct statements in
 * pg_stat_statements. The monitoring roles are made here too: one per reader, so the server
 * time of each reader can be told apart by {@code userid}.
 */
final class CatalogFixture {
  static final String APP_DB = "app";
  static final List<String> SMALL_DBS = List.of("reporting", "inventory");
  /** The collector's role: pg_monitor only, as the README recommends. */
  static final String HEADROOM = "headroom";
  /** prometheus-postgres-exporter's role: pg_monitor only. */
  static final String EXPORTER = "exporter";
  /** The plain read's role: a superuser, the floor. */
  static final String PLAIN = "plainread";
  /** Runs the application statements that fill pg_stat_statements. */
  static final String APP = "appuser";
  static final String PASSWORD = "bench-secret";

  private static final int ROWS_PER_TABLE = 20;
  private static final int TABLES_PER_BATCH = 50;

  private final LocalPostgres pg;
  private final int tables;
  private final int schemas;
  private final int statements;

  CatalogFixture(LocalPostgres pg, int tables, int schemas, int statements) {
    this.pg = pg;
    this.tables = tables;
    this.schemas = schemas;
    this.statements = statements;
  }

  Connection superuser(String database) throws SQLException {
    return connect(database, LocalPostgres.SUPERUSER, pg.superuserPassword(), "bench-admin");
  }

  Connection connect(String database, String user, String password, String application) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", user);
    p.setProperty("password", password);
    p.setProperty("ApplicationName", application);
    // as the collector connects: the application name goes in the start-up packet, not in a SET
    p.setProperty("assumeMinServerVersion", "13");
    return DriverManager.getConnection(pg.url(database), p);
  }

  /** Roles, databases, tables and statements; about a minute per 10,000 tables on two cores. */
  void create() throws Exception {
    try (Connection c = superuser("postgres"); Statement s = c.createStatement()) {
      s.execute("SET pg_stat_statements.track = 'none'");
      for (String role : List.of(HEADROOM, EXPORTER)) {
        s.execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + PASSWORD + "' IN ROLE pg_monitor");
      }
      s.execute("CREATE ROLE " + PLAIN + " LOGIN SUPERUSER PASSWORD '" + PASSWORD + "'");
      s.execute("CREATE ROLE " + APP + " LOGIN PASSWORD '" + PASSWORD + "'");
      s.execute("CREATE DATABASE " + APP_DB);
      for (String db : SMALL_DBS) {
        s.execute("CREATE DATABASE " + db);
      }
    }
    try (Connection c = superuser(APP_DB); Statement s = c.createStatement()) {
      s.execute("SET pg_stat_statements.track = 'none'");
      s.execute("CREATE EXTENSION pg_stat_statements");
      for (int k = 0; k < schemas; k++) {
        s.execute("CREATE SCHEMA s" + k);
        s.execute("GRANT USAGE ON SCHEMA s" + k + " TO " + APP);
        s.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA s" + k + " GRANT SELECT ON TABLES TO " + APP);
      }
    }
    createTables();
    int small = 0;
    for (String db : SMALL_DBS) {
      int n = small++ == 0 ? 100 : 20;
      try (Connection c = superuser(db); Statement s = c.createStatement()) {
        s.execute("SET pg_stat_statements.track = 'none'");
        StringBuilder sql = new StringBuilder();
        for (int i = 0; i < n; i++) {
          // bigserial: the small databases carry the sequences the sequences section reads
          sql.append(String.format(Locale.ROOT, "CREATE TABLE r_%d (id bigserial PRIMARY KEY, k int NOT NULL, v text);"
              + " CREATE INDEX ON r_%d (k); INSERT INTO r_%d (k, v) SELECT g %% 7, md5(g::text) FROM generate_series(1, %d) g;",
              i, i, i, ROWS_PER_TABLE));
        }
        s.execute(sql.toString());
        // without it pg_monitor sees its sequences as unreadable and the collector warns (README)
        s.execute("GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO " + HEADROOM);
      }
    }
    try (Connection c = superuser(APP_DB); Statement s = c.createStatement()) {
      s.execute("SELECT pg_stat_statements_reset()");
    }
    runStatements();
  }

  /** Two connections (the machine has two cores), batches of tables per transaction. */
  private void createTables() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    AtomicInteger next = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    long t0 = System.nanoTime();
    try {
      List<Future<Void>> futures = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        futures.add(pool.submit(() -> {
          try (Connection c = superuser(APP_DB); Statement s = c.createStatement()) {
            s.execute("SET pg_stat_statements.track = 'none'");
            c.setAutoCommit(false);
            int from;
            while ((from = next.getAndAdd(TABLES_PER_BATCH)) < tables) {
              StringBuilder sql = new StringBuilder();
              for (int n = from; n < Math.min(tables, from + TABLES_PER_BATCH); n++) {
                String t = table(n);
                sql.append(String.format(Locale.ROOT, "CREATE TABLE %s (id int PRIMARY KEY, k int NOT NULL, v text);"
                    + " CREATE INDEX ON %s (k); INSERT INTO %s SELECT g, g %% 7, md5(g::text) FROM generate_series(1, %d) g;",
                    t, t, t, ROWS_PER_TABLE));
              }
              s.execute(sql.toString());
              c.commit();
              int d = done.addAndGet(Math.min(TABLES_PER_BATCH, tables - from));
              if (d % 2000 < TABLES_PER_BATCH) {
                System.err.printf(Locale.ROOT, "bench: %,d of %,d tables (%.0f s)%n", d, tables, (System.nanoTime() - t0) / 1e9);
              }
            }
          }
          return null;
        }));
      }
      for (Future<Void> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** {@code statements} distinct point reads, one per table, run 1-3 times each as the application role. */
  private void runStatements() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Void>> futures = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        int worker = w;
        futures.add(pool.submit(() -> {
          SplittableRandom random = new SplittableRandom(worker);
          try (Connection c = connect(APP_DB, APP, PASSWORD, "bench-app")) {
            for (int n = worker; n < statements; n += 2) {
              try (PreparedStatement ps = c.prepareStatement("SELECT id, k, v FROM " + table(n) + " WHERE id = ?")) {
                for (int call = 0; call <= n % 3; call++) {
                  ps.setInt(1, 1 + random.nextInt(ROWS_PER_TABLE));
                  try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                      // drain
                    }
                  }
                }
              }
            }
          }
          return null;
        }));
      }
      for (Future<Void> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private String table(int n) {
    return "s" + (n % schemas) + ".t_" + n;
  }

  /** What the instance holds, for the report: tables, indexes, pg_stat_statements entries, files. */
  String describe() throws SQLException {
    long tablesAll = 0;
    long indexesAll = 0;
    long sequences = 0;
    for (String db : databases()) {
      try (Connection c = superuser(db); Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM pg_stat_user_tables),"
              + " (SELECT count(*) FROM pg_stat_user_indexes), (SELECT count(*) FROM pg_sequences)")) {
        rs.next();
        tablesAll += rs.getLong(1);
        indexesAll += rs.getLong(2);
        sequences += rs.getLong(3);
      }
    }
    try (Connection c = superuser(APP_DB); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*), count(*) FILTER (WHERE userid = (SELECT oid FROM pg_roles"
            + " WHERE rolname = '" + APP + "')), current_setting('server_version') FROM pg_stat_statements")) {
      rs.next();
      return String.format(Locale.ROOT, "PostgreSQL %s; %d databases; %,d user tables, %,d user indexes, %,d sequences;"
              + " %,d pg_stat_statements entries (%,d of them the application's)",
          rs.getString(3), databases().size(), tablesAll, indexesAll, sequences, rs.getLong(1), rs.getLong(2));
    }
  }

  static List<String> databases() {
    List<String> out = new ArrayList<>(List.of("postgres", APP_DB));
    out.addAll(SMALL_DBS);
    return out;
  }
}
