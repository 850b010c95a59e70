package dev.headroom.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * A real PostgreSQL server to monitor (embedded binaries from Maven Central), with
 * pg_stat_statements preloaded and created in the {@code postgres} database. One per test JVM.
 */
public final class PostgresFixture {
  private static PostgresFixture instance;

  private final EmbeddedPostgres postgres;

  private PostgresFixture(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  public static synchronized PostgresFixture monitored() {
    if (instance == null) {
      instance = new PostgresFixture(start());
      instance.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    }
    return instance;
  }

  /** Starts a new embedded server with Headroom's monitoring settings; the caller closes it. */
  public static EmbeddedPostgres start() {
    try {
      EmbeddedPostgres pg = EmbeddedPostgres.builder()
          .setServerConfig("listen_addresses", "127.0.0.1")
          .setServerConfig("shared_preload_libraries", "pg_stat_statements")
          .setServerConfig("pg_stat_statements.track", "top")
          .setServerConfig("track_io_timing", "on")
          .setServerConfig("max_connections", "50")
          // logical replication for the collector's Debezium capture
          .setServerConfig("wal_level", "logical")
          .setServerConfig("max_replication_slots", "10")
          .setServerConfig("max_wal_senders", "10")
          .start();
      Fixtures.started("PostgreSQL " + pg.getPort(), pg::close);
      return pg;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
    }
  }

  public int port() {
    return postgres.getPort();
  }

  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database + "?user=postgres";
  }

  public DataSource dataSource() {
    return postgres.getPostgresDatabase();
  }

  public void execute(String... sql) {
    try (Connection c = dataSource().getConnection(); Statement s = c.createStatement()) {
      for (String statement : sql) {
        s.execute(statement);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("fixture SQL failed: " + e.getMessage(), e);
    }
  }
}
