package dev.headroom.streams.latency;

import static org.assertj.core.api.Assertions.assertThat;

import com.datadoghq.sketch.ddsketch.DDSketch;
import dev.headroom.schemas.LatencySketches;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SketchAggregateTest {
  private static Observation moment(double count, double mean, double variance) {
    return new Observation("prod/db-1", "instance", Observation.Method.MOMENT, count, mean, variance, mean, 0L);
  }

  @Test
  void shouldFoldRememberedFitsExactlyAsFreshOnes() {
    // as MomentObservations sends them: each statement's interval to three scopes; more fits than are kept, and
    // some seen again after they were evicted
    SplittableRandom random = new SplittableRandom(42);
    List<Observation> seen = new ArrayList<>();
    SketchAggregate[] scopes = {new SketchAggregate(), new SketchAggregate(), new SketchAggregate()};
    DDSketch expected = LatencySketches.create();
    double expectedMax = 0;
    for (int i = 0; i < 3 * SketchAggregate.Fits.SIZE; i++) {
      Observation o;
      if (i % 7 == 6) {
        o = seen.get(random.nextInt(seen.size()));
      } else if (i % 11 == 10) {
        o = moment(1 + random.nextInt(2), 0.5, 0.0); // one call or no spread: a single point
      } else {
        double mean = Math.exp(random.nextGaussian());
        double cv = 3 * random.nextDouble();
        o = moment(1 + random.nextInt(5_000), mean, cv * cv * mean * mean);
      }
      seen.add(o);
      for (SketchAggregate scope : scopes) {
        scope.add(o);
      }
      expectedMax = Math.max(expectedMax,
          Math.max(MomentDistribution.addTo(expected, o.count(), o.meanMs(), o.varianceMs2()), o.maxMs()));
    }
    for (SketchAggregate scope : scopes) {
      assertThat(LatencySketches.encode(scope.sketch())).isEqualTo(LatencySketches.encode(expected));
      assertThat(scope.maxMs()).isEqualTo(expectedMax);
      assertThat(scope.method()).isEqualTo("moment");
    }
  }

  @Test
  void shouldFoldIntoAnAggregateReadBackFromTheStoreAsIntoTheOriginal() {
    // the window store hands the aggregate back decoded, with a mapping object of its own
    SketchAggregate.AggregateSerde serde = new SketchAggregate.AggregateSerde();
    Observation first = moment(800, 12.0, 90.0);
    Observation second = moment(300, 3.0, 40.0);
    SketchAggregate stored = serde.deserializer().deserialize("t",
        serde.serializer().serialize("t", new SketchAggregate().add(first)));
    stored.add(second).add(first);

    DDSketch expected = LatencySketches.decode(LatencySketches.encode(new SketchAggregate().add(first).sketch()));
    MomentDistribution.addTo(expected, second.count(), second.meanMs(), second.varianceMs2());
    MomentDistribution.addTo(expected, first.count(), first.meanMs(), first.varianceMs2());
    assertThat(LatencySketches.encode(stored.sketch())).isEqualTo(LatencySketches.encode(expected));
  }

  @Test
  void shouldAddManyObservationsAtOnceAsOneByOne() {
    // a folded statements message: moment fits and exact samples into a sketch that already holds some
    SplittableRandom random = new SplittableRandom(7);
    List<Observation> batch = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      double mean = Math.exp(2 * random.nextGaussian());
      double cv = 2 * random.nextDouble();
      batch.add(i % 5 == 4
          ? new Observation("prod/db-1", "instance", Observation.Method.EXACT, 1, mean, 0, mean, 0L)
          : moment(1 + random.nextInt(10_000), mean, cv * cv * mean * mean));
    }
    Observation before = moment(50, 4.0, 9.0);
    SketchAggregate oneByOne = new SketchAggregate().add(before);
    batch.forEach(oneByOne::add);
    SketchAggregate atOnce = new SketchAggregate().add(before).addAll(batch);

    assertThat(atOnce.maxMs()).isEqualTo(oneByOne.maxMs());
    assertThat(atOnce.method()).isEqualTo("mixed");
    assertThat(atOnce.sketch().getCount()).isCloseTo(oneByOne.sketch().getCount(),
        org.assertj.core.data.Percentage.withPercentage(1e-9));
    // the same bins with the same counts (summed in another order: equal to the last bits)
    List<double[]> expected = new ArrayList<>();
    oneByOne.sketch().getPositiveValueStore().forEach((index, count) -> expected.add(new double[] {index, count}));
    List<double[]> actual = new ArrayList<>();
    atOnce.sketch().getPositiveValueStore().forEach((index, count) -> actual.add(new double[] {index, count}));
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.size(); i++) {
      assertThat(actual.get(i)[0]).isEqualTo(expected.get(i)[0]);
      assertThat(actual.get(i)[1]).isCloseTo(expected.get(i)[1], org.assertj.core.data.Offset.offset(
          1e-9 * Math.max(1, expected.get(i)[1])));
    }
    for (double q : new double[] {0.5, 0.95, 0.99}) {
      assertThat(atOnce.sketch().getValueAtQuantile(q)).isEqualTo(oneByOne.sketch().getValueAtQuantile(q));
    }
  }
}
