package dev.headroom.cli;

import dev.headroom.collector.Collector;
import dev.headroom.collector.CollectorConfig;
import dev.headroom.schemas.Snapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "collector", mixinStandardHelpOptions = true,
    description = {"Snapshots a PostgreSQL instance's catalog every interval and publishes it to Kafka.",
        "Settings come from --config (a properties file with the keys in the README), --set key=value, then options."})
final class CollectorCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @CommandLine.Mixin
  ComponentOptions component;

  @Option(names = "--target", description = "JDBC URL of the monitored instance (target.url).")
  String target;

  @Option(names = "--instance-id", description = "Id of the monitored instance (instance.id).")
  String instanceId;

  @Option(names = "--user", description = "Role to connect as (target.user).")
  String user;

  @Option(names = "--password-file", description = "File holding the role's password (target.password); "
      + "or set HEADROOM_TARGET_PASSWORD.")
  Path passwordFile;

  @Option(names = "--interval", description = "Seconds between snapshots (interval.ms / 1000).")
  Long intervalSeconds;

  @Option(names = "--once", description = "Take one snapshot, publish it and exit 0: a connectivity check.")
  boolean once;

  @Override
  public Integer call() throws Exception {
    Map<String, Object> props = component.settings();
    Settings.put(props, CollectorConfig.TARGET_URL, target);
    Settings.put(props, CollectorConfig.INSTANCE_ID, instanceId);
    Settings.put(props, CollectorConfig.TARGET_USER, user);
    if (intervalSeconds != null) {
      props.put(CollectorConfig.INTERVAL_MS, Long.toString(intervalSeconds * 1000));
    }
    if (passwordFile != null) {
      try {
        props.put(CollectorConfig.TARGET_PASSWORD, Files.readString(passwordFile, StandardCharsets.UTF_8).strip());
      } catch (IOException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--password-file: cannot read " + passwordFile);
      }
    }
    CollectorConfig cfg = new CollectorConfig(props);
    if (once) {
      try (Collector collector = new Collector(cfg)) {
        List<Snapshot> sent = collector.snapshotOnce();
        Snapshot first = sent.get(0);
        System.out.printf("published snapshot %s of %s (PostgreSQL %d, captured at %s): %d message(s), sections %s%n",
            first.snapshotId(), first.instanceId(), first.instance().serverVersionNum(), first.capturedAt(), sent.size(),
            sent.stream().map(Snapshot::section).distinct().toList());
        return 0;
      }
    }
    Collector collector = new Collector(cfg);
    Thread worker = new Thread(collector, "collector");
    Runtime.getRuntime().addShutdownHook(new Thread(collector::close, "collector-stop"));
    worker.start();
    worker.join();
    return 0;
  }
}
