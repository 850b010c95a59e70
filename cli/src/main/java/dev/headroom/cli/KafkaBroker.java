package dev.headroom.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one process) run from the
 * Kafka server jars on this launcher's class path, bound to 127.0.0.1 only.
 */
public final class KafkaBroker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaBroker.class);

  private final Process process;
  private final String bootstrapServers;

  private KafkaBroker(Process process, String bootstrapServers) {
    this.process = process;
    this.bootstrapServers = bootstrapServers;
  }

  /** @param detached run the broker in a session of its own, so it outlives this process (daemon mode) */
  public record Settings(Path dataDir, int port, int controllerPort, String heap, Path logFile, boolean detached) {}

  /** Formats the storage if needed and starts the broker as a child process; returns once it serves requests. */
  public static KafkaBroker start(Settings s, Duration timeout) {
    try {
      Files.createDirectories(s.dataDir());
      Path props = writeProperties(s);
      if (!Files.exists(s.dataDir().resolve("logs/meta.properties"))) {
        Process format = java(s, "kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c",
            props.toString()).redirectOutput(s.logFile().toFile()).redirectErrorStream(true).start();
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
          throw new IllegalStateException("formatting the broker's storage failed; see " + s.logFile());
        }
      }
      if (listening(s.port())) {
        throw new IllegalStateException("port " + s.port() + " on 127.0.0.1 is already in use (--port)");
      }
      Process process = java(s, "kafka.Kafka", props.toString())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.appendTo(s.logFile().toFile())).redirectErrorStream(true).start();
      KafkaBroker broker = new KafkaBroker(process, "127.0.0.1:" + s.port());
      broker.awaitReady(timeout);
      return broker;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the Kafka broker", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the broker", e);
    }
  }

  private static ProcessBuilder java(Settings s, String mainClass, String... args) {
    List<String> command = new ArrayList<>();
    if (s.detached() && Files.isExecutable(Path.of("/usr/bin/setsid"))) {
      command.add("/usr/bin/setsid");
    }
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xms" + s.heap());
    command.add("-Xmx" + s.heap());
    command.add("-XX:+UseG1GC");
    command.add("-Djava.awt.headless=true");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(List.of(args));
    return new ProcessBuilder(command);
  }

  private static Path writeProperties(Settings s) throws IOException {
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@127.0.0.1:" + s.controllerPort());
    p.put("listeners", "PLAINTEXT://127.0.0.1:" + s.port() + ",CONTROLLER://127.0.0.1:" + s.controllerPort());
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + s.port());
    p.put("controller.listener.names", "CONTROLLER");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("log.dirs", s.dataDir().resolve("logs").toString());
    p.put("num.partitions", "6");
    p.put("offsets.topic.replication.factor", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("auto.create.topics.enable", "false");
    Path file = s.dataDir().resolve("server.properties");
    try (var out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      p.store(out, "Headroom single-node KRaft broker (generated; edits are overwritten)");
    }
    return file;
  }

  private void awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the broker exited with " + process.exitValue() + " while starting");
      }
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers, "request.timeout.ms", 2000,
          "default.api.timeout.ms", 3000))) {
        admin.describeCluster().nodes().get(3, TimeUnit.SECONDS);
        return;
      } catch (Exception e) {
        last = e;
        Thread.sleep(200);
      }
    }
    process.destroyForcibly();
    throw new IllegalStateException("the broker did not become ready within " + timeout + ": " + last);
  }

  static boolean listening(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 300);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  public long pid() {
    return process.pid();
  }

  public Process process() {
    return process;
  }

  /** SIGTERM, then wait for a clean stop (the broker flushes and closes its logs). */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          LOG.warn("the broker did not stop within 30 s; killing it");
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }
}
