package dev.headroom.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server from the distribution's binaries (Debian: /usr/lib/postgresql/15/bin) in a
 * data directory of its own, listening on 127.0.0.1 only. The server refuses to run as root, so
 * when the benchmark runs as root every server command runs as the {@code postgres} user.
 * Host connections use SCRAM, as a production server would, so connection costs are real.
 */
final class LocalPostgres implements AutoCloseable {
  static final String SUPERUSER = "postgres";

  private final Path bin;
  private final Path base;
  private final Path data;
  private final int port;
  private final String superuserPassword;
  private boolean running;

  private LocalPostgres(Path bin, Path base, int port, String superuserPassword) {
    this.bin = bin;
    this.base = base;
    this.data = base.resolve("data");
    this.port = port;
    this.superuserPassword = superuserPassword;
  }

  /** Whether {@code base} holds a data directory this class made and finished setting up. */
  static boolean initialized(Path base) {
    return Files.isRegularFile(base.resolve("data").resolve("PG_VERSION")) && Files.isRegularFile(base.resolve("ready"));
  }

  /** Makes {@code base} (initdb) unless it already holds a data directory, then starts the server on a free port. */
  static LocalPostgres start(Path bin, Path base, Map<String, String> settings, String superuserPassword)
      throws IOException, InterruptedException {
    LocalPostgres pg = new LocalPostgres(bin, base, freePort(), superuserPassword);
    Files.createDirectories(base);
    if (!Files.isRegularFile(pg.data.resolve("PG_VERSION"))) {
      pg.initdb();
    }
    // Settings that change per run go to a file included last, so a reused directory takes the new port.
    List<String> lines = new ArrayList<>();
    lines.add("port = " + pg.port);
    lines.add("listen_addresses = '127.0.0.1'");
    lines.add("unix_socket_directories = '" + base + "'");
    settings.forEach((k, v) -> lines.add(k + " = '" + v + "'"));
    Files.write(pg.data.resolve("bench.conf"), lines, StandardCharsets.UTF_8);
    pg.chownToPostgres(pg.data.resolve("bench.conf"));
    pg.run(List.of(bin.resolve("pg_ctl").toString(), "-D", pg.data.toString(), "-l", base.resolve("server.log").toString(),
        "-w", "-t", "120", "start"), 150);
    pg.running = true;
    return pg;
  }

  private void initdb() throws IOException, InterruptedException {
    Path pwfile = base.resolve("pwfile");
    Files.writeString(pwfile, superuserPassword + "\n", StandardCharsets.UTF_8);
    chownToPostgres(base);
    chownToPostgres(pwfile);
    run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", SUPERUSER, "--pwfile=" + pwfile,
        "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync"), 180);
    Files.writeString(data.resolve("postgresql.conf"), "\ninclude 'bench.conf'\n", StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);
    Files.delete(pwfile);
  }

  /** Marks the directory as completely set up, for {@link #initialized}. */
  void markReady() throws IOException {
    Files.writeString(base.resolve("ready"), "ready\n", StandardCharsets.UTF_8);
  }

  String url(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  int port() {
    return port;
  }

  String superuserPassword() {
    return superuserPassword;
  }

  Path dataDirectory() {
    return data;
  }

  Path base() {
    return base;
  }

  /** The postmaster's pid, from postmaster.pid. */
  long postmasterPid() throws IOException {
    return Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
  }

  /** Fast shutdown; safe to call twice. */
  @Override
  public synchronized void close() {
    if (!running) {
      return;
    }
    running = false;
    try {
      run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "-t", "60", "stop"), 90);
    } catch (IOException | RuntimeException e) {
      System.err.println("bench: pg_ctl stop failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Removes the server's directory (the server must be stopped). */
  void delete() throws IOException {
    try (Stream<Path> s = Files.walk(base)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private void run(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>();
    if (isRoot()) {
      full.addAll(List.of("runuser", "-u", SUPERUSER, "--"));
    }
    full.addAll(command);
    Path log = base.resolve("commands.log");
    ProcessBuilder pb = new ProcessBuilder(full).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("LC_ALL", "C");
    Process p = pb.start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(command.get(0) + " did not finish in " + timeoutSeconds + " s (see " + log + ")");
    }
    if (p.exitValue() != 0) {
      throw new IOException(Path.of(command.get(0)).getFileName() + " failed with exit code " + p.exitValue()
          + ": " + tail(log));
    }
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private void chownToPostgres(Path path) throws IOException {
    if (!isRoot()) {
      return;
    }
    UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
    UserPrincipal user = lookup.lookupPrincipalByName(SUPERUSER);
    GroupPrincipal group = lookup.lookupPrincipalByGroupName(SUPERUSER);
    PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
    view.setOwner(user);
    view.setGroup(group);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
