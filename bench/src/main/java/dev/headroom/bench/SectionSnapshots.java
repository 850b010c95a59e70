package dev.headroom.bench;

import dev.headroom.collector.Collector;
import dev.headroom.collector.CollectorConfig;
import dev.headroom.collector.Section;
import dev.headroom.collector.internals.CatalogReader;
import dev.headroom.collector.internals.CatalogSnapshot;
import dev.headroom.collector.internals.DatabaseConnections;
import dev.headroom.collector.internals.DatabaseUrls;
import dev.headroom.collector.internals.HostReader;
import dev.headroom.collector.internals.SnapshotPublisher;
import dev.headroom.collector.transport.OutboundRecord;
import dev.headroom.collector.transport.Outbox;
import dev.headroom.schemas.Snapshot;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Snapshots of a chosen set of sections through the collector's own reader and publisher.
 * {@link Collector#snapshotOnce()} always reads every configured section (and database sizes
 * with the databases section), and the choice of what is due on a tick is package-private, so
 * a regular tick and single sections are read here the way {@code Collector.snapshot} reads
 * them: the same {@link CatalogReader} options, one long-lived connection with the collector's
 * connection properties, the collector's kept connections per database for the per-database sections, the host
 * section, then {@link SnapshotPublisher} and the outbox.
 */
final class SectionSnapshots implements AutoCloseable {
  /** One read: the catalog, how long reading and publishing took, and what was published. */
  record Result(CatalogSnapshot catalog, long readNanos, long publishNanos, int messages, long bytes) {}

  private final CollectorConfig config;
  private final CatalogReader reader;
  private final SnapshotPublisher publisher;
  private final Outbox outbox;
  private final Path dataDirectory;
  private final DatabaseConnections databases;
  private Connection connection;

  SectionSnapshots(CollectorConfig config, Outbox outbox, Path dataDirectory) {
    this.config = config;
    this.reader = new CatalogReader(new CatalogReader.Options(config.getLong(CollectorConfig.STATEMENT_TIMEOUT_MS),
        config.getLong(CollectorConfig.LOCK_TIMEOUT_MS), config.getInt(CollectorConfig.STATEMENTS_MAX),
        config.getInt(CollectorConfig.QUERY_MAX_LENGTH), !"omit".equals(config.getString(CollectorConfig.QUERY_TEXT)),
        "redacted".equals(config.getString(CollectorConfig.QUERY_TEXT))));
    this.publisher = new SnapshotPublisher(config.getInt(CollectorConfig.MESSAGE_MAX_BYTES));
    this.outbox = outbox;
    this.dataDirectory = dataDirectory;
    this.databases = new DatabaseConnections(this::openDatabase, config.getInt(CollectorConfig.DATABASES_KEPT),
        config.getInt(CollectorConfig.DATABASES_CONCURRENCY));
  }

  /** Reads {@code due}, adds the host section, serializes and publishes. */
  Result snapshot(Set<Section> due) throws SQLException, IOException {
    long t0 = System.nanoTime();
    CatalogSnapshot catalog = reader.read(connection(), due, databases, config.databaseFilter(),
        config.getInt(CollectorConfig.DATABASES_CONCURRENCY));
    Map<String, List<Map<String, Object>>> sections = new LinkedHashMap<>(catalog.sections());
    sections.put("host", List.of(HostReader.system().read(dataDirectory)));
    catalog = new CatalogSnapshot(catalog.capturedAt(), catalog.postmasterStart(), catalog.serverVersionNum(),
        catalog.systemIdentifier(), catalog.standby(), catalog.statementsStatsReset(), sections, catalog.truncated(),
        catalog.readNanos());
    long t1 = System.nanoTime();
    Snapshot.InstanceInfo instance = new Snapshot.InstanceInfo(config.getString(CollectorConfig.INSTANCE_ID), null,
        "primary", null, catalog.serverVersionNum(), config.labels());
    List<SnapshotPublisher.Part> messages = publisher.parts(catalog, instance,
        new Snapshot.AgentInfo(config.getString(CollectorConfig.AGENT_ID), Collector.VERSION),
        section -> config.getLong(CollectorConfig.INTERVAL_MS));
    List<OutboundRecord> records = SnapshotPublisher.records(messages);
    outbox.publish(records);
    long t2 = System.nanoTime();
    long bytes = records.stream().mapToLong(r -> r.value().length).sum();
    return new Result(catalog, t1 - t0, t2 - t1, records.size(), bytes);
  }

  /** The collector's connection properties (Collector.connectionProperties). */
  private Properties properties(Properties props) {
    props.setProperty("user", config.getString(CollectorConfig.TARGET_USER));
    props.setProperty("password", config.password());
    props.setProperty("ApplicationName", "headroom-collector");
    props.setProperty("connectTimeout", "10");
    props.setProperty("socketTimeout", Long.toString(config.getLong(CollectorConfig.STATEMENT_TIMEOUT_MS) / 1000 + 30));
    props.setProperty("assumeMinServerVersion", "13");
    return props;
  }

  Connection openDatabase(String database) throws SQLException {
    DatabaseUrls.Target target = DatabaseUrls.forDatabase(config.getString(CollectorConfig.TARGET_URL), database);
    return DriverManager.getConnection(target.url(), properties(target.parameters()));
  }

  private Connection connection() throws SQLException {
    if (connection == null || connection.isClosed()) {
      connection = DriverManager.getConnection(config.getString(CollectorConfig.TARGET_URL), properties(new Properties()));
    }
    return connection;
  }

  @Override
  public void close() throws SQLException {
    databases.close();
    if (connection != null) {
      connection.close();
    }
  }
}
