package dev.headroom.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The three meters of a reader's cost: server execution time of its own statements
 * (pg_stat_statements by role), CPU time of processes (/proc/&lt;pid&gt;/stat), and the JVM's own
 * process CPU time.
 */
final class CostMeters {
  private CostMeters() {}

  /** Clock ticks per second of /proc's CPU times ({@code getconf CLK_TCK}; 100 on Linux unless told otherwise). */
  static final long CLK_TCK = clockTicks();

  /** One pg_stat_statements entry of one role: the key is database, queryid and toplevel. */
  record Entry(String key, long queryId, String query, long calls, double totalExecMs) {}

  /**
   * pg_stat_statements rows of one role, read by a superuser on its own connection. The
   * difference of two readings is what the role ran in between; no reset is needed, so other
   * readers' figures are untouched.
   */
  static final class RoleStatements {
    private final PreparedStatement read;

    RoleStatements(Connection superuser) throws SQLException {
      this.read = superuser.prepareStatement("SELECT s.dbid, s.queryid, s.toplevel, s.query, s.calls, s.total_exec_time"
          + " FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid WHERE r.rolname = ?");
    }

    Map<String, Entry> read(String role) throws SQLException {
      Map<String, Entry> out = new HashMap<>();
      read.setString(1, role);
      try (ResultSet rs = read.executeQuery()) {
        while (rs.next()) {
          String key = rs.getLong(1) + "/" + rs.getLong(2) + "/" + rs.getBoolean(3);
          out.put(key, new Entry(key, rs.getLong(2), rs.getString(4), rs.getLong(5), rs.getDouble(6)));
        }
      }
      return out;
    }

    /** After minus before, per entry; entries that did not run are left out. */
    static List<Entry> delta(Map<String, Entry> before, Map<String, Entry> after) {
      List<Entry> out = new ArrayList<>();
      for (Entry a : after.values()) {
        Entry b = before.get(a.key());
        long calls = a.calls() - (b == null ? 0 : b.calls());
        double ms = a.totalExecMs() - (b == null ? 0 : b.totalExecMs());
        if (calls > 0) {
          out.add(new Entry(a.key(), a.queryId(), a.query(), calls, ms));
        }
      }
      return out;
    }
  }

  /** utime + stime of one process (all its threads), in milliseconds; -1 when it is gone. */
  static double processCpuMs(long pid) {
    long[] f = stat(Path.of("/proc", Long.toString(pid), "stat"));
    return f == null ? -1 : (f[0] + f[1]) * 1000.0 / CLK_TCK;
  }

  /**
   * CPU of the whole server in milliseconds: the postmaster with the children it has reaped
   * (backends that exited, such as a reader's short-lived connections), plus every live child.
   */
  static double serverCpuMs(long postmasterPid) throws IOException {
    long[] pm = stat(Path.of("/proc", Long.toString(postmasterPid), "stat"));
    if (pm == null) {
      throw new IOException("the postmaster " + postmasterPid + " is gone");
    }
    long ticks = pm[0] + pm[1] + pm[2] + pm[3];
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString()
        .chars().allMatch(Character::isDigit))) {
      for (Path p : procs) {
        long[] f = stat(p.resolve("stat"));
        if (f != null && f[4] == postmasterPid) {
          ticks += f[0] + f[1];
        }
      }
    }
    return ticks * 1000.0 / CLK_TCK;
  }

  /** CPU time of this JVM (every thread: readers, GC, JIT), in milliseconds. */
  static double jvmCpuMs() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime()
        / 1e6;
  }

  /** utime, stime, cutime, cstime, ppid of a /proc/&lt;pid&gt;/stat file; null when the process is gone. */
  private static long[] stat(Path file) {
    String s;
    try {
      s = Files.readString(file);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      return null; // exited while being read
    }
    // the command name may hold spaces and parentheses: fields are counted after the last ')'
    String[] f = s.substring(s.lastIndexOf(')') + 2).trim().split(" ");
    // f[0] is field 3 (state): ppid is field 4, utime..cstime are fields 14..17
    return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14]),
        Long.parseLong(f[1])};
  }

  private static long clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor();
      return Long.parseLong(out);
    } catch (IOException | NumberFormatException e) {
      return 100;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 100;
    }
  }

  /** Repeated measurements of one figure. */
  static final class Samples {
    private final List<Double> values = new ArrayList<>();

    void add(double v) {
      values.add(v);
    }

    boolean isEmpty() {
      return values.isEmpty();
    }

    int size() {
      return values.size();
    }

    /** The {@code i}-th value added. */
    double get(int i) {
      return values.get(i);
    }

    double median() {
      List<Double> s = sorted();
      int n = s.size();
      return n == 0 ? Double.NaN : n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    double min() {
      List<Double> s = sorted();
      return s.isEmpty() ? Double.NaN : s.get(0);
    }

    double max() {
      List<Double> s = sorted();
      return s.isEmpty() ? Double.NaN : s.get(s.size() - 1);
    }

    private List<Double> sorted() {
      List<Double> s = new ArrayList<>(values);
      s.sort(Double::compare);
      return s;
    }

    /** "median (min–max)" with the given number of decimals. */
    String format(int decimals) {
      if (values.isEmpty()) {
        return "–";
      }
      String f = "%,." + decimals + "f";
      return String.format(Locale.ROOT, f + " (" + f + "–" + f + ")", median(), min(), max());
    }
  }
}
