package dev.headroom.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "broker", mixinStandardHelpOptions = true,
    description = "Runs a real single-node Kafka broker (KRaft, broker and controller in one process) on 127.0.0.1.")
final class BrokerCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--port", defaultValue = "9092", description = "Client port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--controller-port", defaultValue = "9093", description = "KRaft controller port (default: ${DEFAULT-VALUE}).")
  int controllerPort;

  @Option(names = "--data-dir", defaultValue = ".headroom/broker", description = "Folder of the broker's data (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--heap", defaultValue = "512m", description = "Broker heap, -Xmx (default: ${DEFAULT-VALUE}).")
  String heap;

  @Option(names = "--daemon", description = "Start in the background, write a pid file, return once the broker is ready.")
  boolean daemon;

  @Option(names = "--stop", description = "Stop the broker started with --daemon (by its pid file).")
  boolean stop;

  @Override
  public Integer call() throws Exception {
    validate();
    Path pidFile = dataDir.resolve("broker.pid");
    if (stop) {
      return stop(pidFile);
    }
    Optional<ProcessHandle> running = running(pidFile);
    if (running.isPresent()) {
      spec.commandLine().getErr().println("broker: already running (pid " + running.get().pid() + ", " + pidFile + ")");
      return 1;
    }
    Path log = dataDir.resolve("broker.log");
    long start = System.nanoTime();
    KafkaBroker broker = KafkaBroker.start(new KafkaBroker.Settings(dataDir.toAbsolutePath(), port, controllerPort, heap,
        log.toAbsolutePath(), daemon), Duration.ofSeconds(90));
    Files.writeString(pidFile, Long.toString(broker.pid()), StandardCharsets.UTF_8);
    System.out.printf("broker ready at %s in %d ms (pid %d, data %s, log %s)%n", broker.bootstrapServers(),
        (System.nanoTime() - start) / 1_000_000, broker.pid(), dataDir, log);
    if (daemon) {
      return 0;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      broker.close();
      deleteQuietly(pidFile);
    }, "broker-stop"));
    int exit = broker.process().waitFor();
    deleteQuietly(pidFile);
    return exit == 0 || exit == 143 ? 0 : exit;
  }

  private void validate() {
    if (port < 1 || port > 65535) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--port must be between 1 and 65535, got " + port);
    }
    if (controllerPort < 1 || controllerPort > 65535 || controllerPort == port) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--controller-port must be between 1 and 65535 and differ from --port, got " + controllerPort);
    }
    if (!heap.matches("\\d+[kKmMgG]")) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--heap must look like 512m or 1g, got " + heap);
    }
  }

  private int stop(Path pidFile) throws InterruptedException {
    Optional<ProcessHandle> running = running(pidFile);
    if (running.isEmpty()) {
      System.out.println("broker: not running");
      deleteQuietly(pidFile);
      return 0;
    }
    ProcessHandle p = running.get();
    p.destroy();
    try {
      p.onExit().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      p.destroyForcibly();
    }
    deleteQuietly(pidFile);
    System.out.println("broker: stopped (pid " + p.pid() + ")");
    return 0;
  }

  /** The broker of the pid file, if that process is alive and is a Kafka broker (not a reused pid). */
  static Optional<ProcessHandle> running(Path pidFile) {
    try {
      long pid = Long.parseLong(Files.readString(pidFile).trim());
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
          .filter(p -> p.info().arguments().map(a -> String.join(" ", a).contains("kafka.Kafka")).orElse(true));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // nothing to clean up
    }
  }
}
