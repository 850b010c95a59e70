package dev.headroom.collector.cdc.internals;

import static org.assertj.core.api.Assertions.assertThat;

import io.debezium.data.Envelope;
import io.debezium.time.MicroDuration;
import io.debezium.time.MicroTimestamp;
import io.debezium.time.ZonedTimestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

class CdcConnectRowsTest {
  static final Schema KEY = SchemaBuilder.struct().name("k").field("id", Schema.INT64_SCHEMA).build();
  static final Schema ROW = SchemaBuilder.struct().name("v")
      .field("id", Schema.INT64_SCHEMA)
      .field("ts", ZonedTimestamp.builder().optional().build())
      .field("local_ts", MicroTimestamp.builder().optional().build())
      .field("took", MicroDuration.builder().optional().build())
      .field("v", Schema.OPTIONAL_FLOAT64_SCHEMA)
      .field("app", Schema.OPTIONAL_STRING_SCHEMA)
      .build();
  static final Schema SOURCE = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
      .field("schema", Schema.STRING_SCHEMA)
      .field("table", Schema.STRING_SCHEMA)
      .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
      .field("ts_ms", Schema.INT64_SCHEMA)
      .build();
  static final Envelope ENVELOPE = Envelope.defineSchema().withName("t.Envelope").withRecord(ROW).withSource(SOURCE)
      .build();

  static Struct source() {
    return new Struct(SOURCE).put("schema", "public").put("table", "performance_metrics").put("lsn", 23_456_789L)
        .put("ts_ms", 1_795_341_605_250L);
  }

  @Test
  void shouldReadAnInsertWithTypedColumnsKeyLsnAndCommitTime() {
    Struct after = new Struct(ROW).put("id", 42L).put("ts", "2026-11-22T10:00:01.123456Z")
        .put("local_ts", 1_795_345_201_125_000L).put("took", 1_500L).put("v", 12.5).put("app", "checkout");
    SourceRecord record = new SourceRecord(Map.of(), Map.of(), "t", null, KEY, new Struct(KEY).put("id", 42L),
        ENVELOPE.schema(), ENVELOPE.create(after, source(), Instant.now()));

    ChangeRow row = ConnectRows.read(record);

    assertThat(row.table()).isEqualTo("public.performance_metrics");
    assertThat(row.op()).isEqualTo(ChangeRow.Op.INSERT);
    assertThat(row.key()).containsExactly("42");
    assertThat(row.lsn()).isEqualTo(23_456_789L);
    assertThat(row.commitTime()).isEqualTo(Instant.ofEpochMilli(1_795_341_605_250L));
    assertThat(row.after()).containsEntry("id", 42L)
        .containsEntry("ts", Instant.parse("2026-11-22T10:00:01.123456Z"))
        .containsEntry("local_ts", LocalDateTime.parse("2026-11-22T11:00:01.125"))
        .containsEntry("took", Duration.ofNanos(1_500_000))
        .containsEntry("v", 12.5)
        .containsEntry("app", "checkout");
  }

  @Test
  void shouldReadUpdatesDeletesAndIgnoreNonChangeRecords() {
    Struct after = new Struct(ROW).put("id", 1L);
    SourceRecord update = new SourceRecord(Map.of(), Map.of(), "t", null, KEY, new Struct(KEY).put("id", 1L),
        ENVELOPE.schema(), ENVELOPE.update(null, after, source(), Instant.now()));
    assertThat(ConnectRows.read(update).op()).isEqualTo(ChangeRow.Op.UPDATE);
    SourceRecord delete = new SourceRecord(Map.of(), Map.of(), "t", null, KEY, new Struct(KEY).put("id", 1L),
        ENVELOPE.schema(), ENVELOPE.delete(after, source(), Instant.now()));
    ChangeRow deleted = ConnectRows.read(delete);
    assertThat(deleted.op()).isEqualTo(ChangeRow.Op.DELETE);
    assertThat(deleted.after()).isNull();
    Schema heartbeat = SchemaBuilder.struct().name("io.debezium.connector.common.Heartbeat")
        .field("ts_ms", Schema.INT64_SCHEMA).build();
    assertThat(ConnectRows.read(new SourceRecord(Map.of(), Map.of(), "__debezium-heartbeat.t", heartbeat,
        new Struct(heartbeat).put("ts_ms", 1L)))).isNull();
  }

  @Test
  void shouldTurnInfinityIntoNoTime() {
    assertThat(ConnectRows.convert(ZonedTimestamp.schema(), "infinity")).isNull();
    assertThat(ConnectRows.convert(MicroTimestamp.schema(), Long.MAX_VALUE)).isNull();
  }
}
