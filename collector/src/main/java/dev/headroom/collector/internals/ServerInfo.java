package dev.headroom.collector.internals;

import java.time.Instant;

/**
 * What the snapshot transaction learned about the server before reading any section: its
 * clock, version, role and which optional pieces exist. Column choices per version are made
 * from these numbers, never from text the server sends.
 */
public record ServerInfo(
    Instant capturedAt,
    Instant postmasterStart,
    int versionNum,
    boolean standby,
    String preloadLibraries,
    /** pg_stat_statements' installed version as major*100+minor (1.11 = 111), 0 when not installed in this database. */
    int statementsVersion) {

  public boolean atLeast(int major) {
    return versionNum >= major * 10_000;
  }

  public boolean statementsLoaded() {
    return preloadLibraries != null && preloadLibraries.contains("pg_stat_statements");
  }

  /** "1.11" → 111; anything unreadable → 0. */
  static int extensionVersion(String text) {
    if (text == null) {
      return 0;
    }
    String[] parts = text.trim().split("\\.");
    try {
      int major = Integer.parseInt(parts[0]);
      int minor = parts.length > 1 ? Integer.parseInt(parts[1].replaceAll("[^0-9].*$", "")) : 0;
      return major * 100 + minor;
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
