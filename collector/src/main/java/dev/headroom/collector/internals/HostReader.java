package dev.headroom.collector.internals;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The host section, when the agent runs on the database host: CPU ticks from /proc/stat
 * (cumulative; iowait counts as idle), memory from /proc/meminfo, the load average, and the
 * filesystem that holds the data directory (statvfs through {@link FileStore}).
 */
public final class HostReader {
  private final Path proc;

  public HostReader(Path proc) {
    this.proc = proc;
  }

  public static HostReader system() {
    return new HostReader(Path.of("/proc"));
  }

  public Map<String, Object> read(Path dataDirectory) throws IOException {
    Map<String, Object> row = new LinkedHashMap<>();
    List<String> stat = Files.readAllLines(proc.resolve("stat"));
    for (String line : stat) {
      if (line.startsWith("cpu ")) {
        String[] f = line.trim().split("\\s+");
        long total = 0;
        // user nice system idle iowait irq softirq steal; guest time is already in user and nice
        for (int i = 1; i <= Math.min(8, f.length - 1); i++) {
          total += Long.parseLong(f[i]);
        }
        row.put("cpu_total_ticks", total);
        row.put("cpu_idle_ticks", Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0));
        row.put("cpu_iowait_ticks", f.length > 5 ? Long.parseLong(f[5]) : 0L);
        break;
      }
    }
    row.put("cpu_count", cpuCount(stat));
    Map<String, Long> mem = meminfo();
    row.put("mem_total_bytes", mem.get("MemTotal"));
    row.put("mem_available_bytes", mem.get("MemAvailable"));
    row.put("swap_total_bytes", mem.get("SwapTotal"));
    row.put("swap_free_bytes", mem.get("SwapFree"));
    String[] load = Files.readString(proc.resolve("loadavg")).trim().split("\\s+");
    row.put("load1", Double.parseDouble(load[0]));
    row.put("load5", Double.parseDouble(load[1]));
    row.put("load15", Double.parseDouble(load[2]));
    if (dataDirectory != null) {
      FileStore store = Files.getFileStore(dataDirectory);
      long total = store.getTotalSpace();
      long free = store.getUnallocatedSpace();
      row.put("data_directory", dataDirectory.toString());
      row.put("disk_total_bytes", total);
      row.put("disk_used_bytes", total - free);
      // what a non-root process may still use (root keeps a reserve)
      row.put("disk_available_bytes", store.getUsableSpace());
    }
    return row;
  }

  private static long cpuCount(List<String> stat) {
    long n = 0;
    for (String line : stat) {
      if (line.startsWith("cpu") && line.length() > 3 && Character.isDigit(line.charAt(3))) {
        n++;
      }
    }
    return n > 0 ? n : Runtime.getRuntime().availableProcessors();
  }

  private Map<String, Long> meminfo() throws IOException {
    Map<String, Long> out = new LinkedHashMap<>();
    List<String> lines = Files.readAllLines(proc.resolve("meminfo"));
    for (String line : lines) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String[] value = line.substring(colon + 1).trim().split("\\s+");
      try {
        long v = Long.parseLong(value[0]);
        out.put(line.substring(0, colon), value.length > 1 && value[1].equals("kB") ? v * 1024 : v);
      } catch (NumberFormatException ignored) {
        // not a number: not one we read
      }
    }
    return out;
  }
}
