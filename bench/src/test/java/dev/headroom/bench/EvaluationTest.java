package dev.headroom.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Percentage.withPercentage;

import dev.headroom.bench.Evaluation.CallSeries;
import dev.headroom.bench.StatementSnapshots.Row;
import dev.headroom.bench.StatementSnapshots.Snapshot;
import dev.headroom.bench.Workload.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvaluationTest {
  private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

  @Test
  void shouldPutEachCallInTheIntervalWhoseCapturesBracketIt() {
    long[] captures = {100, 200, 300};

    assertThat(Evaluation.intervalOf(captures, 100)).isEqualTo(-1); // at the first capture: before the span
    assertThat(Evaluation.intervalOf(captures, 101)).isEqualTo(1);
    assertThat(Evaluation.intervalOf(captures, 200)).isEqualTo(1); // previous < t ≤ capture
    assertThat(Evaluation.intervalOf(captures, 201)).isEqualTo(2);
    assertThat(Evaluation.intervalOf(captures, 301)).isEqualTo(-1);
  }

  @Test
  void shouldMatchSidesPerWindowAndRecoverAConstantLatency() {
    // Two intervals of ten 5-ms calls each: variance 0, so every estimate is exactly 5 ms.
    List<Snapshot> snapshots = List.of(
        snapshot(T0.minusSeconds(5), 0, 0),
        snapshot(T0.plusSeconds(5), 10, 50),
        snapshot(T0.plusSeconds(15), 20, 100));
    CallSeries calls = new CallSeries();
    for (int i = 0; i < 20; i++) {
      calls.add(T0.minusSeconds(4).plusMillis(900L * i), 5.0);
    }

    Evaluation.Outcome outcome = Evaluation.run(snapshots, Map.of(7L, Kind.POINT_READ), Map.of(Kind.POINT_READ, calls),
        Evaluation.Windowing.byCaptureTime(Duration.ofMinutes(1)));

    assertThat(outcome.callsOutsideIntervals()).isZero();
    assertThat(outcome.windows()).singleElement().satisfies(w -> {
      assertThat(w.loggedCalls()).isEqualTo(20);
      assertThat(w.pgssCalls()).isEqualTo(20);
      assertThat(w.exact()).containsExactly(5, 5, 5);
      assertThat(w.meanMs()).isEqualTo(5.0);
      for (double v : w.moment()) {
        assertThat(v).isCloseTo(5.0, withPercentage(1));
      }
    });
  }

  private static Snapshot snapshot(Instant at, long calls, double totalMs) {
    double mean = calls == 0 ? 0 : totalMs / calls;
    return new Snapshot(at, Map.of(7L, new Row(7L, "/* bench:point_read */ SELECT 1", calls, totalMs, mean, 0.0)));
  }
}
