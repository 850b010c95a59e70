package dev.headroom.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
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
 * A real single-node KRaft broker (broker and controller in one process) run from the Kafka server
 * jars on the test class path, bound to 127.0.0.1 only, that a test can stop and start again on the
 * same ports and log directories.
 *
 * <p>Why a process and not Kafka's in-JVM test kit, which can restart its broker too: the test kit
 * pre-binds its listeners on the wildcard address, and test servers bind to 127.0.0.1 only. A
 * process also makes "the broker is gone" real: its sockets close the way they do in production.
 * This follows the cli's {@code KafkaBroker} (which testkit cannot depend on).
 */
public final class KafkaBrokerProcess implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaBrokerProcess.class);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  private final Path dir;
  private final Path properties;
  private final Path log;
  private final String bootstrapServers;
  private final List<String> jvmOptions;
  private Process process;

  /** A test broker's JVM: small, serial GC, C1 only; it starts fast and its throughput does not matter. */
  public static final List<String> TEST_JVM = List.of("-Xms256m", "-Xmx256m", "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1");
  /** The JVM options Kafka's own start script gives a broker (1 GB heap, G1, full JIT): for benchmarks. */
  public static final List<String> KAFKA_DEFAULT_JVM = List.of("-Xms1g", "-Xmx1g", "-XX:+UseG1GC",
      "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35");

  private KafkaBrokerProcess(Path dir, int port, int controllerPort, List<String> jvmOptions) throws IOException {
    this.dir = dir;
    this.jvmOptions = List.copyOf(jvmOptions);
    this.properties = dir.resolve("server.properties");
    this.log = dir.resolve("broker.log");
    this.bootstrapServers = "127.0.0.1:" + port;
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("log.dirs", dir.resolve("logs").toString());
    p.put("offsets.topic.replication.factor", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    // A killed member of a KIP-848 group (the sink's) holds its partitions until its session times out:
    // 45 s by default, and the broker sets it, not the client.
    p.put("group.consumer.min.session.timeout.ms", "6000");
    p.put("group.consumer.session.timeout.ms", "6000");
    p.put("group.consumer.min.heartbeat.interval.ms", "1000");
    p.put("group.consumer.heartbeat.interval.ms", "1000");
    p.put("auto.create.topics.enable", "false");
    try (Writer out = Files.newBufferedWriter(properties, StandardCharsets.UTF_8)) {
      p.store(out, "Headroom test broker");
    }
  }

  /** Formats fresh storage under {@code dir} and starts the broker; returns once it serves requests. */
  public static KafkaBrokerProcess start(Path dir) {
    return start(dir, TEST_JVM);
  }

  /** As {@link #start(Path)}, with the broker JVM's heap, GC and JIT options. */
  public static KafkaBrokerProcess start(Path dir, List<String> jvmOptions) {
    try {
      Files.createDirectories(dir);
      KafkaBrokerProcess broker = new KafkaBrokerProcess(dir, freePort(), freePort(), jvmOptions);
      Process format = broker.java("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c",
          broker.properties.toString()).redirectOutput(broker.log.toFile()).redirectErrorStream(true).start();
      if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
        format.destroyForcibly();
        throw new IllegalStateException("formatting the broker's storage failed; see " + broker.log);
      }
      broker.start();
      return broker;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the Kafka broker in " + dir, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the broker", e);
    }
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** Starts the stopped broker again, on the same ports and logs; returns once it serves requests. */
  public void start() {
    if (running()) {
      throw new IllegalStateException("the broker is running");
    }
    long t0 = System.nanoTime();
    try {
      process = java("kafka.Kafka", properties.toString())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).redirectErrorStream(true).start();
      awaitReady();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the Kafka broker in " + dir, e);
    }
    LOG.info("broker at {} serving in {} ms", bootstrapServers, (System.nanoTime() - t0) / 1_000_000);
  }

  public boolean running() {
    return process != null && process.isAlive();
  }

  /** SIGTERM and wait: the broker shuts down cleanly and its ports close. */
  public void stop() {
    if (process == null || !process.isAlive()) {
      return;
    }
    long t0 = System.nanoTime();
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        LOG.warn("the broker did not stop within {}; killing it", STOP_TIMEOUT);
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    LOG.info("broker at {} stopped in {} ms", bootstrapServers, (System.nanoTime() - t0) / 1_000_000);
  }

  @Override
  public void close() {
    stop();
  }

  private ProcessBuilder java(String mainClass, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-Djava.awt.headless=true");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(List.of(args));
    return new ProcessBuilder(command);
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the broker exited with " + process.exitValue() + " while starting; see " + log);
      }
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers, "request.timeout.ms", 2000,
          "default.api.timeout.ms", 3000))) {
        admin.describeCluster().nodes().get(3, TimeUnit.SECONDS);
        return;
      } catch (Exception e) {
        last = e;
        sleep(200);
      }
    }
    process.destroyForcibly();
    throw new IllegalStateException("the broker did not serve within " + READY_TIMEOUT + " (" + last + "); see " + log);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
