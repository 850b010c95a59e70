package dev.headroom.sink.internals;

import dev.headroom.schemas.JdbcUrls;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Properties;
import javax.sql.DataSource;
import org.postgresql.Driver;
import org.postgresql.PGProperty;
import org.postgresql.ds.PGSimpleDataSource;

/** Where the sink's database is and how to connect to it; the one place that holds the password. */
public final class Database {
  private final String url;
  private final PGSimpleDataSource dataSource = new PGSimpleDataSource();

  public Database(String url, String user, Optional<String> password) {
    this.url = url;
    // The URL first: it fills every driver property; the explicit settings below then win over it.
    dataSource.setURL(url);
    dataSource.setUser(user);
    password.ifPresent(dataSource::setPassword);
    Properties fromUrl = Driver.parseURL(url, null);
    if (fromUrl == null || !fromUrl.containsKey(PGProperty.APPLICATION_NAME.getName())) {
      dataSource.setApplicationName("headroom-sink");
    }
    // A database that stops answering without closing the connection must not hang the sink
    // for hours: bound every read on the socket (a batch takes far less) and notice dead peers.
    if (fromUrl == null || !fromUrl.containsKey(PGProperty.SOCKET_TIMEOUT.getName())) {
      dataSource.setSocketTimeout(300);
    }
    dataSource.setTcpKeepAlive(true);
    // Lets the driver send a JDBC batch of upserts as multi-row INSERTs: several times faster.
    dataSource.setReWriteBatchedInserts(true);
  }

  /** The data source, for Flyway. */
  public DataSource dataSource() {
    return dataSource;
  }

  /** A new connection with auto-commit off: every unit of work is one explicit transaction. */
  public Connection connect() throws SQLException {
    Connection connection = dataSource.getConnection();
    try {
      connection.setAutoCommit(false);
      return connection;
    } catch (SQLException e) {
      closeQuietly(connection);
      throw e;
    }
  }

  /** The URL without credentials, as it may be logged. */
  public String redactedUrl() {
    return JdbcUrls.redact(url);
  }

  @Override
  public String toString() {
    return redactedUrl();
  }

  static void closeQuietly(Connection connection) {
    if (connection == null) {
      return;
    }
    try {
      connection.close();
    } catch (SQLException ignored) {
      // The connection is being thrown away because it failed; its close failing says nothing new.
    }
  }
}
