package dev.headroom.cli;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * A synthetic application against the demo's monitored instance: a mix of point reads,
 * aggregates, inserts, and statements of known slowness, so the latency windows have
 * something to tell apart.
 */
final class DemoWorkload implements AutoCloseable {
  /** A statement of the mix, with its share of executions. */
  record Kind(String name, String sql, int weight) {}

  static final List<Kind> MIX = List.of(
      new Kind("point read", "SELECT id, customer, amount FROM demo_orders WHERE id = ?", 50),
      new Kind("insert", "INSERT INTO demo_orders(customer, amount) VALUES (?, ?)", 20),
      new Kind("customer total", "SELECT customer, sum(amount) FROM demo_orders WHERE customer = ? GROUP BY customer", 15),
      new Kind("known 50 ms", "SELECT pg_sleep(0.05)", 8),
      new Kind("variable 0-20 ms", "SELECT pg_sleep(random() * 0.02)", 5),
      new Kind("hourly report", "SELECT date_trunc('hour', created_at), count(*), avg(amount) FROM demo_orders GROUP BY 1", 2));

  private final DataSource dataSource;
  private final int threads;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong executed = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final List<Thread> workers = new ArrayList<>();

  DemoWorkload(DataSource dataSource, int threads) {
    this.dataSource = dataSource;
    this.threads = threads;
  }

  static void prepare(DataSource dataSource) throws SQLException {
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      s.execute("CREATE TABLE IF NOT EXISTS demo_orders (id bigserial PRIMARY KEY, customer int NOT NULL,"
          + " amount numeric(10,2) NOT NULL, created_at timestamptz NOT NULL DEFAULT now())");
      s.execute("INSERT INTO demo_orders(customer, amount, created_at) SELECT (random() * 1000)::int,"
          + " (random() * 500)::numeric(10,2), now() - random() * interval '7 days' FROM generate_series(1, 100000)");
      s.execute("ANALYZE demo_orders");
      s.execute("SELECT pg_stat_statements_reset()");
    }
  }

  void start() {
    for (int i = 0; i < threads; i++) {
      Thread t = new Thread(() -> loop(new Random()), "demo-workload-" + i);
      t.setDaemon(true);
      workers.add(t);
      t.start();
    }
  }

  private void loop(Random random) {
    int total = MIX.stream().mapToInt(Kind::weight).sum();
    while (running.get()) {
      try (Connection c = dataSource.getConnection()) {
        List<PreparedStatement> prepared = new ArrayList<>();
        for (Kind k : MIX) {
          prepared.add(c.prepareStatement(k.sql()));
        }
        while (running.get()) {
          int pick = random.nextInt(total);
          int i = 0;
          while (pick >= MIX.get(i).weight()) {
            pick -= MIX.get(i).weight();
            i++;
          }
          PreparedStatement ps = prepared.get(i);
          switch (i) {
            case 0 -> ps.setLong(1, 1 + random.nextInt(100_000));
            case 1 -> {
              ps.setInt(1, random.nextInt(1000));
              ps.setBigDecimal(2, java.math.BigDecimal.valueOf(random.nextInt(50_000), 2));
            }
            case 2 -> ps.setInt(1, random.nextInt(1000));
            default -> { }
          }
          ps.execute();
          executed.incrementAndGet();
        }
      } catch (SQLException e) {
        if (running.get()) {
          failed.incrementAndGet();
        }
      }
    }
  }

  long executed() {
    return executed.get();
  }

  long failed() {
    return failed.get();
  }

  @Override
  public void close() {
    running.set(false);
    for (Thread t : workers) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
