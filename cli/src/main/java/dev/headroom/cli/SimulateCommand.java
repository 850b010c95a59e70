package dev.headroom.cli;

import dev.headroom.schemas.Json;
import dev.headroom.simulator.Simulator;
import dev.headroom.simulator.SimulatorConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "simulate", mixinStandardHelpOptions = true,
    description = {"Publishes snapshots of a simulated fleet of PostgreSQL instances on headroom.snapshots.v1, and"
        + " deploy events on headroom.events.v1, as collectors would.",
        "Days of history take minutes (event time, as fast as Kafka takes them); --realtime goes on at wall-clock"
            + " pace. Each resource grows by a known pattern: --truth-out writes it down."})
final class SimulateCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @CommandLine.Mixin
  ComponentOptions component;

  @Option(names = "--instances", description = "How many instances (instances, default 10).")
  Integer instances;

  @Option(names = "--history-days", description = "Days of history ending now, published at once (history.days, "
      + "default 7).")
  Double historyDays;

  @Option(names = "--interval", description = "Seconds between snapshots of the last day and of real time "
      + "(interval.ms, default 60).")
  Long intervalSeconds;

  @Option(names = "--history-interval", description = "Seconds between snapshots of older history "
      + "(history.interval.ms, default 3600).")
  Long historyIntervalSeconds;

  @Option(names = "--realtime", description = "After the history, go on in real time (realtime).")
  Boolean realtime;

  @Option(names = "--duration", description = "Seconds of real time; without it, until stopped (duration.ms).")
  Long durationSeconds;

  @Option(names = "--seed", description = "Seed of every random draw (seed, default 1).")
  Long seed;

  @Option(names = "--patterns", description = "Growth pattern weights, e.g. linear=4,exponential=2,flat=2,weekly=1,"
      + "step=1 (patterns).")
  String patterns;

  @Option(names = "--truth-out", paramLabel = "FILE", description = "Write the truth (patterns, parameters, "
      + "saturation times, incidents) to this JSON file (truth.out).")
  String truthOut;

  @Option(names = "--json", description = "Print a final single-line JSON summary on standard output.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Map<String, Object> props = component.settings();
    Settings.put(props, SimulatorConfig.INSTANCES, instances);
    Settings.put(props, SimulatorConfig.HISTORY_DAYS, historyDays);
    Settings.put(props, SimulatorConfig.INTERVAL_MS, intervalSeconds == null ? null : intervalSeconds * 1000);
    Settings.put(props, SimulatorConfig.HISTORY_INTERVAL_MS,
        historyIntervalSeconds == null ? null : historyIntervalSeconds * 1000);
    Settings.put(props, SimulatorConfig.REALTIME, realtime);
    Settings.put(props, SimulatorConfig.DURATION_MS, durationSeconds == null ? null : durationSeconds * 1000);
    Settings.put(props, SimulatorConfig.SEED, seed);
    Settings.put(props, SimulatorConfig.PATTERNS, patterns);
    Settings.put(props, SimulatorConfig.TRUTH_OUT, truthOut);
    if (durationSeconds != null && realtime == null) {
      props.put(SimulatorConfig.REALTIME, "true"); // a duration only means something in real time
    }
    Simulator simulator = new Simulator(new SimulatorConfig(props));
    // on SIGTERM, what was sent is flushed before the JVM exits
    Thread hook = new Thread(() -> {
      try {
        simulator.stopAndWait(Duration.ofSeconds(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "simulate-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    Simulator.Report report = simulator.run();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // stopped by a signal: the hook has run
    }
    spec.commandLine().getErr().printf("simulate: %d snapshot messages and %d deploy events for %d instances "
            + "(event time %s to %s) in %.1f s: %.0f messages/s, %.1f MB/s of JSON%n", report.snapshots(),
        report.events(), report.instances(), Json.format(report.from()), Json.format(report.to()),
        report.took().toMillis() / 1000.0, report.messagesPerSecond(), report.megabytesPerSecond());
    if (json) {
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("instances", report.instances());
      summary.put("snapshots", report.snapshots());
      summary.put("events", report.events());
      summary.put("bytes", report.bytes());
      summary.put("from", Json.format(report.from()));
      summary.put("to", Json.format(report.to()));
      summary.put("seconds", report.took().toMillis() / 1000.0);
      summary.put("messages_per_second", Math.round(report.messagesPerSecond()));
      spec.commandLine().getOut().println(Json.mapper().writeValueAsString(summary));
      spec.commandLine().getOut().flush();
    }
    return 0;
  }
}
