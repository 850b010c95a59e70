package dev.headroom.collector.cdc;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Where a CDC capture connects: one database of one PostgreSQL server (a logical replication
 * slot belongs to one database). The password is never part of {@link #toString()}.
 *
 * @param password null or empty when the server does not ask for one (trust, peer) or libpq's
 *     ~/.pgpass is not used: Debezium passes it as it is
 */
public record PgTarget(String host, int port, String database, String user, String password) {

  @Override
  public String toString() {
    return user + "@" + host + ":" + port + "/" + database;
  }

  /** A plain (non-replication) JDBC connection, for the slot's catalog queries. */
  Connection connect(String applicationName) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", user);
    if (password != null && !password.isEmpty()) {
      props.setProperty("password", password);
    }
    props.setProperty("ApplicationName", applicationName);
    props.setProperty("connectTimeout", "10");
    props.setProperty("socketTimeout", "60");
    props.setProperty("assumeMinServerVersion", "13");
    // host and database as DriverManager expects them; a host with ':' is an IPv6 literal
    String hostPart = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    return DriverManager.getConnection("jdbc:postgresql://" + hostPart + ":" + port + "/"
        + URLEncoder.encode(database, StandardCharsets.UTF_8), props);
  }

  /** {@code text} with every occurrence of the password masked, for messages that may echo settings. */
  String redact(String text) {
    if (text == null || password == null || password.length() < 3) {
      return text;
    }
    return text.replace(password, "***");
  }
}
