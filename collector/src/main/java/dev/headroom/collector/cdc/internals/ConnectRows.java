package dev.headroom.collector.cdc.internals;

import io.debezium.data.Envelope;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Reads Debezium's change envelope (Connect {@link Struct}s) into a {@link ChangeRow}. Connect
 * records, not JSON, because their schemas say which strings are times and which longs are
 * microseconds, and the source block gives the change's LSN and commit time typed.
 */
public final class ConnectRows {
  /** Times outside four-digit years (PostgreSQL's infinity among them) are no time at all. */
  private static final Instant MIN = Instant.parse("0001-01-01T00:00:00Z");
  private static final Instant MAX = Instant.parse("9999-12-31T23:59:59Z");

  private ConnectRows() {}

  /** The change a record carries, or null for records that are not row changes (heartbeats). */
  public static ChangeRow read(SourceRecord record) {
    if (!(record.value() instanceof Struct value) || value.schema().field(Envelope.FieldName.OPERATION) == null
        || value.schema().field(Envelope.FieldName.SOURCE) == null) {
      return null;
    }
    Envelope.Operation operation = Envelope.Operation.forCode(value.getString(Envelope.FieldName.OPERATION));
    ChangeRow.Op op = operation == null ? ChangeRow.Op.OTHER : switch (operation) {
      case CREATE -> ChangeRow.Op.INSERT;
      case UPDATE -> ChangeRow.Op.UPDATE;
      case DELETE -> ChangeRow.Op.DELETE;
      default -> ChangeRow.Op.OTHER;
    };
    Struct source = value.getStruct(Envelope.FieldName.SOURCE);
    String table = source.getString("schema") + "." + source.getString("table");
    Long lsn = source.schema().field("lsn") == null ? null : source.getInt64("lsn");
    Long tsMs = source.getInt64("ts_ms");
    Map<String, Object> after = value.schema().field(Envelope.FieldName.AFTER) == null ? null
        : columns(value.getStruct(Envelope.FieldName.AFTER));
    List<String> key = new ArrayList<>();
    if (record.key() instanceof Struct k) {
      for (Field f : k.schema().fields()) {
        key.add(String.valueOf(convert(f.schema(), k.get(f))));
      }
    }
    return new ChangeRow(table, op, after, List.copyOf(key), lsn == null ? 0 : lsn,
        Instant.ofEpochMilli(tsMs == null ? 0 : tsMs));
  }

  static Map<String, Object> columns(Struct row) {
    if (row == null) {
      return null;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Field f : row.schema().fields()) {
      out.put(f.name(), convert(f.schema(), row.get(f)));
    }
    return Collections.unmodifiableMap(out);
  }

  /** A column value in plain Java types (see {@link ChangeRow}); unknown logical types pass as they are. */
  static Object convert(Schema schema, Object value) {
    if (value == null || schema.name() == null) {
      return value;
    }
    return switch (schema.name()) {
      case "io.debezium.time.ZonedTimestamp" -> zoned(value.toString());
      case "io.debezium.time.Timestamp" -> local(((Number) value).longValue(), 1_000_000L);
      case "io.debezium.time.MicroTimestamp" -> local(((Number) value).longValue(), 1_000L);
      case "io.debezium.time.NanoTimestamp" -> local(((Number) value).longValue(), 1L);
      case "org.apache.kafka.connect.data.Timestamp" -> local(((java.util.Date) value).getTime(), 1_000_000L);
      case "io.debezium.time.MicroDuration" -> Duration.ofNanos(((Number) value).longValue() * 1_000L);
      default -> value;
    };
  }

  /** {@code timestamptz}: Debezium writes it as ISO text in UTC; infinity and the like give null. */
  private static Instant zoned(String text) {
    try {
      Instant instant = OffsetDateTime.parse(text).toInstant();
      return instant.isBefore(MIN) || instant.isAfter(MAX) ? null : instant;
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** {@code timestamp} (without time zone): Debezium encodes the wall-clock time as if it were UTC. */
  private static LocalDateTime local(long value, long nanosPerUnit) {
    long unitsPerSecond = 1_000_000_000L / nanosPerUnit;
    long seconds = Math.floorDiv(value, unitsPerSecond);
    if (seconds < MIN.getEpochSecond() || seconds > MAX.getEpochSecond()) {
      return null;
    }
    return LocalDateTime.ofEpochSecond(seconds, (int) (Math.floorMod(value, unitsPerSecond) * nanosPerUnit),
        ZoneOffset.UTC);
  }
}
