/**
 * Exact latency samples from PostgreSQL's own duration log: {@link dev.headroom.collector.logs.DurationLogFollower}
 * follows the csvlog or jsonlog files of the instance the agent runs beside. Everything else in the
 * package is its internals.
 */
package dev.headroom.collector.logs;
