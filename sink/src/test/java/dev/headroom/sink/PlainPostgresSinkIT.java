package dev.headroom.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headroom.testkit.PostgresFixture;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** The sink on plain PostgreSQL 17 (embedded binaries): no TimescaleDB, so plain tables. */
class PlainPostgresSinkIT extends AbstractSinkWriterIT {
  private static final EmbeddedPostgres SERVER = PostgresFixture.start();

  private final List<StoppablePostgres> stoppable = new ArrayList<>();
  private final List<String> databases = new ArrayList<>();

  @Override
  protected TestDatabase freshDatabase(String name) {
    try (Connection c = SERVER.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + name, e);
    }
    databases.add(name);
    return new Plain("jdbc:postgresql://127.0.0.1:" + SERVER.getPort() + "/" + name);
  }

  @Override
  protected StoppableDatabase stoppableDatabase(String name) {
    StoppablePostgres db = new StoppablePostgres();
    stoppable.add(db);
    return db;
  }

  @Override
  protected void dropDatabases() {
    stoppable.forEach(StoppablePostgres::destroy);
    try (Connection c = SERVER.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      for (String name : databases) {
        s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot drop the case's databases", e);
    }
  }

  @Override
  protected StorageMode expectedMode() {
    return StorageMode.PLAIN;
  }

  @Override
  protected void assertStorageLayout(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT c.relkind, (SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb')"
            + " FROM pg_class c WHERE c.oid = 'latency_windows'::regclass")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).as("an ordinary table").isEqualTo("r");
      assertThat(rs.getInt(2)).as("timescaledb extensions").isZero();
    }
  }

  private record Plain(String url) implements TestDatabase {
    @Override
    public String user() {
      return "postgres";
    }

    @Override
    public String password() {
      return "";
    }
  }

  /** A server of its own on a fixed port, so it can be stopped and started again on the same data. */
  private static final class StoppablePostgres implements StoppableDatabase {
    private final int port = freePort();
    private final Path dataDirectory;
    private EmbeddedPostgres server;

    StoppablePostgres() {
      try {
        dataDirectory = Files.createTempDirectory("headroom-sink-it-pg");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      start();
    }

    @Override
    public String url() {
      return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    @Override
    public String user() {
      return "postgres";
    }

    @Override
    public String password() {
      return "";
    }

    @Override
    public void start() {
      try {
        server = EmbeddedPostgres.builder()
            .setPort(port)
            .setDataDirectory(dataDirectory)
            .setCleanDataDirectory(false)
            .setServerConfig("listen_addresses", "127.0.0.1")
            .start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start PostgreSQL on port " + port, e);
      }
    }

    @Override
    public void stop() {
      try {
        server.close();
        server = null;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    void destroy() {
      if (server != null) {
        stop();
      }
      try (Stream<Path> files = Files.walk(dataDirectory)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static int freePort() {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        return socket.getLocalPort();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
