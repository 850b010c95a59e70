package dev.headroom.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A real TimescaleDB server for sink tests: the official image through Testcontainers where a
 * Docker engine runs, otherwise the Debian 13 root that {@code scripts/timescaledb.sh} builds
 * and starts on 127.0.0.1. Each caller gets a fresh database of its own.
 */
public final class TimescaleFixture {
  private static final Logger LOG = LoggerFactory.getLogger(TimescaleFixture.class);
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static TimescaleFixture instance;

  private final String host;
  private final int port;
  private final String user;
  private final String password;

  private TimescaleFixture(String host, int port, String user, String password) {
    this.host = host;
    this.port = port;
    this.user = user;
    this.password = password;
  }

  public static synchronized TimescaleFixture get() {
    if (instance == null) {
      instance = Docker.available() ? container() : local();
    }
    return instance;
  }

  /** Creates a new, empty database and returns its JDBC URL (credentials not included). */
  public String createDatabase(String prefix) {
    String name = (prefix + "_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet())
        .toLowerCase().replaceAll("[^a-z0-9_]", "_");
    try (Connection c = DriverManager.getConnection(url("postgres"), user, password);
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + name + ": " + e.getMessage(), e);
    }
    return url(name);
  }

  public String url(String database) {
    return "jdbc:postgresql://" + host + ":" + port + "/" + database;
  }

  public String user() {
    return user;
  }

  public String password() {
    return password;
  }

  private static TimescaleFixture container() {
    PostgreSQLContainer tsdb = new PostgreSQLContainer(
        DockerImageName.parse("timescale/timescaledb:latest-pg17").asCompatibleSubstituteFor("postgres"));
    tsdb.start();
    Fixtures.started("TimescaleDB container", tsdb::stop);
    return new TimescaleFixture(tsdb.getHost(), tsdb.getFirstMappedPort(), tsdb.getUsername(), tsdb.getPassword());
  }

  private static TimescaleFixture local() {
    Path script = RepositoryRoot.find().resolve("scripts/timescaledb.sh");
    long start = System.nanoTime();
    boolean wasRunning = exitCode(script, "status") == 0;
    run(script, "start");
    if (!wasRunning) {
      // Leave the machine as we found it: stop what this JVM started.
      Fixtures.started("TimescaleDB", () -> exitCode(script, "stop"));
    }
    String url = run(script, "url").trim();
    // jdbc:postgresql://127.0.0.1:55433/headroom?user=postgres
    String hostPort = url.substring("jdbc:postgresql://".length(), url.indexOf('/', "jdbc:postgresql://".length()));
    int colon = hostPort.lastIndexOf(':');
    LOG.info("TimescaleDB fixture: local server at {} ready in {} ms", hostPort, (System.nanoTime() - start) / 1_000_000);
    return new TimescaleFixture(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)),
        "postgres", "");
  }

  private static int exitCode(Path script, String command) {
    try {
      Process p = new ProcessBuilder("bash", script.toString(), command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return p.waitFor(60, TimeUnit.SECONDS) ? p.exitValue() : -1;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static String run(Path script, String command) {
    try {
      Path out = Files.createTempFile("timescaledb-" + command, ".out");
      try {
        Process p = new ProcessBuilder("bash", script.toString(), command).redirectOutput(out.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        // the first start builds a Debian root: minutes, not hours
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
          p.destroyForcibly();
          throw new IllegalStateException(script + " " + command + " did not finish within 15 minutes");
        }
        String text = Files.readString(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
          throw new IllegalStateException(script + " " + command + " failed (exit " + p.exitValue() + "): " + text);
        }
        return text;
      } finally {
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + script + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + script, e);
    }
  }
}
