package dev.headroom.streams.deltas;

import dev.headroom.streams.internals.BinaryStateSerde;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The last seen cumulative counters of one object, and what tells a reset apart. */
public record CounterState(
    Instant capturedAt, Instant postmasterStart, Instant statsReset, String resetMarker, Map<String, Double> counters) {
  public CounterState {
    counters = Map.copyOf(counters);
  }

  /**
   * The store's serde: a compact binary form, written for every catalog object in every snapshot
   * (the delta store's changelog is its largest). Version 2 names each counter by its index in
   * {@link #NAMES} (a name not there is written out in full) and writes integral values, which
   * most counters are, as variable-length integers: a pg_stat_statements entry takes about a third
   * of version 1's bytes, which wrote every name and every value in full. Version 1 is still read.
   */
  public static final class Serde extends BinaryStateSerde<CounterState> {
    /**
     * The counter names version 2 writes as one byte. Append only: a name's position is part of
     * the stored format. {@code CounterStateSerdeTest} checks every counter of {@link Sections} is here.
     */
    static final List<String> NAMES = List.of(
        // statements
        "calls", "total_exec_time_ms", "plans", "total_plan_time_ms", "rows", "shared_blks_hit", "shared_blks_read",
        "shared_blks_dirtied", "shared_blks_written", "local_blks_hit", "local_blks_read", "temp_blks_read",
        "temp_blks_written", "blk_read_time_ms", "blk_write_time_ms", "wal_records", "wal_fpi", "wal_bytes",
        "exec_time_sq_sum_ms2", "~max_exec_time_ms", "~neg_min_exec_time_ms",
        // databases
        "xact_commit", "xact_rollback", "blks_read", "blks_hit", "tup_returned", "tup_fetched", "tup_inserted",
        "tup_updated", "tup_deleted", "conflicts", "temp_files", "temp_bytes", "deadlocks", "checksum_failures",
        "session_time_ms", "active_time_ms", "idle_in_transaction_time_ms", "sessions", "sessions_abandoned",
        "sessions_fatal", "sessions_killed",
        // tables and indexes
        "seq_scan", "seq_tup_read", "idx_scan", "idx_tup_fetch", "n_tup_ins", "n_tup_upd", "n_tup_del",
        "n_tup_hot_upd", "n_tup_newpage_upd", "vacuum_count", "autovacuum_count", "analyze_count",
        "autoanalyze_count", "heap_blks_read", "heap_blks_hit", "idx_blks_read", "idx_blks_hit", "toast_blks_read",
        "toast_blks_hit", "idx_tup_read",
        // wal, bgwriter, checkpointer, statements_info
        "wal_position_bytes", "archived_count", "archive_failed_count", "wal_buffers_full", "wal_write", "wal_sync",
        "wal_write_time_ms", "wal_sync_time_ms", "buffers_clean", "maxwritten_clean", "buffers_alloc",
        "buffers_backend", "buffers_backend_fsync", "checkpoints_timed", "checkpoints_req", "restartpoints_timed",
        "restartpoints_req", "restartpoints_done", "checkpoint_write_time_ms", "checkpoint_sync_time_ms",
        "buffers_checkpoint", "dealloc",
        // pgbouncer and host
        "total_xact_count", "total_query_count", "total_received", "total_sent", "total_xact_time_ms",
        "total_query_time_ms", "total_wait_time_ms", "cpu_total_ticks", "cpu_idle_ticks", "cpu_iowait_ticks");
    /** The byte that says a name follows in full; the bit that says the value is a variable-length integer. */
    static final int NAMED = 0x7f;
    static final int INTEGRAL = 0x80;
    private static final Map<String, Integer> IDS = new HashMap<>();

    static {
      if (NAMES.size() >= NAMED) {
        throw new ExceptionInInitializerError("at most " + NAMED + " counter names fit in a byte");
      }
      for (int i = 0; i < NAMES.size(); i++) {
        IDS.put(NAMES.get(i), i);
      }
    }

    private static final int PRESENT_POSTMASTER = 1;
    private static final int PRESENT_STATS_RESET = 2;
    private static final int PRESENT_MARKER = 4;
    /** Doubles at most this large in magnitude that have no fraction are written as integers. */
    private static final double MAX_INTEGRAL = 0x1p62;

    public Serde() {
      super(CounterState.class, 2);
    }

    @Override
    protected int sizeHint(CounterState s) {
      return 48 + 6 * s.counters().size();
    }

    @Override
    protected void write(CounterState s, DataOutputStream out) throws IOException {
      out.writeLong(s.capturedAt().getEpochSecond());
      out.writeInt(s.capturedAt().getNano());
      int present = (s.postmasterStart() != null ? PRESENT_POSTMASTER : 0)
          | (s.statsReset() != null ? PRESENT_STATS_RESET : 0) | (s.resetMarker() != null ? PRESENT_MARKER : 0);
      out.writeByte(present);
      if (s.postmasterStart() != null) {
        out.writeLong(s.postmasterStart().getEpochSecond());
        out.writeInt(s.postmasterStart().getNano());
      }
      if (s.statsReset() != null) {
        out.writeLong(s.statsReset().getEpochSecond());
        out.writeInt(s.statsReset().getNano());
      }
      if (s.resetMarker() != null) {
        out.writeUTF(s.resetMarker());
      }
      writeVarLong(out, s.counters().size());
      for (Map.Entry<String, Double> e : s.counters().entrySet()) {
        Integer id = IDS.get(e.getKey());
        double v = e.getValue();
        long integral = (long) v;
        boolean asInteger = integral == v && Math.abs(v) <= MAX_INTEGRAL
            && Double.doubleToRawLongBits(v) != Double.doubleToRawLongBits(-0.0);
        out.writeByte((id == null ? NAMED : id) | (asInteger ? INTEGRAL : 0));
        if (id == null) {
          out.writeUTF(e.getKey());
        }
        if (asInteger) {
          writeVarLong(out, (integral << 1) ^ (integral >> 63)); // zigzag: small negatives stay short
        } else {
          out.writeDouble(v);
        }
      }
    }

    @Override
    protected CounterState read(int writtenVersion, DataInputStream in) throws IOException {
      return switch (writtenVersion) {
        case 1 -> readVersion1(in);
        case 2 -> read(in);
        default -> null;
      };
    }

    @Override
    protected CounterState read(DataInputStream in) throws IOException {
      Instant capturedAt = Instant.ofEpochSecond(in.readLong(), in.readInt());
      int present = in.readUnsignedByte();
      Instant postmasterStart = (present & PRESENT_POSTMASTER) != 0
          ? Instant.ofEpochSecond(in.readLong(), in.readInt()) : null;
      Instant statsReset = (present & PRESENT_STATS_RESET) != 0
          ? Instant.ofEpochSecond(in.readLong(), in.readInt()) : null;
      String marker = (present & PRESENT_MARKER) != 0 ? in.readUTF() : null;
      int n = (int) readVarLong(in);
      Map<String, Double> counters = new HashMap<>(n * 2);
      for (int i = 0; i < n; i++) {
        int tag = in.readUnsignedByte();
        int id = tag & ~INTEGRAL;
        String name;
        if (id == NAMED) {
          name = in.readUTF();
        } else if (id < NAMES.size()) {
          name = NAMES.get(id);
        } else {
          throw new IOException("counter name " + id + " is not known to this version");
        }
        double value;
        if ((tag & INTEGRAL) != 0) {
          long zigzag = readVarLong(in);
          value = (double) ((zigzag >>> 1) ^ -(zigzag & 1));
        } else {
          value = in.readDouble();
        }
        counters.put(name, value);
      }
      return new CounterState(capturedAt, postmasterStart, statsReset, marker, counters);
    }

    private static CounterState readVersion1(DataInputStream in) throws IOException {
      Instant capturedAt = readInstant(in);
      Instant postmasterStart = readInstant(in);
      Instant statsReset = readInstant(in);
      String marker = in.readBoolean() ? in.readUTF() : null;
      int n = in.readUnsignedShort();
      Map<String, Double> counters = new HashMap<>(n * 2);
      for (int i = 0; i < n; i++) {
        counters.put(in.readUTF(), in.readDouble());
      }
      return new CounterState(capturedAt, postmasterStart, statsReset, marker, counters);
    }

    private static void writeVarLong(DataOutputStream out, long v) throws IOException {
      while ((v & ~0x7fL) != 0) {
        out.writeByte((int) ((v & 0x7f) | 0x80));
        v >>>= 7;
      }
      out.writeByte((int) v);
    }

    private static long readVarLong(DataInputStream in) throws IOException {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        int b = in.readUnsignedByte();
        v |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          return v;
        }
      }
      throw new IOException("a variable-length integer longer than 64 bits");
    }
  }
}
