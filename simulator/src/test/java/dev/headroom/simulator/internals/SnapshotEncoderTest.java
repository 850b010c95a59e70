package dev.headroom.simulator.internals;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headroom.schemas.Json;
import dev.headroom.schemas.Snapshot;
import dev.headroom.schemas.Topics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

class SnapshotEncoderTest {
  @Property(tries = 2_000)
  void timesAreWrittenAsTheContractWritesThem(
      @ForAll @LongRange(min = -62_167_219_200_000L, max = 253_402_300_799_999L) long epochMilli) {
    Instant t = Instant.ofEpochMilli(epochMilli);
    assertThat(Times.format(t)).isEqualTo(Json.format(t));
  }

  @Property(tries = 300)
  void theStreamingEncoderWritesWhatTheSerdeWrites(@ForAll long seed, @ForAll double number, @ForAll long whole,
      @ForAll String text, @ForAll boolean flag, @ForAll @LongRange(min = 0, max = 4_102_444_800_000L) long millis)
      throws Exception {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("double", Double.isFinite(number) ? number : 0.5);
    row.put("long", whole);
    row.put("text", text);
    row.put("flag", flag);
    row.put("none", null);
    row.put("int", (int) seed);
    row.put("at", Instant.ofEpochMilli(millis));
    row.put("nested", Map.of("a", 1L, "b", "x\"y"));
    List<Map<String, Object>> rows = new ArrayList<>(List.of(row, Map.of()));
    Snapshot s = new Snapshot(Snapshot.SCHEMA, "id-" + seed, new Snapshot.InstanceInfo("i/" + text, "c", "primary",
        null, 170_002, Map.of("env", text)), seed % 2 == 0 ? null : new Snapshot.AgentInfo("a", null),
        Instant.ofEpochMilli(millis), 60_000, seed % 3 == 0 ? null : Instant.ofEpochMilli(millis / 2), null,
        "statements", 0, 1, rows, flag);
    assertThat(Json.mapper().readTree(SnapshotEncoder.write(s)))
        .isEqualTo(Json.mapper().readTree(Topics.SNAPSHOT_SERDE.write(s)));
  }
}
