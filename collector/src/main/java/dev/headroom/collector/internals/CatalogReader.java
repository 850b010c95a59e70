package dev.headroom.collector.internals;

import dev.headroom.collector.Section;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the catalog sections in one read-only transaction with statement and lock timeouts,
 * so a snapshot is consistent and can neither hang nor hold up the monitored database.
 * Queries use bind parameters only; column differences between versions are chosen by
 * {@code server_version_num}, never by text from the server.
 */
public final class CatalogReader {
  private static final Logger LOG = LoggerFactory.getLogger(CatalogReader.class);

  public record Options(long statementTimeoutMs, long lockTimeoutMs, int statementsMax, int queryMaxLength,
      boolean queryText, boolean redactQueries) {}

  /**
   * Connections to the target's databases, for the per-database sections. A kept connection
   * saves the server from rebuilding its relation cache on every read (measured: it halves the
   * server time of the tables and indexes reads on 10,000 tables).
   */
  public interface DatabaseConnector {
    Connection acquire(String database) throws SQLException;

    /** Gives the connection back; {@code healthy} false closes it. */
    void release(String database, Connection connection, boolean healthy);
  }

  /** Marks a per-database read's duration among its sections' rows (summed over databases). */
  private static final String NANOS_PREFIX = "\u0000nanos:";
  private final Options options;
  private final Set<String> warned = ConcurrentHashMap.newKeySet();
  /** Per database: index oid → schema, table, index name and definition. */
  private final Map<String, Map<Long, String[]>> definitions = new ConcurrentHashMap<>();
  private boolean warnedNoStatements;

  public CatalogReader(Options options) {
    this.options = options;
  }

  /** Reads every section, all databases included: for tests and {@code --once}. */
  public CatalogSnapshot read(Connection c) throws SQLException {
    return read(c, EnumSet.allOf(Section.class), null, db -> true, 1);
  }

  /**
   * Reads the {@code due} instance sections in one read-only transaction on {@code c}, then the
   * due per-database sections over a connection to each database that {@code databases} accepts,
   * at most {@code concurrency} at a time. A database that cannot be read is logged and left out;
   * the others still are.
   */
  public CatalogSnapshot read(Connection c, Set<Section> due, DatabaseConnector connector,
      Predicate<String> databases, int concurrency) throws SQLException {
    Map<String, List<Map<String, Object>>> sections = new LinkedHashMap<>();
    Map<String, Boolean> truncated = new LinkedHashMap<>();
    Map<String, Long> nanos = new LinkedHashMap<>();
    Instant[] statementsReset = {null};
    ServerInfo server;
    List<String> connectable = List.of();
    begin(c);
    try {
      server = serverInfo(c);
      if (due.contains(Section.STATEMENTS) && statementsAvailable(c, server)) {
        guarded(c, "statements", () -> {
          long started = System.nanoTime();
          StatementsResult statements = statements(c, server);
          sections.put(Section.STATEMENTS.key(), statements.rows());
          truncated.put(Section.STATEMENTS.key(), statements.truncated());
          List<Map<String, Object>> info = rows(c, CatalogQueries.statementsInfo(server));
          info.forEach(row -> row.put("entries", statements.entries()));
          sections.put(Section.STATEMENTS_INFO.key(), info);
          nanos.put(Section.STATEMENTS.key(), System.nanoTime() - started);
          if (!info.isEmpty() && info.get(0).get("stats_reset") instanceof Instant reset) {
            statementsReset[0] = reset;
          }
        });
      }
      if (due.contains(Section.DATABASES)) {
        guarded(c, "databases", () -> {
          long started = System.nanoTime();
          List<Map<String, Object>> rows = rows(c, CatalogQueries.databases(server));
          Map<String, Object> sizes = new HashMap<>();
          if (due.contains(Section.DATABASE_SIZES)) {
            // on their own savepoint: a timeout here leaves the sizes null, not the section out
            guarded(c, "database_sizes", () -> {
              long sizesStarted = System.nanoTime();
              for (Map<String, Object> size : rows(c, CatalogQueries.DATABASE_SIZES)) {
                sizes.put((String) size.get("datname"), size.get("size_bytes"));
              }
              nanos.put(Section.DATABASE_SIZES.key(), System.nanoTime() - sizesStarted);
            });
          }
          rows.forEach(row -> row.put("size_bytes", sizes.get((String) row.get("datname")))); // null: not read
          sections.put(Section.DATABASES.key(), rows);
          nanos.put(Section.DATABASES.key(), System.nanoTime() - started);
        });
      }
      if (due.contains(Section.ACTIVITY)) {
        guarded(c, "activity", () -> {
          long started = System.nanoTime();
          sections.put(Section.ACTIVITY.key(), List.of(activity(c, server)));
          nanos.put(Section.ACTIVITY.key(), System.nanoTime() - started);
        });
      }
      if (due.contains(Section.REPLICATION)) {
        guarded(c, "replication", () -> {
          long started = System.nanoTime();
          List<Map<String, Object>> rows = rows(c, CatalogQueries.replicationSenders(server));
          if (server.standby()) {
            rows.addAll(rows(c, CatalogQueries.REPLICATION_RECEIVER));
          }
          sections.put(Section.REPLICATION.key(), rows);
          nanos.put(Section.REPLICATION.key(), System.nanoTime() - started);
        });
      }
      if (due.contains(Section.SLOTS)) {
        guarded(c, "slots", () -> {
          long started = System.nanoTime();
          sections.put(Section.SLOTS.key(), rows(c, CatalogQueries.slots(server)));
          nanos.put(Section.SLOTS.key(), System.nanoTime() - started);
        });
      }
      if (due.contains(Section.SETTINGS)) {
        guarded(c, "settings", () -> {
          long started = System.nanoTime();
          List<Map<String, Object>> rows = rows(c, CatalogQueries.SETTINGS);
          rows.forEach(SettingsRedaction::apply);
          sections.put(Section.SETTINGS.key(), rows);
          nanos.put(Section.SETTINGS.key(), System.nanoTime() - started);
        });
      }
      if (due.contains(Section.WAL)) {
        guarded(c, "wal", () -> {
          long started = System.nanoTime();
          sections.put(Section.WAL.key(), rows(c, CatalogQueries.wal(server)));
          nanos.put(Section.WAL.key(), System.nanoTime() - started);
        });
      }
      if (due.contains(Section.BGWRITER)) {
        guarded(c, "bgwriter", () -> {
          long started = System.nanoTime();
          sections.put(Section.BGWRITER.key(), rows(c, CatalogQueries.bgwriter(server)));
          nanos.put(Section.BGWRITER.key(), System.nanoTime() - started);
        });
      }
      if (due.contains(Section.CHECKPOINTER)) {
        guarded(c, "checkpointer", () -> {
          long started = System.nanoTime();
          sections.put(Section.CHECKPOINTER.key(), rows(c, CatalogQueries.checkpointer(server)));
          nanos.put(Section.CHECKPOINTER.key(), System.nanoTime() - started);
        });
      }
      if (due.stream().anyMatch(Section::perDatabase)) {
        connectable = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(CatalogQueries.CONNECTABLE_DATABASES);
            ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String name = rs.getString(1);
            if (databases.test(name)) {
              connectable.add(name);
            }
          }
        }
      }
      c.commit();
    } catch (SQLException | RuntimeException e) {
      rollbackQuietly(c);
      throw e;
    }
    List<Section> perDatabase = due.stream().filter(Section::perDatabase).toList();
    if (!perDatabase.isEmpty()) {
      perDatabase.forEach(section -> sections.put(section.key(), new ArrayList<>()));
      Set<String> indexesRead = new java.util.HashSet<>();
      DatabaseConnector open = connector != null ? connector : new DatabaseConnector() {
        @Override
        public Connection acquire(String db) throws SQLException {
          throw new SQLException("no connector for database " + db);
        }

        @Override
        public void release(String db, Connection connection, boolean healthy) {}
      };
      for (Map<String, List<Map<String, Object>>> one : perDatabase(c, server, connectable, perDatabase,
          due.contains(Section.RELATION_SIZES), open, concurrency)) {
        one.forEach((section, rows) -> {
          if (section.startsWith(NANOS_PREFIX)) {
            nanos.merge(section.substring(NANOS_PREFIX.length()), (Long) rows.get(0).get("nanos"), Long::sum);
            if (section.equals(NANOS_PREFIX + Section.INDEXES.key())) {
              indexesRead.add((String) rows.get(0).get("datname"));
            }
          } else {
            sections.get(section).addAll(rows);
          }
        });
      }
      if (due.contains(Section.RELATION_SIZES) && due.contains(Section.TABLES) && due.contains(Section.INDEXES)) {
        addIndexSizes(sections.get(Section.TABLES.key()), sections.get(Section.INDEXES.key()), indexesRead);
      }
    }
    return new CatalogSnapshot(server.capturedAt(), server.postmasterStart(), server.versionNum(), null,
        server.standby(), statementsReset[0], sections, truncated, nanos);
  }

  private interface SqlBlock {
    void run() throws SQLException;
  }

  /**
   * Runs one section's reads inside a savepoint: a section that fails (a statement_timeout on
   * database sizes, a view a role may not read) is logged and left out, and the others in the
   * same transaction are still read. A broken connection still fails the whole snapshot.
   */
  private void guarded(Connection c, String section, SqlBlock block) throws SQLException {
    Savepoint savepoint = c.setSavepoint();
    try {
      block.run();
      c.releaseSavepoint(savepoint);
    } catch (SQLException e) {
      if (e.getSQLState() != null && e.getSQLState().startsWith("08")) {
        throw e;
      }
      c.rollback(savepoint);
      warnOnce("section:" + section + ":" + e.getSQLState(), "{} left out of this snapshot: {}", section,
          e.getMessage());
    }
  }

  private void begin(Connection c) throws SQLException {
    c.setAutoCommit(false);
    c.setReadOnly(true);
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT set_config('statement_timeout', ?, true), set_config('lock_timeout', ?, true)")) {
      ps.setString(1, options.statementTimeoutMs() + "ms");
      ps.setString(2, options.lockTimeoutMs() + "ms");
      ps.execute();
    }
  }

  private static ServerInfo serverInfo(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT now(), pg_postmaster_start_time(), current_setting('server_version_num')::int, pg_is_in_recovery(),"
            + " current_setting('shared_preload_libraries'),"
            + " (SELECT extversion FROM pg_extension WHERE extname = 'pg_stat_statements')");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return new ServerInfo(rs.getTimestamp(1).toInstant(), rs.getTimestamp(2).toInstant(), rs.getInt(3),
          rs.getBoolean(4), rs.getString(5), ServerInfo.extensionVersion(rs.getString(6)));
    }
  }

  /**
   * Each per-database section of each database in its own short read-only transaction, at most
   * {@code concurrency} at once: the tables and indexes of one big database are read side by side.
   */
  private List<Map<String, List<Map<String, Object>>>> perDatabase(Connection main, ServerInfo server,
      List<String> databases, List<Section> due, boolean sizes, DatabaseConnector connector, int concurrency) {
    List<Map<String, List<Map<String, Object>>>> out = new ArrayList<>();
    if (databases.isEmpty()) {
      return out;
    }
    List<String[]> units = new ArrayList<>();
    for (String db : databases) {
      for (Section section : due) {
        units.add(new String[] {db, section.name()});
      }
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(concurrency, units.size())), r -> {
      Thread t = new Thread(r, "headroom-collector-db");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<Map<String, List<Map<String, Object>>>>> futures = new ArrayList<>();
      for (String[] unit : units) {
        futures.add(pool.submit(() -> readDatabase(unit[0], server, List.of(Section.valueOf(unit[1])), sizes,
            due.contains(Section.INDEXES), connector)));
      }
      for (int i = 0; i < futures.size(); i++) {
        try {
          out.add(futures.get(i).get());
        } catch (ExecutionException e) {
          Throwable cause = e.getCause() == null ? e : e.getCause();
          String db = units.get(i)[0];
          String section = Section.valueOf(units.get(i)[1]).key();
          warnOnce("db:" + db + ":" + section + ":" + cause.getMessage(),
              "{} of database {} left out of this snapshot: {}", section, db, cause.getMessage());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      pool.shutdownNow();
    }
    return out;
  }

  private Map<String, List<Map<String, Object>>> readDatabase(String db, ServerInfo server, List<Section> due,
      boolean sizes, boolean indexesToo, DatabaseConnector connector) throws SQLException {
    Map<String, List<Map<String, Object>>> out = new LinkedHashMap<>();
    Connection c = connector.acquire(db);
    boolean healthy = false;
    try {
      begin(c);
      try {
        for (Section section : due) {
          long started = System.nanoTime();
          switch (section) {
            case TABLES -> out.put(section.key(), rows(c, CatalogQueries.tables(server, sizes, indexesToo)));
            case INDEXES -> out.put(section.key(), indexes(c, db, server, sizes));
            case SEQUENCES -> {
              List<Map<String, Object>> rows = rows(c, CatalogQueries.SEQUENCES);
              long unreadable = rows.stream().filter(r -> Boolean.FALSE.equals(r.get("readable"))).count();
              if (unreadable > 0) {
                warnOnce("seq:" + db, "{} sequence(s) in database {} cannot be read by this role, so their use is"
                    + " unknown; to fix it, GRANT SELECT ON ALL SEQUENCES IN SCHEMA <schema> TO <role> (or USAGE)",
                    unreadable, db);
              }
              out.put(section.key(), rows);
            }
            default -> throw new IllegalArgumentException(section + " is not a per-database section");
          }
          out.put(NANOS_PREFIX + section.key(), List.of(Map.of("nanos", System.nanoTime() - started, "datname", db)));
        }
        c.commit();
        healthy = true;
      } catch (SQLException e) {
        rollbackQuietly(c);
        throw e;
      }
    } finally {
      connector.release(db, c, healthy);
    }
    return out;
  }

  /** total_bytes = table_bytes + the table's index sizes, which equals pg_total_relation_size. */
  static void addIndexSizes(List<Map<String, Object>> tables, List<Map<String, Object>> indexes,
      Set<String> databases) {
    Map<String, Long> byTable = new HashMap<>();
    for (Map<String, Object> index : indexes) {
      if (index.get("size_bytes") instanceof Number size) {
        byTable.merge(index.get("datname") + "\u0000" + index.get("schema") + "\u0000" + index.get("table"),
            size.longValue(), Long::sum);
      }
    }
    for (Map<String, Object> table : tables) {
      // a database whose indexes could not be read keeps total_bytes null rather than a wrong sum
      if (table.get("total_bytes") == null && table.get("table_bytes") instanceof Number size
          && databases.contains((String) table.get("datname"))) {
        table.put("total_bytes", size.longValue() + byTable.getOrDefault(table.get("datname") + "\u0000"
            + table.get("schema") + "\u0000" + table.get("table"), 0L));
      }
    }
  }

  /**
   * The indexes section. pg_get_indexdef is costly on thousands of indexes, and a definition
   * never changes under the same oid and names, so it is read only for indexes not seen before
   * (or renamed) and remembered per database.
   */
  private List<Map<String, Object>> indexes(Connection c, String db, ServerInfo server, boolean sizes)
      throws SQLException {
    Map<Long, String[]> known = definitions.computeIfAbsent(db, k -> new ConcurrentHashMap<>());
    List<Map<String, Object>> rows = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(CatalogQueries.indexes(server, sizes))) {
      ps.setArray(1, c.createArrayOf("int8", known.keySet().toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(row(rs));
        }
      }
    }
    List<Long> missing = new ArrayList<>();
    Map<Long, String[]> seen = new HashMap<>();
    for (Map<String, Object> row : rows) {
      long oid = ((Number) row.get("indexrelid")).longValue();
      String[] names = {(String) row.get("schema"), (String) row.get("table"), (String) row.get("index"), null};
      String[] cached = known.get(oid);
      if (row.get("definition") != null) {
        names[3] = (String) row.get("definition");
      } else if (cached != null && cached[0].equals(names[0]) && cached[1].equals(names[1])
          && cached[2].equals(names[2])) {
        names[3] = cached[3];
      } else {
        missing.add(oid);
      }
      seen.put(oid, names);
    }
    if (!missing.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement(CatalogQueries.INDEX_DEFINITIONS)) {
        ps.setArray(1, c.createArrayOf("int8", missing.toArray()));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String[] names = seen.get(rs.getLong(1));
            if (names != null) {
              names[3] = rs.getString(2);
            }
          }
        }
      }
    }
    for (Map<String, Object> row : rows) {
      long oid = ((Number) row.remove("indexrelid")).longValue();
      row.put("definition", seen.get(oid)[3]);
    }
    known.keySet().retainAll(seen.keySet()); // forget dropped indexes
    known.putAll(seen);
    return rows;
  }

  /** One row summing up the backends: counts by state, by wait event type and by database, and the oldest ages. */
  private static Map<String, Object> activity(Connection c, ServerInfo server) throws SQLException {
    Map<String, Object> row = new LinkedHashMap<>();
    Map<String, Long> byState = new TreeMap<>();
    Map<String, Long> waiting = new TreeMap<>();
    Map<String, Long> byDatabase = new TreeMap<>();
    Map<String, Long> byBackendType = new TreeMap<>();
    long connections = 0;
    double oldestXact = 0;
    double longestQuery = 0;
    long oldestXmin = 0;
    try (PreparedStatement ps = c.prepareStatement(CatalogQueries.activity(server)); ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        String backendType = rs.getString("backend_type");
        byBackendType.merge(backendType == null ? "unknown" : backendType, 1L, Long::sum);
        if (!"client backend".equals(backendType)) {
          continue;
        }
        connections++;
        String state = rs.getString("state");
        byState.merge(state == null ? "unknown" : state, 1L, Long::sum);
        String wait = rs.getString("wait_event_type");
        if (wait != null && "active".equals(state)) {
          waiting.merge(wait, 1L, Long::sum);
        }
        String db = rs.getString("datname");
        if (db != null) {
          byDatabase.merge(db, 1L, Long::sum);
        }
        oldestXact = Math.max(oldestXact, rs.getDouble("xact_age_s"));
        longestQuery = Math.max(longestQuery, rs.getDouble("query_age_s"));
        oldestXmin = Math.max(oldestXmin, rs.getLong("xmin_age"));
      }
    }
    row.put("connections", connections);
    try (PreparedStatement ps = c.prepareStatement(CatalogQueries.connectionLimits(server));
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      row.put("max_connections", rs.getLong(1));
      row.put("reserved_connections", rs.getLong(2));
    }
    row.put("by_state", byState);
    row.put("waiting", waiting);
    row.put("by_database", byDatabase);
    row.put("by_backend_type", byBackendType);
    row.put("oldest_xact_age_s", oldestXact);
    row.put("longest_query_s", longestQuery);
    row.put("oldest_xmin_age", oldestXmin);
    return row;
  }

  private void warnOnce(String key, String message, Object... args) {
    if (warned.add(key)) {
      LOG.warn(message, args);
    }
  }

  /** The instance's system identifier, read once per connection; null without the privilege to read it. */
  public static String systemIdentifier(Connection c) {
    try (PreparedStatement ps = c.prepareStatement("SELECT system_identifier::text FROM pg_control_system()");
        ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getString(1) : null;
    } catch (SQLException e) {
      LOG.debug("cannot read the system identifier: {}", e.getMessage());
      rollbackQuietly(c);
      return null;
    }
  }

  private boolean statementsAvailable(Connection c, ServerInfo server) throws SQLException {
    boolean installed = server.statementsVersion() > 0;
    boolean loaded = server.statementsLoaded();
    if (installed && loaded && server.statementsVersion() < 108) {
      if (!warnedNoStatements) {
        warnedNoStatements = true;
        LOG.warn("pg_stat_statements {}.{} in {} is older than 1.8, whose columns the collector reads: the statements"
            + " section is not collected (every other section still is). To fix it, run ALTER EXTENSION"
            + " pg_stat_statements UPDATE.", server.statementsVersion() / 100, server.statementsVersion() % 100,
            c.getCatalog());
      }
      return false;
    }
    if (installed && loaded) {
      warnedNoStatements = false;
      return true;
    }
    if (!warnedNoStatements) {
      warnedNoStatements = true;
      String fix = !loaded
          ? "add pg_stat_statements to shared_preload_libraries and restart PostgreSQL, then run CREATE EXTENSION pg_stat_statements"
          : "run CREATE EXTENSION pg_stat_statements in " + c.getCatalog();
      LOG.warn("pg_stat_statements is not available: the statements section is not collected "
          + "(every other section still is). To fix it, {}.", fix);
    }
    return false;
  }

  record StatementsResult(List<Map<String, Object>> rows, boolean truncated, long entries) {}

  private StatementsResult statements(Connection c, ServerInfo server) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(CatalogQueries.statements(server, options.queryText()))) {
      int i = 1;
      if (options.queryText()) {
        ps.setInt(i++, options.queryMaxLength());
      }
      ps.setInt(i, options.statementsMax());
      List<Map<String, Object>> rows = new ArrayList<>();
      long total = 0;
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Map<String, Object> row = row(rs);
          total = ((Number) row.remove("headroom_total")).longValue();
          // entries of dropped databases or roles keep their counters under an empty name
          if (row.get("datname") == null) {
            row.put("datname", "");
          }
          if (row.get("usename") == null) {
            row.put("usename", "");
          }
          if (options.redactQueries()) {
            row.put("query", QueryRedaction.redact((String) row.get("query")));
          }
          rows.add(row);
        }
      }
      return new StatementsResult(rows, total > rows.size(), total);
    }
  }

  private static List<Map<String, Object>> rows(Connection c, String sql) throws SQLException {
    List<Map<String, Object>> rows = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        rows.add(row(rs));
      }
    }
    return rows;
  }

  /** One row as JSON-ready values: integers as longs, other numbers as doubles, times as instants. */
  static Map<String, Object> row(ResultSet rs) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 1; i <= md.getColumnCount(); i++) {
      String name = md.getColumnLabel(i);
      Object value;
      switch (md.getColumnType(i)) {
        case Types.BIGINT, Types.INTEGER, Types.SMALLINT -> {
          long v = rs.getLong(i);
          value = rs.wasNull() ? null : v;
        }
        case Types.NUMERIC, Types.DECIMAL -> {
          BigDecimal v = rs.getBigDecimal(i);
          value = v == null ? null : v.scale() <= 0 || v.stripTrailingZeros().scale() <= 0 ? (Object) v.longValue()
              : (Object) v.doubleValue();
        }
        case Types.DOUBLE, Types.REAL, Types.FLOAT -> {
          double v = rs.getDouble(i);
          value = rs.wasNull() ? null : v;
        }
        case Types.TIMESTAMP, Types.TIMESTAMP_WITH_TIMEZONE -> {
          Timestamp ts = rs.getTimestamp(i);
          value = ts == null ? null : ts.toInstant();
        }
        case Types.BIT, Types.BOOLEAN -> {
          boolean v = rs.getBoolean(i);
          value = rs.wasNull() ? null : v;
        }
        default -> value = rs.getString(i);
      }
      row.put(name, value);
    }
    return row;
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // the connection is broken; the caller reconnects
    }
  }
}
