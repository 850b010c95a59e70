package dev.headroom.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Percentage.withPercentage;

import com.datadoghq.sketch.ddsketch.DDSketch;
import dev.headroom.schemas.LatencySketches;
import org.junit.jupiter.api.Test;

class ExactQuantilesTest {
  @Test
  void shouldTakeTheValueAtRankQTimesNMinusOneRoundedDown() {
    double[] values = new double[100];
    for (int i = 0; i < values.length; i++) {
      values[values.length - 1 - i] = i + 1; // 100 … 1: the input order must not matter
    }

    assertThat(ExactQuantiles.of(values, 0.0, 0.5, 0.95, 0.99, 1.0)).containsExactly(1, 50, 95, 99, 100);
    assertThat(values[0]).isEqualTo(100); // not sorted in place
  }

  @Test
  void shouldAgreeWithDdSketchWithinItsRelativeAccuracy() {
    double[] values = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4, 6, 2, 6, 4, 3, 3};
    DDSketch sketch = LatencySketches.create();
    for (double v : values) {
      sketch.accept(v);
    }
    double[] q = {0.5, 0.95, 0.99};
    double[] exact = ExactQuantiles.of(values, q);
    double[] sketched = sketch.getValuesAtQuantiles(q);
    for (int i = 0; i < q.length; i++) {
      assertThat(sketched[i]).isCloseTo(exact[i], withPercentage(2));
    }
  }

  @Test
  void shouldWeighValues() {
    double[] values = {0.1, 0.5, 0.2};
    assertThat(ExactQuantiles.weighted(values, new double[] {1, 1, 1}, 0.5)).isEqualTo(0.2);
    assertThat(ExactQuantiles.weighted(values, new double[] {1, 10, 1}, 0.5)).isEqualTo(0.5);
    assertThat(ExactQuantiles.weighted(values, new double[] {10, 1, 1}, 0.9)).isEqualTo(0.2);
  }

  @Test
  void shouldRejectEmptySamplesAndBadQuantiles() {
    assertThatThrownBy(() -> ExactQuantiles.of(new double[0], 0.5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ExactQuantiles.of(new double[] {1}, 1.5)).isInstanceOf(IllegalArgumentException.class);
  }
}
