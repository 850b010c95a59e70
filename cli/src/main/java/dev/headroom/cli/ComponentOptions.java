package dev.headroom.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The options every component shares. Settings come, in increasing precedence, from the
 * properties file, {@code --set key=value}, then the command's own options.
 */
final class ComponentOptions {
  @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--config", description = "Properties file with this component's settings (keys in the README).")
  Path config;

  @Option(names = "--set", description = "A setting as key=value (repeatable).")
  List<String> sets;

  @Option(names = "--bootstrap", description = "Kafka bootstrap servers (bootstrap.servers).")
  String bootstrap;

  /** The settings from the file and {@code --set}, with {@code --bootstrap} applied. */
  Map<String, Object> settings() {
    Map<String, Object> props = Settings.load(spec, config, sets);
    Settings.put(props, "bootstrap.servers", bootstrap);
    return props;
  }

  /** Whether --config names a YAML fleet file rather than a properties file. */
  boolean fleetFile() {
    String name = config == null ? "" : config.getFileName().toString();
    return name.endsWith(".yaml") || name.endsWith(".yml");
  }

  /** Only {@code --set} and {@code --bootstrap}, for a fleet file's top level. */
  Map<String, Object> overrides() {
    Map<String, Object> props = Settings.load(spec, null, sets);
    Settings.put(props, "bootstrap.servers", bootstrap);
    return props;
  }
}
