package dev.headroom.collector.internals;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Connections to a target's databases for the per-database sections: those of the first
 * {@code kept} databases read stay open between reads, at most {@code perDatabase} each (the
 * others open and close their own: databases are read in the same order every time, so evicting
 * the least recently used would evict the next one needed and keep nothing useful)
 * (the sections of one database may be read side by side). A connection is used by one read at
 * a time (taken out while in use) and checked before it is reused; one that failed is closed.
 */
public final class DatabaseConnections implements CatalogReader.DatabaseConnector, AutoCloseable {
  /** Opens a new connection to a database. */
  public interface Opener {
    Connection open(String database) throws SQLException;
  }

  private final Opener opener;
  private final int kept;
  private final int perDatabase;
  private final LinkedHashMap<String, ArrayDeque<Connection>> idle = new LinkedHashMap<>();

  public DatabaseConnections(Opener opener, int kept, int perDatabase) {
    this.opener = opener;
    this.kept = kept;
    this.perDatabase = Math.max(1, perDatabase);
  }

  @Override
  public Connection acquire(String database) throws SQLException {
    while (true) {
      Connection c;
      synchronized (this) {
        ArrayDeque<Connection> free = idle.get(database);
        c = free == null ? null : free.poll();
      }
      if (c == null) {
        return opener.open(database);
      }
      try {
        if (c.isValid(5)) {
          return c;
        }
      } catch (SQLException stale) {
        // closed by the server (idle_session_timeout, a restart): try the next, or open one
      }
      closeQuietly(c);
    }
  }

  @Override
  public void release(String database, Connection connection, boolean healthy) {
    List<Connection> evicted = new ArrayList<>();
    synchronized (this) {
      ArrayDeque<Connection> free = idle.get(database);
      if (healthy && free == null && idle.size() < kept) {
        free = new ArrayDeque<>();
        idle.put(database, free);
      }
      if (healthy && free != null && free.size() < perDatabase) {
        free.push(connection);
      } else {
        evicted.add(connection);
      }
    }
    evicted.forEach(DatabaseConnections::closeQuietly);
  }

  /** How many connections are open and idle. */
  public synchronized int idle() {
    return idle.values().stream().mapToInt(ArrayDeque::size).sum();
  }

  /** Closes the idle connections (the collector reconnects, or stops). */
  @Override
  public void close() {
    List<Connection> all = new ArrayList<>();
    synchronized (this) {
      idle.values().forEach(all::addAll);
      idle.clear();
    }
    all.forEach(DatabaseConnections::closeQuietly);
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException ignored) {
      // already broken
    }
  }
}
