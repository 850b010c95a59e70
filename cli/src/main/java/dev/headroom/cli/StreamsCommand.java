package dev.headroom.cli;

import dev.headroom.streams.HeadroomStreams;
import dev.headroom.streams.HeadroomStreamsConfig;
import org.apache.kafka.streams.KafkaStreams;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "streams", mixinStandardHelpOptions = true,
    description = {"Runs the Kafka Streams app: deltas, latency windows (p50/p95/p99) and dead letters.",
        "Run more instances with the same application id to spread the fleet."})
final class StreamsCommand implements Callable<Integer> {
  @CommandLine.Mixin
  ComponentOptions component;

  @Option(names = "--application-id", description = "Kafka Streams application id (application.id).")
  String applicationId;

  @Option(names = "--state-dir", description = "Folder of the local state (state.dir).")
  String stateDir;

  @Option(names = "--processing-guarantee", description = "exactly_once_v2 or at_least_once (processing.guarantee).")
  String guarantee;

  @Override
  public Integer call() throws Exception {
    Map<String, Object> props = component.settings();
    Settings.put(props, HeadroomStreamsConfig.APPLICATION_ID, applicationId);
    Settings.put(props, HeadroomStreamsConfig.STATE_DIR, stateDir);
    Settings.put(props, HeadroomStreamsConfig.PROCESSING_GUARANTEE, guarantee);
    HeadroomStreams app = new HeadroomStreams(new HeadroomStreamsConfig(props));
    Runtime.getRuntime().addShutdownHook(new Thread(app::close, "streams-stop"));
    app.start();
    app.awaitTermination();
    // ERROR means the app stopped by itself: a supervisor's restart-on-failure needs to know
    return app.state() == KafkaStreams.State.ERROR ? 1 : 0;
  }
}
