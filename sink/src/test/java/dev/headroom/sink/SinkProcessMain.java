package dev.headroom.sink;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The sink alone in a JVM, for tests that kill it: settings come as {@code key=value} arguments,
 * and {@code topic.<table>=<topic>} arguments name the tables to write and their topics. It runs
 * until the process ends; SIGKILL leaves whatever transaction was open, which is the point.
 */
public final class SinkProcessMain {
  private static final String TOPIC_PREFIX = "topic.";

  private SinkProcessMain() {}

  public static void main(String[] args) {
    Map<String, String> settings = new HashMap<>();
    Map<ResultTable, String> topics = new EnumMap<>(ResultTable.class);
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (eq < 1) {
        throw new IllegalArgumentException("expected key=value, got " + arg);
      }
      String key = arg.substring(0, eq);
      String value = arg.substring(eq + 1);
      if (key.startsWith(TOPIC_PREFIX)) {
        topics.put(ResultTable.valueOf(key.substring(TOPIC_PREFIX.length())), value);
      } else {
        settings.put(key, value);
      }
    }
    HeadroomSink sink = new HeadroomSink(SinkConfig.fromMap(settings), topics);
    Runtime.getRuntime().addShutdownHook(new Thread(sink::close, "sink-close"));
    sink.run();
  }

  /** Starts {@link #main} in a child JVM on this JVM's class path, its output appended to {@code log}. */
  static Process launch(Map<String, String> settings, Map<ResultTable, String> topics, Path log) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true",
        "-cp", System.getProperty("java.class.path"), SinkProcessMain.class.getName()));
    settings.forEach((k, v) -> command.add(k + "=" + v));
    topics.forEach((table, topic) -> command.add(TOPIC_PREFIX + table.name() + "=" + topic));
    return new ProcessBuilder(command)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectErrorStream(true)
        .start();
  }
}
