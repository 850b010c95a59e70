package dev.headroom.collector.cdc;

import java.util.Locale;

/** Why a captured change was not published; each is counted by {@link CdcCapture#skipped()}. */
public enum SkipReason {
  /** An UPDATE of a latency row or a migration row (other than a Liquibase re-run). */
  UPDATE_IGNORED,
  /** A DELETE: history that disappears is not an event. */
  DELETE_IGNORED,
  /** A TRUNCATE, a logical message or a snapshot read. */
  OTHER_OPERATION_IGNORED,
  /** The latency value is null, negative, not a number or not finite. */
  UNMAPPABLE_VALUE,
  /** The weight is not a positive, finite number. */
  UNMAPPABLE_WEIGHT,
  /** A Flyway row with {@code success = false}: the migration failed. */
  FAILED_MIGRATION,
  /** A Liquibase row with an exectype other than EXECUTED or RERAN (FAILED, SKIPPED, MARK_RAN). */
  NOT_EXECUTED,
  /** A Flyway row that changes nothing: a baseline marker or a deleted-migration marker. */
  NOT_A_MIGRATION,
  /** A change of a table that is not mapped (cannot happen unless the publication was widened by hand). */
  UNKNOWN_TABLE,
  /** A row whose mapping failed unexpectedly; logged, skipped so the stream goes on. */
  MAPPING_ERROR;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}
