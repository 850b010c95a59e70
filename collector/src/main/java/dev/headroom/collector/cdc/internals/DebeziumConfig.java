package dev.headroom.collector.cdc.internals;

import dev.headroom.collector.cdc.CdcOptions;
import java.util.Properties;
import java.util.stream.Collectors;

/** The Debezium engine and PostgreSQL connector settings of one capture; why each is set is said beside it. */
public final class DebeziumConfig {
  private DebeziumConfig() {}

  public static Properties of(CdcOptions options) {
    Properties p = new Properties();
    p.setProperty("name", "headroom-cdc-" + options.slotName());
    p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
    p.setProperty("database.hostname", options.target().host());
    p.setProperty("database.port", Integer.toString(options.target().port()));
    p.setProperty("database.dbname", options.target().database());
    p.setProperty("database.user", options.target().user());
    if (options.target().password() != null && !options.target().password().isEmpty()) {
      p.setProperty("database.password", options.target().password());
    }
    // Names the records' destinations only; nothing is written to Kafka by the engine itself.
    p.setProperty("topic.prefix", options.slotName());
    // pgoutput is built into PostgreSQL 10+: nothing to install on the monitored server.
    p.setProperty("plugin.name", "pgoutput");
    p.setProperty("slot.name", options.slotName());
    p.setProperty("publication.name", options.publicationName());
    // The publication holds exactly the mapped tables, so the server decodes and sends nothing else.
    p.setProperty("publication.autocreate.mode", "filtered");
    p.setProperty("table.include.list", options.tables().stream().map(DebeziumConfig::tableRegex)
        .collect(Collectors.joining(",")));
    // Rows already in the tables at the first start are history, not new observations or deploys
    // (see CdcCapture). "no_data" is 3.x's name for the former "never".
    p.setProperty("snapshot.mode", "no_data");
    // Debezium confirms the LSNs of the events we have marked processed; the driver also confirms
    // the server's keepalive position while nothing is pending, so a slot whose tables are quiet
    // does not hold back WAL written by the rest of a busy database.
    p.setProperty("lsn.flush.mode", "connector_and_driver");
    // Heartbeats carry the position the driver confirmed into the offsets file, so it does not
    // fall far behind the slot while the tables are quiet (Debezium would otherwise pick 10 min).
    p.setProperty("heartbeat.interval.ms", "60000");
    p.setProperty("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
    p.setProperty("offset.storage.file.filename", options.offsetsFile().toAbsolutePath().toString());
    p.setProperty("offset.flush.interval.ms", Long.toString(options.offsetFlushInterval().toMillis()));
    // numeric latency columns arrive as doubles, not as Connect decimals with per-row scale
    p.setProperty("decimal.handling.mode", "double");
    // deletes are ignored anyway; no tombstone records to skip
    p.setProperty("tombstones.on.delete", "false");
    return p;
  }

  /** table.include.list entries are regular expressions matched against {@code schema.table}. */
  static String tableRegex(String table) {
    return table.replace(".", "\\.").replace("$", "\\$");
  }
}
