package dev.headroom.collector;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigException;

/**
 * One agent's configuration: the settings of the whole agent and one {@link CollectorConfig}
 * per monitored target. A fleet file is YAML whose top level holds agent settings and defaults
 * for every target, and whose {@code targets} list holds each target's own settings; every key
 * is a collector setting (README), nested maps are joined with dots
 * ({@code kafka: {security.protocol: SSL}}), {@code instance.labels} may be a map, and lists
 * become comma-separated values. A bad value fails at start naming the target and the key.
 */
public final class AgentConfig {
  public static final String TARGETS = "targets";
  private final CollectorConfig agent;
  private final List<CollectorConfig> targets;

  private AgentConfig(CollectorConfig agent, List<CollectorConfig> targets) {
    this.agent = agent;
    this.targets = List.copyOf(targets);
  }

  /** Agent-wide settings (Kafka, spool, metrics); read from the first target's merged view. */
  public CollectorConfig agent() {
    return agent;
  }

  public List<CollectorConfig> targets() {
    return targets;
  }

  /** One target from flat properties (a properties file, --set and options). */
  public static AgentConfig single(Map<String, ?> props) {
    CollectorConfig config = new CollectorConfig(props);
    return new AgentConfig(config, List.of(config));
  }

  /** A fleet file; {@code overrides} (from the command line) apply at the top level, before each target's own. */
  public static AgentConfig fleet(Path file, Map<String, ?> overrides) {
    Map<String, Object> root;
    try {
      Object parsed = new ObjectMapper(new YAMLFactory()).readValue(file.toFile(), Object.class);
      if (!(parsed instanceof Map<?, ?> map)) {
        throw new ConfigException("the fleet file " + file + " must be a YAML mapping with a targets list");
      }
      root = new LinkedHashMap<>();
      map.forEach((k, v) -> root.put(String.valueOf(k), v));
    } catch (IOException e) {
      throw new ConfigException("cannot read the fleet file " + file + ": " + e.getMessage());
    }
    return fleet(root, overrides);
  }

  static AgentConfig fleet(Map<String, Object> root, Map<String, ?> overrides) {
    Object list = root.remove(TARGETS);
    if (!(list instanceof List<?> entries) || entries.isEmpty()) {
      throw new ConfigException(TARGETS, list, "the fleet file needs a non-empty targets list");
    }
    Map<String, Object> defaults = flatten(root, "");
    defaults.putAll(overrides);
    List<CollectorConfig> targets = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < entries.size(); i++) {
      if (!(entries.get(i) instanceof Map<?, ?> entry)) {
        throw new ConfigException("targets[" + i + "]", entries.get(i), "each target must be a mapping of settings");
      }
      Map<String, Object> own = new LinkedHashMap<>();
      entry.forEach((k, v) -> own.put(String.valueOf(k), v));
      Map<String, Object> flat = flatten(own, "");
      String where = "targets[" + i + "]" + (flat.get(CollectorConfig.INSTANCE_ID) == null ? ""
          : " (" + flat.get(CollectorConfig.INSTANCE_ID) + ")");
      for (String key : flat.keySet()) {
        if (CollectorConfig.AGENT_SETTINGS.contains(key) || key.startsWith(CollectorConfig.KAFKA_PREFIX)) {
          throw new ConfigException(where + ": " + key + " is a setting of the whole agent; set it at the top level");
        }
      }
      Map<String, Object> merged = new LinkedHashMap<>(defaults);
      merged.putAll(flat);
      CollectorConfig config;
      try {
        config = new CollectorConfig(merged);
      } catch (ConfigException e) {
        throw new ConfigException(where + ": " + e.getMessage());
      }
      if (!ids.add(config.getString(CollectorConfig.INSTANCE_ID))) {
        throw new ConfigException(where + ": instance.id " + config.getString(CollectorConfig.INSTANCE_ID)
            + " appears twice; every target needs its own");
      }
      targets.add(config);
    }
    return new AgentConfig(targets.get(0), targets);
  }

  /** Nested maps joined with dots, labels maps as key=value lists, other lists comma-joined. */
  static Map<String, Object> flatten(Map<String, Object> map, String prefix) {
    Map<String, Object> out = new LinkedHashMap<>();
    map.forEach((k, v) -> {
      String key = prefix + k;
      if (v instanceof Map<?, ?> nested && key.equals(CollectorConfig.INSTANCE_LABELS)) {
        out.put(key, nested.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(",")));
      } else if (v instanceof Map<?, ?> nested) {
        Map<String, Object> inner = new LinkedHashMap<>();
        nested.forEach((nk, nv) -> inner.put(String.valueOf(nk), nv));
        out.putAll(flatten(inner, key + "."));
      } else if (v instanceof List<?> values) {
        out.put(key, values.stream().map(String::valueOf).collect(Collectors.joining(",")));
      } else {
        out.put(key, v == null ? "" : String.valueOf(v));
      }
    });
    return out;
  }
}
