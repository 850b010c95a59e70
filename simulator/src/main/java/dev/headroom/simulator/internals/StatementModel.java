package dev.headroom.simulator.internals;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * One pg_stat_statements entry of a simulated instance: a statement with a log-normal execution
 * time and a call rate, and the entry's cumulative counters as PostgreSQL keeps them (the total,
 * Welford's mean and the population variance, min and max since the entry was created).
 */
public final class StatementModel {
  /** What a statement does, which decides its table statistics and its typical cost. */
  public enum Kind {
    POINT_READ(true, false, false), RANGE_READ(true, false, false), COUNT(true, false, true),
    REPORT(true, false, true), INSERT(false, true, false), UPDATE(false, true, false), DELETE(false, true, false),
    UTILITY(false, false, false);

    final boolean read;
    final boolean write;
    final boolean seqScan;

    Kind(boolean read, boolean write, boolean seqScan) {
      this.read = read;
      this.write = write;
      this.seqScan = seqScan;
    }
  }

  final long queryid;
  final String datname;
  final String usename;
  final String query;
  final Kind kind;
  /** The table it reads or writes (index into the instance's tables); -1 for none. */
  final int table;
  /** ln of the median execution time in ms, at load 0 and before any regression. */
  final double mu;
  final double sigma;
  /** Calls per second at full load. */
  final double rate;
  final double rowsPerCall;
  final double blocksPerCall;
  final double tempBlocksPerCall;
  final double walBytesPerCall;

  boolean exists;
  Instant statsSince;
  long calls;
  double total;
  double mean;
  double m2;
  double min;
  double max;
  long rows;
  long blksHit;
  long blksRead;
  long blksDirtied;
  long blksWritten;
  long tempRead;
  long tempWritten;
  long walRecords;
  long walFpi;
  long walBytes;

  StatementModel(long queryid, String datname, String usename, String query, Kind kind, int table, double mu,
      double sigma, double rate, double rowsPerCall, double blocksPerCall, double tempBlocksPerCall,
      double walBytesPerCall) {
    this.queryid = queryid;
    this.datname = datname;
    this.usename = usename;
    this.query = query;
    this.kind = kind;
    this.table = table;
    this.mu = mu;
    this.sigma = sigma;
    this.rate = rate;
    this.rowsPerCall = rowsPerCall;
    this.blocksPerCall = blocksPerCall;
    this.tempBlocksPerCall = tempBlocksPerCall;
    this.walBytesPerCall = walBytesPerCall;
  }

  /** A statement with the given latency, for tests: reads one row per call from no table. */
  public static StatementModel of(long queryid, double medianMs, double sigma, double ratePerSecond) {
    return new StatementModel(queryid, "app", "app", "SELECT $1", Kind.POINT_READ, -1, Math.log(medianMs), sigma,
        ratePerSecond, 1, 4, 0, 0);
  }

  /**
   * The calls of one interval of {@code seconds} at {@code load} (0..1), each execution time
   * multiplied by {@code latencyScale}; the entry is created by its first call.
   */
  public Calls advance(RandomGenerator rng, double seconds, double load, double latencyScale, double hitRatio,
      int drawsMax, Instant at) {
    long n = Draws.poisson(rng, rate * seconds * load);
    if (n == 0) {
      return Calls.NONE;
    }
    Calls c = Calls.draw(rng, n, mu + Math.log(latencyScale), sigma, drawsMax);
    if (!exists) {
      exists = true;
      statsSince = at;
      min = c.min();
      max = c.max();
    }
    // Chan et al.'s combination of two (count, mean, M2) summaries: what Welford's update gives call by call.
    long before = calls;
    long after = before + n;
    double delta = c.mean() - mean;
    mean += delta * n / after;
    m2 += c.m2() + delta * delta * before * n / after;
    calls = after;
    total += c.sum();
    min = Math.min(min, c.min());
    max = Math.max(max, c.max());
    rows += Math.round(n * rowsPerCall);
    long blocks = Math.round(n * blocksPerCall);
    long hit = Math.round(blocks * hitRatio);
    blksHit += hit;
    blksRead += blocks - hit;
    if (kind.write) {
      blksDirtied += Math.round(n * 1.2);
      blksWritten += Math.round(n * 0.05);
      long wal = Math.round(n * walBytesPerCall);
      walBytes += wal;
      walRecords += Math.max(1, wal / 120);
      walFpi += wal / 9_000;
    }
    long temp = Math.round(n * tempBlocksPerCall);
    tempWritten += temp;
    tempRead += temp;
    return c;
  }

  /** The entry is gone (pg_stat_statements_reset() or a crash); it comes back with its next call. */
  public void reset() {
    exists = false;
    statsSince = null;
    calls = 0;
    total = 0;
    mean = 0;
    m2 = 0;
    min = 0;
    max = 0;
    rows = blksHit = blksRead = blksDirtied = blksWritten = tempRead = tempWritten = walRecords = walFpi = walBytes = 0;
  }

  public boolean exists() {
    return exists;
  }

  public long calls() {
    return calls;
  }

  public double total() {
    return total;
  }

  /** The row as the collector publishes it ({@code statements} section). */
  public Map<String, Object> row(int serverVersionNum) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("queryid", queryid);
    row.put("datname", datname);
    row.put("usename", usename);
    row.put("toplevel", true);
    row.put("query", query);
    row.put("calls", calls);
    row.put("total_exec_time_ms", total);
    row.put("min_exec_time_ms", min);
    row.put("max_exec_time_ms", max);
    row.put("mean_exec_time_ms", mean);
    row.put("stddev_exec_time_ms", calls == 0 ? 0.0 : Math.sqrt(m2 / calls));
    row.put("plans", 0L);
    row.put("total_plan_time_ms", 0.0);
    row.put("rows", rows);
    row.put("shared_blks_hit", blksHit);
    row.put("shared_blks_read", blksRead);
    row.put("shared_blks_dirtied", blksDirtied);
    row.put("shared_blks_written", blksWritten);
    row.put("local_blks_hit", 0L);
    row.put("local_blks_read", 0L);
    row.put("temp_blks_read", tempRead);
    row.put("temp_blks_written", tempWritten);
    row.put("blk_read_time_ms", 0.0);
    row.put("blk_write_time_ms", 0.0);
    row.put("wal_records", walRecords);
    row.put("wal_fpi", walFpi);
    row.put("wal_bytes", walBytes);
    if (serverVersionNum >= 170_000) {
      row.put("stats_since", statsSince);
      row.put("minmax_stats_since", statsSince);
    }
    return row;
  }
}
