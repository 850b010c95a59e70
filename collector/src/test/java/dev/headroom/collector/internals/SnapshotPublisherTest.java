package dev.headroom.collector.internals;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headroom.schemas.SchemaValidator;
import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.Topics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotPublisherTest {
  static final Instant T = Instant.parse("2026-11-23T10:00:00.123Z");

  static CatalogSnapshot catalog(int tables) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < tables; i++) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("datname", "app");
      row.put("schema", "s\"q\\uote");
      row.put("table", "t_" + i + "_ünïcode");
      row.put("seq_scan", (long) i);
      row.put("n_live_tup", 1000L * i);
      row.put("n_dead_tup", 0L);
      row.put("table_bytes", i % 2 == 0 ? null : 8192L * i);
      row.put("total_bytes", null);
      row.put("last_autovacuum", i % 3 == 0 ? T : null);
      row.put("reloptions", "fillfactor=90");
      rows.add(row);
    }
    Map<String, List<Map<String, Object>>> sections = new LinkedHashMap<>();
    sections.put("tables", rows);
    sections.put("slots", List.of());
    return new CatalogSnapshot(T, T.minusSeconds(60), 170005, null, false, null, sections, Map.of(), Map.of());
  }

  @Test
  void shouldWriteEachPartExactlyAsTheSerdeWouldAndSplitBelowTheLimit() {
    SnapshotPublisher publisher = new SnapshotPublisher(20_000);
    List<SnapshotPublisher.Part> parts = publisher.parts(catalog(500),
        new Snapshot.InstanceInfo("i1", "c", "primary", "7301", 170005, Map.of("env", "prod", "rows", "[]")),
        new Snapshot.AgentInfo("a", "0.1.0"), section -> 60_000);
    assertThat(parts.size()).isGreaterThan(3); // the tables were split, the empty slots section is one part
    int rows = 0;
    for (SnapshotPublisher.Part part : parts) {
      assertThat(part.json()).isEqualTo(Topics.SNAPSHOT_SERDE.write(part.snapshot()));
      assertThat(part.json().length).isLessThanOrEqualTo(20_000);
      assertThat(SchemaValidator.violations(part.json())).isEmpty();
      if (part.snapshot().section().equals("tables")) {
        rows += part.snapshot().rows().size();
        assertThat(part.snapshot().parts()).isEqualTo(parts.size() - 1);
      }
    }
    assertThat(rows).isEqualTo(500);
  }
}
