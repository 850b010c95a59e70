package dev.headroom.sink;

/** How the sink's database stores the result tables, detected when the schema is migrated. */
public enum StorageMode {
  /** TimescaleDB under the Apache 2 licence: hypertables, but no compression or continuous aggregates. */
  TIMESCALEDB_APACHE,
  /** TimescaleDB with the Timescale License (TSL) features available. */
  TIMESCALEDB_TSL,
  /** Plain PostgreSQL tables: no TimescaleDB, or it is installed but not preloaded. */
  PLAIN
}
