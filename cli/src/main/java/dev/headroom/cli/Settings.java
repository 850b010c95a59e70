package dev.headroom.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;

/**
 * A component's settings from, in increasing precedence: its properties file ({@code --config}),
 * {@code --set key=value}, and the command's own options.
 */
final class Settings {
  private Settings() {}

  static Map<String, Object> load(CommandLine.Model.CommandSpec spec, Path file, List<String> sets) {
    Map<String, Object> props = new LinkedHashMap<>();
    if (file != null) {
      if (!Files.isReadable(file)) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--config: cannot read " + file);
      }
      Properties p = new Properties();
      try (Reader in = Files.newBufferedReader(file)) {
        p.load(in);
      } catch (IOException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--config: cannot read " + file + ": " + e.getMessage());
      }
      p.forEach((k, v) -> props.put(k.toString(), v.toString().trim()));
    }
    if (sets != null) {
      for (String set : sets) {
        int eq = set.indexOf('=');
        if (eq <= 0) {
          throw new CommandLine.ParameterException(spec.commandLine(), "--set: expected key=value but got '" + set + "'");
        }
        props.put(set.substring(0, eq).trim(), set.substring(eq + 1).trim());
      }
    }
    return props;
  }

  static void put(Map<String, Object> props, String key, Object value) {
    if (value != null) {
      props.put(key, value.toString());
    }
  }
}
