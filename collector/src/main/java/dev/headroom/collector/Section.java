package dev.headroom.collector;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The catalog sections the agent reads from PostgreSQL (CONTRACTS.md, {@code headroom.snapshots.v1}).
 * Per-database sections are read over a connection to each database. {@code DATABASE_SIZES}
 * is not a section of its own: it fills the databases section's {@code size_bytes}, on its own
 * (slower) schedule, because sizes walk every file of every database; {@code RELATION_SIZES}
 * likewise fills the exact sizes of tables and indexes.
 */
public enum Section {
  STATEMENTS("statements", false),
  STATEMENTS_INFO("statements_info", false),
  DATABASES("databases", false),
  DATABASE_SIZES("database_sizes", false),
  /** Exact table and index sizes, with the tables and indexes sections when both are due. */
  RELATION_SIZES("relation_sizes", false),
  ACTIVITY("activity", false),
  REPLICATION("replication", false),
  SLOTS("slots", false),
  SETTINGS("settings", false),
  WAL("wal", false),
  BGWRITER("bgwriter", false),
  CHECKPOINTER("checkpointer", false),
  TABLES("tables", true),
  INDEXES("indexes", true),
  SEQUENCES("sequences", true);

  private final String key;
  private final boolean perDatabase;

  Section(String key, boolean perDatabase) {
    this.key = key;
    this.perDatabase = perDatabase;
  }

  /** The {@code section} value on the wire. */
  public String key() {
    return key;
  }

  public boolean perDatabase() {
    return perDatabase;
  }

  public static Optional<Section> byKey(String key) {
    String k = key.trim().toLowerCase(Locale.ROOT);
    return Arrays.stream(values()).filter(s -> s.key.equals(k)).findFirst();
  }
}
