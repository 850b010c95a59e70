package dev.headroom.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real PgBouncer (Debian's package: {@code apt-get install pgbouncer}) in front of a
 * PostgreSQL server, on 127.0.0.1 and a free port, in transaction pooling mode. Every database
 * name is passed to the server; clients authenticate with SCRAM-SHA-256; {@value #ADMIN} may use
 * the admin console (database {@code pgbouncer}). One per test JVM, stopped when the test session ends.
 */
public final class PgBouncerFixture {
  public static final String ADMIN = "headroom_admin";
  public static final String ADMIN_PASSWORD = "bouncer-admin-5e1d";
  /** The password of {@code postgres} through the pooler (the server behind it trusts the pooler). */
  public static final String POSTGRES_PASSWORD = "bouncer-postgres-77a0";
  private static PgBouncerFixture instance;

  private final int port;
  private final Path dir;
  private int postgresPort;

  private PgBouncerFixture(int port, Path dir) {
    this.port = port;
    this.dir = dir;
  }

  /** The shared PgBouncer in front of the server listening on 127.0.0.1:{@code postgresPort}. */
  public static synchronized PgBouncerFixture forPostgres(int postgresPort) {
    if (instance == null) {
      instance = start(postgresPort);
      instance.postgresPort = postgresPort;
    } else if (instance.postgresPort != postgresPort) {
      throw new IllegalStateException("the shared PgBouncer is in front of port " + instance.postgresPort
          + ", not " + postgresPort);
    }
    return instance;
  }

  public int port() {
    return port;
  }

  /** The admin console's JDBC URL. */
  public String adminUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/pgbouncer";
  }

  /** A URL through the pooler to {@code database} on the server. */
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  public Path logFile() {
    return dir.resolve("pgbouncer.log");
  }

  private static PgBouncerFixture start(int postgresPort) {
    Path binary = Path.of("/usr/sbin/pgbouncer");
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException("PgBouncer is not installed: apt-get install pgbouncer (.ci/run does)");
    }
    try {
      int port = freePort();
      Path dir = Files.createTempDirectory("headroom-pgbouncer");
      String ini = String.join("\n",
          "[databases]",
          "* = host=127.0.0.1 port=" + postgresPort,
          "[pgbouncer]",
          "listen_addr = 127.0.0.1",
          "listen_port = " + port,
          "unix_socket_dir =",
          "auth_type = scram-sha-256",
          "auth_file = " + dir.resolve("users.txt"),
          "admin_users = " + ADMIN,
          "pool_mode = transaction",
          "default_pool_size = 5",
          // pgjdbc sends extra_float_digits at startup; PgBouncer must let it through
          "ignore_startup_parameters = extra_float_digits",
          "logfile = " + dir.resolve("pgbouncer.log"),
          "pidfile = " + dir.resolve("pgbouncer.pid"),
          "");
      Files.writeString(dir.resolve("pgbouncer.ini"), ini);
      Files.writeString(dir.resolve("users.txt"), "\"" + ADMIN + "\" \"" + ADMIN_PASSWORD + "\"\n\"postgres\" \""
          + POSTGRES_PASSWORD + "\"\n");
      // PgBouncer refuses to run as root: it switches to the postgres user, which must read its files
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
      List<String> command = new ArrayList<>(List.of(binary.toString()));
      if ("root".equals(System.getProperty("user.name"))) {
        command.addAll(List.of("-u", "postgres"));
      }
      command.add(dir.resolve("pgbouncer.ini").toString());
      Process process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(dir.resolve("stdout.log").toFile()).start();
      Fixtures.started("PgBouncer " + port, () -> {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      });
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (true) {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", port), 500);
          break;
        } catch (IOException notYet) {
          if (!process.isAlive() || System.nanoTime() > deadline) {
            throw new IllegalStateException("PgBouncer did not start: " + Files.readString(dir.resolve("stdout.log"))
                + (Files.exists(dir.resolve("pgbouncer.log")) ? Files.readString(dir.resolve("pgbouncer.log")) : ""));
          }
          Thread.sleep(100);
        }
      }
      return new PgBouncerFixture(port, dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start PgBouncer", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
