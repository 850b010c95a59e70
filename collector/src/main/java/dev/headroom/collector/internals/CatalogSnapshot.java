package dev.headroom.collector.internals;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What one snapshot transaction read: the instance's identity and clock, and the rows of each
 * section that was collected. A section that was not collected is absent; an empty list means
 * "collected, none".
 */
public record CatalogSnapshot(
    Instant capturedAt,
    Instant postmasterStart,
    int serverVersionNum,
    String systemIdentifier,
    boolean standby,
    Instant statementsStatsReset,
    Map<String, List<Map<String, Object>>> sections,
    Map<String, Boolean> truncated,
    /** How long each section's read took (per-database sections: summed over the databases). */
    Map<String, Long> readNanos) {}
