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
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The sink on plain PostgreSQL (embedded binaries), once per major version: no TimescaleDB, so
 * tables partitioned by the sink.
 */
abstract class AbstractPlainPostgresSinkIT extends AbstractSinkWriterIT {
  /** One server per major version, shared by its cases. */
  private static final Map<Integer, EmbeddedPostgres> SERVERS = new ConcurrentHashMap<>();

  private final List<StoppablePostgres> stoppable = new ArrayList<>();
  private final List<String> databases = new ArrayList<>();

  /** The major version of PostgreSQL. */
  protected abstract int major();

  private EmbeddedPostgres server() {
    return SERVERS.computeIfAbsent(major(), PostgresFixture::start);
  }

  @Override
  protected TestDatabase freshDatabase(String name) {
    try (Connection c = server().getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + name, e);
    }
    databases.add(name);
    return new Plain("jdbc:postgresql://127.0.0.1:" + server().getPort() + "/" + name);
  }

  @Override
  protected StoppableDatabase stoppableDatabase(String name) {
    StoppablePostgres db = new StoppablePostgres(major());
    stoppable.add(db);
    return db;
  }

  @Override
  protected void dropDatabases() {
    stoppable.forEach(StoppablePostgres::destroy);
    try (Connection c = server().getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      for (String name : databases) {
        s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot drop the case's databases", e);
    }
  }

  @Override
  protected void onServer(String sql) {
    try (Connection c = server().getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  @Override
  protected StorageMode expectedMode() {
    return StorageMode.PLAIN;
  }

  @Override
  protected void assertStorageLayout(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_extension"
        + " WHERE extname = 'timescaledb'")) {
      rs.next();
      assertThat(rs.getInt(1)).as("timescaledb extensions").isZero();
    }
    for (ResultTable table : ResultTable.values()) {
      try (PreparedStatement s = c.prepareStatement("SELECT c.relkind, pg_get_partkeydef(c.oid),"
          + " (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = c.oid),"
          + " (SELECT count(*) FROM sink_partitions p WHERE p.table_name = c.relname)"
          + " FROM pg_class c WHERE c.oid = to_regclass(?)")) {
        s.setString(1, table.tableName());
        try (ResultSet rs = s.executeQuery()) {
          assertThat(rs.next()).as(table.tableName()).isTrue();
          assertThat(rs.getString(1)).as(table.tableName() + " is partitioned").isEqualTo("p");
          assertThat(rs.getString(2)).isEqualTo("RANGE (" + table.timeColumn() + ")");
          assertThat(rs.getLong(3)).as("partitions of " + table.tableName() + ", each recorded").isEqualTo(rs.getLong(4));
        }
      }
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
    private final int major;
    private final Path dataDirectory;
    private EmbeddedPostgres server;

    StoppablePostgres(int major) {
      this.major = major;
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
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
        if (PostgresFixture.binaries(major) != null) {
          builder.setPgBinaryResolver(PostgresFixture.binaries(major));
        }
        server = builder
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
