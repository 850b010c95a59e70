package dev.headroom.cli;

import dev.headroom.collector.Agent;
import dev.headroom.collector.AgentConfig;
import dev.headroom.collector.Collector;
import dev.headroom.collector.cdc.CdcCapture;
import dev.headroom.collector.CollectorConfig;
import dev.headroom.schemas.Snapshot;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "collector", mixinStandardHelpOptions = true,
    description = {"Snapshots PostgreSQL instances' catalogs every interval and publishes them to Kafka, spooling to",
        "disk while Kafka is away. One target from a properties file (--config x.properties), --set and options;",
        "a fleet from a YAML file (--config fleet.yaml: agent settings at the top, a targets list below)."})
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

  @Option(names = "--password-file", description = "File holding the role's password (target.password.file); "
      + "or set HEADROOM_TARGET_PASSWORD.")
  Path passwordFile;

  @Option(names = "--interval", description = "Seconds between snapshots (interval.ms / 1000).")
  Long intervalSeconds;

  @Option(names = "--once", description = "Take one snapshot, publish it and exit 0: a connectivity check.")
  boolean once;

  @Option(names = "--drop-slot", description = {"Remove each target's Debezium replication slot and publication, then exit:",
      "run it when an agent is retired, since a forgotten slot keeps WAL until the disk fills."})
  boolean dropSlot;

  @Override
  public Integer call() throws Exception {
    if (component.fleetFile()) {
      if (target != null || instanceId != null || user != null || passwordFile != null || intervalSeconds != null) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "--target, --instance-id, --user, --password-file and --interval are per target: set them in the fleet file");
      }
      return run(AgentConfig.fleet(component.config, component.overrides()));
    }
    Map<String, Object> props = component.settings();
    Settings.put(props, CollectorConfig.TARGET_URL, target);
    Settings.put(props, CollectorConfig.INSTANCE_ID, instanceId);
    Settings.put(props, CollectorConfig.TARGET_USER, user);
    if (intervalSeconds != null) {
      props.put(CollectorConfig.INTERVAL_MS, Long.toString(intervalSeconds * 1000));
    }
    Settings.put(props, CollectorConfig.TARGET_PASSWORD_FILE, passwordFile);
    return run(AgentConfig.single(props));
  }

  private int run(AgentConfig config) throws Exception {
    if (dropSlot) {
      int failed = 0;
      for (CollectorConfig target : config.targets()) {
        try {
          CdcCapture.DropResult result = CdcCapture.dropSlot(target.cdcTarget(), target.cdcSlotName(),
              target.cdcPublicationName());
          System.out.printf("%s: %s%n", target.getString(CollectorConfig.INSTANCE_ID), String.join("; ", result.messages()));
        } catch (java.sql.SQLException | RuntimeException e) {
          failed++;
          System.err.printf("%s: slot %s not dropped: %s%n", target.getString(CollectorConfig.INSTANCE_ID),
              target.cdcSlotName(), e.getMessage());
        }
      }
      return failed == 0 ? 0 : 1;
    }
    if (once) {
      // a connectivity check: no spool, a failure shows at once
      for (CollectorConfig target : config.targets()) {
        try (Collector collector = new Collector(target)) {
          List<Snapshot> sent = collector.snapshotOnce();
          Snapshot first = sent.get(0);
          System.out.printf("published snapshot %s of %s (PostgreSQL %d, captured at %s): %d message(s), sections %s%n",
              first.snapshotId(), first.instanceId(), first.instance().serverVersionNum(), first.capturedAt(),
              sent.size(), sent.stream().map(Snapshot::section).distinct().toList());
        }
      }
      return 0;
    }
    Agent agent = new Agent(config);
    Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "agent-stop"));
    agent.start();
    agent.join();
    return 0;
  }
}
