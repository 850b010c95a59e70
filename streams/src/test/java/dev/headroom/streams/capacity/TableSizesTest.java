package dev.headroom.streams.capacity;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TableSizesTest {
  static final long DAY = Duration.ofDays(1).toMillis();
  static final long T0 = Instant.parse("2026-10-01T06:00:00Z").toEpochMilli();

  @Test
  void shouldKeepTheFirstReadingOfEachDayForAWeek() {
    TableSizes s = TableSizes.first(T0, 100);
    assertThat(s.with(T0 + 3_600_000, 120)).as("same UTC day").isNull();
    assertThat(s.with(T0 - DAY, 90)).as("an older day, replayed").isNull();
    for (int day = 1; day <= 10; day++) {
      s = s.with(T0 + day * DAY + 60_000, 100 + 10 * day);
    }
    // seven days back from the newest, and the newest
    assertThat(s.atMs()).hasSize(8);
    assertThat(s.atMs()[0]).isEqualTo(T0 + 3 * DAY + 60_000);
    assertThat(s.bytes()[0]).isEqualTo(130);
    assertThat(s.newestMs()).isEqualTo(T0 + 10 * DAY + 60_000);
  }

  @Test
  void shouldMeasureGrowthPerDayOnceADayApart() {
    TableSizes s = TableSizes.first(T0, 1_000);
    assertThat(s.growthPerDay(T0 + DAY - 1, 5_000)).isNaN();
    assertThat(s.growthPerDay(T0 + DAY, 1_500)).isEqualTo(500);
    assertThat(s.growthPerDay(T0 + 4 * DAY, 0)).isEqualTo(-250); // shrank: ranked last
  }
}
