package dev.headroom.collector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headroom.collector.transport.OutboundRecord;
import dev.headroom.collector.transport.Outbox;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class CollectorScheduleTest {
  static final Outbox NOWHERE = new Outbox() {
    @Override
    public void publish(List<OutboundRecord> records) {
      throw new AssertionError("nothing is published in this test");
    }

    @Override
    public void close() {}
  };

  static CollectorConfig config(Map<String, Object> extra) {
    Map<String, Object> props = new HashMap<>();
    props.put(CollectorConfig.INSTANCE_ID, "i1");
    props.put(CollectorConfig.TARGET_URL, "jdbc:postgresql://db1/postgres");
    props.putAll(extra);
    return new CollectorConfig(props);
  }

  @Test
  void shouldReadEachSectionOnItsOwnScheduleRoundedToTheBaseInterval() {
    Collector c = new Collector(config(Map.of(CollectorConfig.INTERVAL_MS, 60_000L,
        CollectorConfig.TABLES_INTERVAL_MS, 300_000L, CollectorConfig.SETTINGS_INTERVAL_MS, 3_600_000L,
        CollectorConfig.SIZES_INTERVAL_MS, 170_000L)), Clock.systemUTC(), NOWHERE, null);
    // the first snapshot reads everything
    assertThat(c.due(0)).contains(Section.TABLES, Section.SETTINGS, Section.DATABASE_SIZES, Section.STATEMENTS);
    assertThat(c.due(1)).contains(Section.STATEMENTS, Section.DATABASES, Section.ACTIVITY)
        .doesNotContain(Section.TABLES, Section.SETTINGS, Section.DATABASE_SIZES);
    assertThat(c.due(3)).contains(Section.DATABASE_SIZES); // 170 s rounds to 3 intervals
    assertThat(c.due(5)).contains(Section.TABLES).doesNotContain(Section.SETTINGS);
    assertThat(c.due(60)).contains(Section.TABLES, Section.SETTINGS);
  }

  @Test
  void shouldCarryTheSectionsOfSkippedSnapshotsToTheNext() {
    Collector c = new Collector(config(Map.of(CollectorConfig.INTERVAL_MS, 60_000L,
        CollectorConfig.TABLES_INTERVAL_MS, 300_000L)), Clock.systemUTC(), NOWHERE, null);
    assertThat(c.dueBetween(1, 4)).contains(Section.STATEMENTS).doesNotContain(Section.TABLES);
    assertThat(c.dueBetween(1, 5)).contains(Section.TABLES);
    assertThat(c.dueBetween(3, 7)).contains(Section.TABLES, Section.INDEXES);
    assertThat(c.dueBetween(6, 9)).doesNotContain(Section.TABLES);
    // the exact sizes those skipped snapshots owed come with the next tables read
    c.dueBetween(1, 15);
    assertThat(c.due(16)).doesNotContain(Section.RELATION_SIZES);
    assertThat(c.due(20)).contains(Section.TABLES, Section.RELATION_SIZES);
  }

  @Test
  void shouldReadOnlyTheDatabasesThePatternsAllow() {
    Predicate<String> all = config(Map.of()).databaseFilter();
    assertThat(all.test("orders")).isTrue();
    Predicate<String> some = config(Map.of(CollectorConfig.DATABASES_INCLUDE, "app_.*",
        CollectorConfig.DATABASES_EXCLUDE, "app_(tmp|scratch)")).databaseFilter();
    assertThat(some.test("app_orders")).isTrue();
    assertThat(some.test("app_tmp")).isFalse();
    assertThat(some.test("reporting")).isFalse();
    assertThat(some.test("my_app_orders")).isFalse(); // whole name, not a substring
  }
}
