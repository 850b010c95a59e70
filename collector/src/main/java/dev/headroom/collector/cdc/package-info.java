/**
 * Change data capture from a monitored database: rows inserted into latency tables become
 * {@code headroom.latency.v1} samples, rows inserted into Flyway or Liquibase history tables
 * become {@code headroom.events.v1} deploys. {@link dev.headroom.collector.cdc.CdcCapture} runs
 * Debezium's embedded PostgreSQL connector (pgoutput, one slot and one publication per capture)
 * with {@link dev.headroom.collector.cdc.CdcOptions}; {@code internals} holds the Debezium
 * settings and the row mapping.
 */
package dev.headroom.collector.cdc;
