package dev.headroom.cli;

import dev.headroom.collector.CollectorConfig;
import dev.headroom.simulator.SimulatorConfig;
import dev.headroom.sink.SinkConfig;
import dev.headroom.streams.HeadroomStreamsConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;

/**
 * The README's settings tables, rendered from the components' declared configuration so the
 * documentation cannot drift from the code ({@code ConfigDocsTest} checks the README holds them).
 */
final class ConfigDocs {
  private ConfigDocs() {}

  static Map<String, ConfigDef> components() {
    Map<String, ConfigDef> defs = new LinkedHashMap<>();
    defs.put("collector", CollectorConfig.CONFIG_DEF);
    defs.put("streams", HeadroomStreamsConfig.CONFIG_DEF);
    defs.put("sink", SinkConfig.CONFIG_DEF);
    defs.put("simulator", SimulatorConfig.CONFIG_DEF);
    return defs;
  }

  static String table(ConfigDef def) {
    StringBuilder sb = new StringBuilder("| setting | default | valid values | description |\n|---|---|---|---|\n");
    for (ConfigDef.ConfigKey key : def.configKeys().values()) {
      String dflt = !key.hasDefault() ? "(required)"
          : key.defaultValue == null ? "(none)"
          : key.type == ConfigDef.Type.PASSWORD ? "(empty)"
          : key.name.equals("agent.id") ? "(host name)"
          : key.name.equals("state.dir") ? "(temp dir)/headroom-streams"
          : "`" + ConfigDef.convertToString(key.defaultValue, key.type) + "`";
      String valid = key.validator == null ? "" : key.validator.toString().replace("|", "\\|");
      sb.append("| `").append(key.name).append("` | ").append(dflt.isEmpty() ? "`\"\"`" : dflt.equals("``") ? "(empty)" : dflt)
          .append(" | ").append(valid).append(" | ").append(key.documentation.replace("|", "\\|")).append(" |\n");
    }
    return sb.toString();
  }

  public static void main(String[] args) {
    components().forEach((name, def) -> System.out.println("### " + name + "\n\n" + table(def)));
  }
}
