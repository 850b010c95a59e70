package dev.headroom.streams;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The streams app alone in a JVM, for tests that kill it: the settings come as {@code key=value}
 * arguments, and it runs until the process ends. SIGTERM closes the app; SIGKILL leaves whatever
 * was in flight, which is the point.
 */
public final class StreamsProcessMain {
  private StreamsProcessMain() {}

  public static void main(String[] args) throws InterruptedException {
    Map<String, String> settings = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (eq < 1) {
        throw new IllegalArgumentException("expected key=value, got " + arg);
      }
      settings.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    HeadroomStreams streams = new HeadroomStreams(new HeadroomStreamsConfig(settings));
    Runtime.getRuntime().addShutdownHook(new Thread(streams::close, "streams-close"));
    streams.start();
    streams.awaitTermination();
  }

  /** Starts {@link #main} in a child JVM on this JVM's class path, its output appended to {@code log}. */
  static Process launch(Map<String, String> settings, Path log) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true",
        "-cp", System.getProperty("java.class.path"), StreamsProcessMain.class.getName()));
    settings.forEach((k, v) -> command.add(k + "=" + v));
    return new ProcessBuilder(command)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectErrorStream(true)
        .start();
  }
}
