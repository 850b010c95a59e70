package dev.headroom.collector.internals;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Connections to a target's databases for the per-database sections, the most recently used
 * {@code kept} of them left open between reads. A connection is used by one read at a time
 * (taken out while in use) and checked before it is reused; one that failed is closed.
 */
public final class DatabaseConnections implements CatalogReader.DatabaseConnector, AutoCloseable {
  /** Opens a new connection to a database. */
  public interface Opener {
    Connection open(String database) throws SQLException;
  }

  private final Opener opener;
  private final int kept;
  private final LinkedHashMap<String, Connection> idle = new LinkedHashMap<>(16, 0.75f, true);

  public DatabaseConnections(Opener opener, int kept) {
    this.opener = opener;
    this.kept = kept;
  }

  @Override
  public Connection acquire(String database) throws SQLException {
    Connection c;
    synchronized (this) {
      c = idle.remove(database);
    }
    if (c != null) {
      try {
        if (c.isValid(5)) {
          return c;
        }
      } catch (SQLException stale) {
        // closed by the server (idle_session_timeout, a restart): open a new one
      }
      closeQuietly(c);
    }
    return opener.open(database);
  }

  @Override
  public void release(String database, Connection connection, boolean healthy) {
    List<Connection> evicted = new ArrayList<>();
    synchronized (this) {
      if (healthy && kept > 0) {
        Connection previous = idle.put(database, connection);
        if (previous != null && previous != connection) {
          evicted.add(previous);
        }
        Iterator<Map.Entry<String, Connection>> eldest = idle.entrySet().iterator();
        while (idle.size() > kept && eldest.hasNext()) {
          evicted.add(eldest.next().getValue());
          eldest.remove();
        }
      } else {
        evicted.add(connection);
      }
    }
    evicted.forEach(DatabaseConnections::closeQuietly);
  }

  /** How many connections are open and idle. */
  public synchronized int idle() {
    return idle.size();
  }

  /** Closes the idle connections (the collector reconnects, or stops). */
  @Override
  public void close() {
    List<Connection> all;
    synchronized (this) {
      all = new ArrayList<>(idle.values());
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
