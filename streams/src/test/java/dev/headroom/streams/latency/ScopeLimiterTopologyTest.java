package dev.headroom.streams.latency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headroom.schemas.LatencySample;
import dev.headroom.schemas.LatencyWindow;
import dev.headroom.schemas.Topics;
import dev.headroom.streams.TestDrivers;
import dev.headroom.streams.TopologySettings;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;

class ScopeLimiterTopologyTest {
  static final String INSTANCE = "prod-eu/orders-1";
  static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

  @Test
  void shouldFoldScopesBeyondTheLimitIntoOtherAndFreeThePlacesOfIdleOnes() {
    try (TopologyTestDriver driver = TestDrivers.driver("scopes-test",
        new TopologySettings(Duration.ofMinutes(1), Duration.ofSeconds(10), 50).withMaxScopes(2))) {
      TestInputTopic<String, byte[]> samples = driver.createInputTopic(Topics.LATENCY.name(), new StringSerializer(),
          new ByteArraySerializer());
      TestOutputTopic<String, LatencyWindow> windows = driver.createOutputTopic(Topics.LATENCY_WINDOWS.name(),
          new StringDeserializer(), Topics.LATENCY_WINDOW_SERDE.deserializer());
      String[] scopes = {"app:a", "app:b", "app:c", "app:d", "instance", "app:a"};
      for (int i = 0; i < scopes.length; i++) {
        Instant at = T0.plusSeconds(5 + i);
        samples.pipeInput(INSTANCE, Topics.LATENCY_SAMPLE_SERDE.write(new LatencySample(LatencySample.SCHEMA,
            INSTANCE, at, scopes[i], "cdc", 10.0 * (i + 1), 1.0)), at);
      }
      Instant close = T0.plusSeconds(90); // closes the first minute
      samples.pipeInput(INSTANCE, Topics.LATENCY_SAMPLE_SERDE.write(new LatencySample(LatencySample.SCHEMA, INSTANCE,
          close, "instance", "probe", 1.0, 1.0)), close);
      // two days later app:a and app:b have been idle for more than a day: app:e takes a place
      Instant later = T0.plus(Duration.ofDays(2));
      samples.pipeInput(INSTANCE, Topics.LATENCY_SAMPLE_SERDE.write(new LatencySample(LatencySample.SCHEMA, INSTANCE,
          later, "app:e", "cdc", 5.0, 1.0)), later);
      samples.pipeInput(INSTANCE, Topics.LATENCY_SAMPLE_SERDE.write(new LatencySample(LatencySample.SCHEMA, INSTANCE,
          later.plusSeconds(120), "instance", "probe", 1.0, 1.0)), later.plusSeconds(120));

      // app:e sends nothing more: once quiet for latency.idle.ms of wall-clock time, its window is emitted
      driver.advanceWallClockTime(Duration.ofMinutes(6));
      var minutes = windows.readValuesToList().stream().filter(w -> w.window().equals("PT1M")).toList();
      assertThat(minutes).filteredOn(w -> w.windowStart().equals(T0)).extracting(w -> w.scope() + "=" + w.count())
          .containsExactlyInAnyOrder("app:a=2", "app:b=1", "app:other=2", "instance=1");
      assertThat(minutes).filteredOn(w -> w.windowStart().isAfter(T0.plus(Duration.ofDays(1))))
          .extracting(LatencyWindow::scope).containsExactly("app:e");
    }
  }
}
