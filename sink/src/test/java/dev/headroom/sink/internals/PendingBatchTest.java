package dev.headroom.sink.internals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.datadoghq.sketch.ddsketch.DDSketch;
import dev.headroom.schemas.LatencySketches;
import dev.headroom.schemas.LatencyWindow;
import dev.headroom.schemas.Topics;
import dev.headroom.sink.ResultTable;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PendingBatchTest {
  private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
  private static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);
  private static final TopicPartition P0 = new TopicPartition("windows", 0);
  private static final TopicPartition P1 = new TopicPartition("windows", 1);

  private final Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records = new LinkedHashMap<>();

  private static LatencyWindow window(String instance, int minute, double p95, String sketch) {
    Instant start = T0.plusSeconds(60L * minute);
    return new LatencyWindow(LatencyWindow.SCHEMA, instance, "instance", "PT1M", start, start.plusSeconds(60), 10,
        1.0, p95, p95 + 1, p95 + 2, "moment", sketch);
  }

  /** A real encoded sketch holding one value, told apart by the text's length. */
  private static String sketch(String text) {
    DDSketch sketch = LatencySketches.create();
    sketch.accept(text.length());
    return LatencySketches.toBase64(sketch);
  }

  private void add(TopicPartition tp, long offset, byte[] value) {
    records.computeIfAbsent(tp, p -> new ArrayList<>())
        .add(new ConsumerRecord<>(tp.topic(), tp.partition(), offset, "key".getBytes(StandardCharsets.UTF_8), value));
  }

  private void add(TopicPartition tp, long offset, LatencyWindow w) {
    add(tp, offset, Topics.LATENCY_WINDOW_SERDE.write(w));
  }

  private PendingBatch read() {
    TableSpec<?> windows = TableSpec.of(ResultTable.LATENCY_WINDOWS);
    return PendingBatch.read(new ConsumerRecords<>(records, Map.of()), topic -> windows, CLOCK);
  }

  private static List<TableSpec.Row> rows(PendingBatch batch) {
    return batch.rowsByTable().values().stream().flatMap(List::stream).toList();
  }

  /** The field of a row's COPY line at a column of latency_windows. */
  private static String field(TableSpec.Row row, String column) {
    String[] fields = new String(row.line(), StandardCharsets.UTF_8).split("\t", -1);
    return fields[TableSpec.of(ResultTable.LATENCY_WINDOWS).columns().indexOf(column)];
  }

  @Test
  void shouldKeepEveryRecordInOffsetOrderWithItsTimeAndDecodedSketch() {
    add(P0, 7, window("a", 0, 10, sketch("first")));
    add(P0, 8, window("a", 1, 11, sketch("other")));
    add(P0, 9, window("a", 0, 12, sketch("second")));

    PendingBatch batch = read();

    // The last record of a window wins in the database (the staging upsert orders by arrival).
    assertThat(rows(batch)).extracting(TableSpec.Row::timeMs, row -> field(row, "p95_ms"))
        .containsExactly(tuple(T0.plusSeconds(60).toEpochMilli(), "10"),
            tuple(T0.plusSeconds(120).toEpochMilli(), "11"), tuple(T0.plusSeconds(60).toEpochMilli(), "12"));
    assertThat(field(rows(batch).get(2), "sketch"))
        .isEqualTo("\\\\x" + HexFormat.of().formatHex(Base64.getDecoder().decode(sketch("second"))));
    assertThat(batch.nextOffsets()).isEqualTo(Map.of(P0, 10L));
    assertThat(batch.records()).isEqualTo(3);
    assertThat(batch.deadLetterCount()).isZero();
  }

  @Test
  void shouldTurnUnreadableAndUnwritableRecordsIntoDeadLettersAndStillMoveTheOffsetPastThem() {
    add(P0, 0, "{oops".getBytes(StandardCharsets.UTF_8));
    add(P0, 1, (byte[]) null);
    add(P0, 2, window("a", 0, 10, "not base64!"));
    add(P0, 3, window("a\u0000b", 0, 10, sketch("s")));
    add(P0, 4, window("a", 0, 10, Base64.getEncoder().encodeToString("not a sketch".getBytes(StandardCharsets.UTF_8))));
    add(P0, 5, window("a", 0, 10, sketch("s")));

    PendingBatch batch = read();

    assertThat(batch.deadLetterCount()).isEqualTo(5);
    assertThat(rows(batch)).hasSize(1);
    assertThat(batch.nextOffsets()).isEqualTo(Map.of(P0, 6L));
  }

  @Test
  void shouldForgetRevokedPartitionsEntirely() {
    add(P0, 0, window("a", 0, 10, sketch("s")));
    add(P1, 5, window("b", 0, 10, sketch("s")));
    add(P1, 6, "{oops".getBytes(StandardCharsets.UTF_8));

    PendingBatch batch = read();
    batch.drop(List.of(P1));

    assertThat(rows(batch)).extracting(row -> field(row, "instance_id")).containsExactly("a");
    assertThat(batch.nextOffsets()).isEqualTo(Map.of(P0, 0L + 1));
    assertThat(batch.deadLetterCount()).isZero();
    assertThat(batch.isEmpty()).isFalse();
    batch.drop(List.of(P0));
    assertThat(batch.isEmpty()).isTrue();
  }

  @Test
  void shouldKeepTheRowOfAPartitionThatStaysWhenAnotherPartitionHadTheSameWindow() {
    // Same window in two partitions (a producer with its own partitioner): dropping one keeps the other.
    add(P0, 0, window("a", 0, 10, sketch("s")));
    add(P1, 0, window("a", 0, 20, sketch("s")));

    PendingBatch batch = read();
    batch.drop(List.of(P1));

    assertThat(rows(batch)).extracting(row -> field(row, "p95_ms")).containsExactly("10");
  }
}
