package dev.headroom.bench;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A varied OLTP-ish workload over a 100k-row table: point reads, range scans, aggregates,
 * inserts, updates (some on a few hot rows, so they wait on row locks) and statements with
 * deliberately shaped latency (bimodal, uniform, log-normal) made with {@code pg_sleep}.
 * Every statement carries a {@code /* bench:kind *}{@code /} tag, which survives into both
 * pg_stat_statements' query text and the duration log, so each side can be told apart from
 * the snapshotter's and the server's own statements.
 */
public final class Workload {
  public static final String APPLICATION_PREFIX = "bench-worker-";
  private static final Pattern TAG = Pattern.compile("/\\* bench:([a-z0-9_]+) \\*/");
  private static final int ROWS = 100_000;
  private static final int HOT_ROWS = 4;
  /**
   * Share of iterations (against the kinds' weights) that run a lock holder: a transaction that
   * updates a hot row and keeps it locked for 5–25 ms, so {@link Kind#UPDATE_HOT} sometimes waits.
   * Its statements are untagged and jumble differently from the tagged ones, so both sides leave
   * them out.
   */
  private static final int HOLDER_WEIGHT = 2;
  private static final String HOLD_UPDATE = "UPDATE bench_counters SET touched_at = clock_timestamp() WHERE id = ?";
  private static final String HOLD_SLEEP = "SELECT pg_sleep(?)";
  private static final OffsetDateTime EPOCH = OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);

  /** The statement kinds, their SQL and their share of a worker's iterations. */
  public enum Kind {
    POINT_READ(30, "SELECT id, customer_id, status, amount, note FROM bench_orders WHERE id = ?"),
    RANGE_SCAN(10, "SELECT id, status, amount FROM bench_orders WHERE created_at >= ? AND created_at < ?"
        + " ORDER BY created_at"),
    AGGREGATE_FULL(3, "SELECT status, count(*), avg(amount) FROM bench_orders WHERE customer_id % ? = 0"
        + " GROUP BY status"),
    CUSTOMER_SUMMARY(8, "SELECT count(*), sum(amount), max(created_at) FROM bench_orders WHERE customer_id = ?"),
    INSERT_EVENT(10, "INSERT INTO bench_events (order_id, kind, payload) VALUES (?, ?, ?::jsonb)"),
    UPDATE_ORDER(8, "UPDATE bench_orders SET amount = amount + ?, updated_at = now() WHERE id = ?"),
    UPDATE_HOT(6, "UPDATE bench_counters SET hits = hits + 1, touched_at = now() WHERE id = ?"),
    // 3 % slow calls: p95 sits inside the fast mode and p99 inside the slow one. At 5 % the true
    // p95 would sit on the gap between the modes and flip from window to window.
    SLEEP_BIMODAL(8, "SELECT pg_sleep(CASE WHEN random() < 0.03 THEN 0.1 ELSE 0.002 END)"),
    SLEEP_UNIFORM(6, "SELECT pg_sleep(random() * 0.03)"),
    SLEEP_LOGNORMAL(6, "SELECT pg_sleep(0.004 * exp(0.7 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())))");

    final int weight;
    final String sql;

    Kind(int weight, String sql) {
      this.weight = weight;
      this.sql = "/* bench:" + label(this) + " */ " + sql;
    }

    public String label() {
      return label(this);
    }

    private static String label(Kind k) {
      return k.name().toLowerCase(Locale.ROOT);
    }

    public String sql() {
      return sql;
    }

    /** The kind a statement text (log message or pg_stat_statements query) is tagged with. */
    public static Optional<Kind> ofText(String text) {
      if (text == null) {
        return Optional.empty();
      }
      Matcher m = TAG.matcher(text);
      if (!m.find()) {
        return Optional.empty();
      }
      for (Kind k : values()) {
        if (k.label().equals(m.group(1))) {
          return Optional.of(k);
        }
      }
      return Optional.empty();
    }
  }

  private final String jdbcUrl;
  private final int threads;
  private final double thinkMeanMs;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicLongArray executed = new AtomicLongArray(Kind.values().length);
  private final AtomicLong failures = new AtomicLong();
  private final List<Thread> workers = new ArrayList<>();

  public Workload(String jdbcUrl, int threads, double thinkMeanMs) {
    this.jdbcUrl = jdbcUrl;
    this.threads = threads;
    this.thinkMeanMs = thinkMeanMs;
  }

  /** Creates and fills the tables; run before statistics are reset. */
  public static void prepare(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS bench_orders, bench_events, bench_counters");
      s.execute("CREATE TABLE bench_orders (id bigint PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL,"
          + " amount numeric(12,2) NOT NULL, created_at timestamptz NOT NULL, updated_at timestamptz, note text)");
      s.execute("INSERT INTO bench_orders SELECT g, (g * 7919) % 5000, (ARRAY['new','paid','shipped','cancelled'])[1 + g % 4],"
          + " round((random() * 500)::numeric, 2), timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute',"
          + " NULL, md5(g::text) FROM generate_series(1, " + ROWS + ") g");
      s.execute("CREATE INDEX bench_orders_created_at ON bench_orders (created_at)");
      s.execute("CREATE INDEX bench_orders_customer ON bench_orders (customer_id)");
      s.execute("CREATE TABLE bench_events (id bigserial PRIMARY KEY, order_id bigint NOT NULL, kind text NOT NULL,"
          + " payload jsonb, at timestamptz NOT NULL DEFAULT now())");
      s.execute("CREATE TABLE bench_counters (id int PRIMARY KEY, hits bigint NOT NULL DEFAULT 0, touched_at timestamptz)");
      s.execute("INSERT INTO bench_counters (id) SELECT generate_series(1, " + HOT_ROWS + ")");
      s.execute("VACUUM ANALYZE bench_orders");
      s.execute("ANALYZE bench_counters");
    }
  }

  public void start() {
    for (int i = 0; i < threads; i++) {
      int id = i;
      Thread t = new Thread(() -> runWorker(id), APPLICATION_PREFIX + i);
      t.setDaemon(true);
      workers.add(t);
      t.start();
    }
  }

  /** Asks the workers to stop after their current statement and waits for them. */
  public void stopAndJoin() throws InterruptedException {
    stop.set(true);
    for (Thread t : workers) {
      t.join(TimeUnit.SECONDS.toMillis(30));
    }
  }

  public Map<Kind, Long> executed() {
    Map<Kind, Long> out = new EnumMap<>(Kind.class);
    for (Kind k : Kind.values()) {
      out.put(k, executed.get(k.ordinal()));
    }
    return out;
  }

  public long failures() {
    return failures.get();
  }

  private void runWorker(int id) {
    Properties props = new Properties();
    props.setProperty("user", "postgres");
    props.setProperty("ApplicationName", APPLICATION_PREFIX + id);
    SplittableRandom random = new SplittableRandom(0x5eed + id);
    Kind[] kinds = Kind.values();
    int totalWeight = HOLDER_WEIGHT;
    for (Kind k : kinds) {
      totalWeight += k.weight;
    }
    try (Connection c = DriverManager.getConnection(jdbcUrl, props)) {
      Map<Kind, PreparedStatement> prepared = new EnumMap<>(Kind.class);
      for (Kind k : kinds) {
        prepared.put(k, c.prepareStatement(k.sql));
      }
      PreparedStatement holdUpdate = c.prepareStatement(HOLD_UPDATE);
      PreparedStatement holdSleep = c.prepareStatement(HOLD_SLEEP);
      while (!stop.get()) {
        int pick = random.nextInt(totalWeight);
        Kind kind = null;
        for (Kind k : kinds) {
          pick -= k.weight;
          if (pick < 0) {
            kind = k;
            break;
          }
        }
        try {
          if (kind == null) {
            holdLock(c, holdUpdate, holdSleep, random);
          } else {
            execute(kind, prepared.get(kind), random);
            executed.incrementAndGet(kind.ordinal());
          }
        } catch (SQLException e) {
          failures.incrementAndGet();
          if (!c.getAutoCommit()) {
            c.rollback();
            c.setAutoCommit(true);
          }
        }
        // Open-ish loop: exponential think time, so the server is busy but not saturated.
        long thinkNanos = (long) (-Math.log(1 - random.nextDouble()) * thinkMeanMs * 1e6);
        LockSupport.parkNanos(thinkNanos);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("worker " + id + " lost its connection: " + e.getMessage(), e);
    }
  }

  private static void holdLock(Connection c, PreparedStatement update, PreparedStatement sleep, SplittableRandom r)
      throws SQLException {
    c.setAutoCommit(false);
    update.setInt(1, 1 + r.nextInt(HOT_ROWS));
    update.executeUpdate();
    sleep.setDouble(1, 0.005 + 0.02 * r.nextDouble());
    sleep.execute();
    c.commit();
    c.setAutoCommit(true);
  }

  private static void execute(Kind kind, PreparedStatement ps, SplittableRandom r) throws SQLException {
    switch (kind) {
      case POINT_READ -> ps.setLong(1, 1 + r.nextInt(ROWS));
      case RANGE_SCAN -> {
        int from = r.nextInt(ROWS);
        // Heavy-ish tail of range widths: exponential with a mean of 150 rows.
        int width = 1 + (int) Math.min(5_000, -Math.log(1 - r.nextDouble()) * 150);
        ps.setObject(1, EPOCH.plusMinutes(from));
        ps.setObject(2, EPOCH.plusMinutes(from + width));
      }
      case AGGREGATE_FULL -> ps.setInt(1, 2 + r.nextInt(40));
      case CUSTOMER_SUMMARY -> ps.setInt(1, r.nextInt(5000));
      case INSERT_EVENT -> {
        ps.setLong(1, 1 + r.nextInt(ROWS));
        ps.setString(2, r.nextBoolean() ? "viewed" : "paid");
        ps.setString(3, "{\"at\":\"" + Instant.now() + "\",\"n\":" + r.nextInt(1000) + "}");
      }
      case UPDATE_ORDER -> {
        ps.setBigDecimal(1, BigDecimal.valueOf(r.nextInt(100), 2));
        ps.setLong(2, 1 + r.nextInt(ROWS));
      }
      case UPDATE_HOT -> ps.setInt(1, 1 + r.nextInt(HOT_ROWS));
      default -> { /* the pg_sleep statements take no parameters */ }
    }
    if (ps.execute()) {
      try (ResultSet rs = ps.getResultSet()) {
        while (rs.next()) {
          rs.getObject(1);
        }
      }
    }
  }
}
