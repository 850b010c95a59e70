package dev.headroom.bench;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One prometheus-postgres-exporter process on 127.0.0.1 and a free port, started and stopped by
 * the benchmark (never the packaged service), and scraped with Java's HttpClient.
 */
final class ExporterProcess implements AutoCloseable {
  /** Where Debian's package puts its example queries file (pre-13 pg_stat_statements columns). */
  static final Path DEBIAN_QUERIES = Path.of("/usr/share/doc/prometheus-postgres-exporter/examples/queries.yaml");
  private static final Pattern PGSS_TIME = Pattern.compile("\\b(total|min|max|mean|stddev)_time / 1000");

  /** One scrape: response size, series (sample lines) and how many belong to some metric families. */
  record Scrape(long bytes, long series, Map<String, Long> families) {}

  private final String name;
  private final Process process;
  private final int port;
  private final Path log;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private ExporterProcess(String name, Process process, int port, Path log) {
    this.name = name;
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /**
   * Debian's example queries file with pg_stat_statements' PostgreSQL 13+ column names
   * ({@code total_time} became {@code total_exec_time}, and min, max, mean and stddev likewise);
   * without the rename its statements query fails on every scrape (logged only).
   */
  static String fixedQueries(Path debianFile) throws IOException {
    String text = Files.readString(debianFile, StandardCharsets.UTF_8);
    Matcher m = PGSS_TIME.matcher(text);
    StringBuilder out = new StringBuilder();
    int renamed = 0;
    while (m.find()) {
      m.appendReplacement(out, m.group(1) + "_exec_time / 1000");
      renamed++;
    }
    m.appendTail(out);
    if (renamed != 5) {
      throw new IllegalStateException("expected the five pre-13 pg_stat_statements times in " + debianFile
          + ", found " + renamed + "; pass a queries file of your own with --exporter-queries");
    }
    return out.toString();
  }

  static ExporterProcess start(String name, Path binary, String dataSourceName, Path queries, Path workDir)
      throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    List<String> command = new ArrayList<>(List.of(binary.toString(), "--web.listen-address=127.0.0.1:" + port,
        "--log.level=warn"));
    if (queries != null) {
      command.add("--extend.query-path=" + queries);
    }
    Path log = workDir.resolve("exporter-" + name + ".log");
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("DATA_SOURCE_NAME", dataSourceName);
    ExporterProcess exporter = new ExporterProcess(name, pb.start(), port, log);
    try {
      exporter.awaitListening();
    } catch (IOException | InterruptedException | RuntimeException e) {
      exporter.close();
      throw e;
    }
    return exporter;
  }

  private void awaitListening() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("exporter " + name + " exited with " + process.exitValue() + ": " + Files.readString(log));
      }
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() < 500) {
          return;
        }
      } catch (ConnectException e) {
        // not listening yet
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
    throw new IOException("exporter " + name + " did not listen on 127.0.0.1:" + port + " within 20 s");
  }

  /** GET /metrics, the whole body read; counts sample lines, and those of each family prefix given. */
  Scrape scrape(List<String> familyPrefixes) throws IOException, InterruptedException {
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
        .timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      throw new IOException("exporter " + name + " answered " + r.statusCode());
    }
    byte[] body = r.body();
    long series = 0;
    Map<String, Long> families = new TreeMap<>();
    int start = 0;
    for (int i = 0; i <= body.length; i++) {
      if (i == body.length || body[i] == '\n') {
        if (i > start && body[start] != '#') {
          series++;
          String line = new String(body, start, Math.min(i - start, 80), StandardCharsets.US_ASCII);
          for (String prefix : familyPrefixes) {
            if (line.startsWith(prefix)) {
              families.merge(prefix, 1L, Long::sum);
            }
          }
        }
        start = i + 1;
      }
    }
    return new Scrape(body.length, series, families);
  }

  long pid() {
    return process.pid();
  }

  /** Lines the exporter logged at error level so far (a failing query is only logged). */
  List<String> errors() throws IOException {
    return Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> l.contains("level=error")).toList();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
