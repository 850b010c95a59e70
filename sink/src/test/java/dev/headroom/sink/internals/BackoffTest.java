package dev.headroom.sink.internals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void shouldDoubleUpToTheMaximumAndStartOverAfterReset() {
    Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(3));

    assertThat(Stream.generate(backoff::next).limit(6).map(Duration::toMillis))
        .containsExactly(500L, 1_000L, 2_000L, 3_000L, 3_000L, 3_000L);
    backoff.reset();
    assertThat(backoff.next()).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void shouldNeverOverflowWhenFailuresLastLong() {
    Backoff backoff = new Backoff(Duration.ofMillis(1), Duration.ofHours(1));

    Stream.generate(backoff::next).limit(10_000).forEach(d -> assertThat(d).isBetween(Duration.ofMillis(1),
        Duration.ofHours(1)));
  }

  @Test
  void shouldRefuseAMaximumBelowTheInitialWait() {
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
