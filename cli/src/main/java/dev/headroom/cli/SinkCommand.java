package dev.headroom.cli;

import dev.headroom.sink.HeadroomSink;
import dev.headroom.sink.SinkConfig;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "sink", mixinStandardHelpOptions = true,
    description = "Writes result topics to TimescaleDB (or plain PostgreSQL), exactly once.")
final class SinkCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @CommandLine.Mixin
  ComponentOptions component;

  @Option(names = "--url", description = "JDBC URL of the TimescaleDB or PostgreSQL database (url).")
  String url;

  @Option(names = "--user", description = "Role that writes (user).")
  String user;

  @Option(names = "--group-id", description = "Consumer group (group.id).")
  String groupId;

  @Override
  public Integer call() throws Exception {
    Map<String, Object> props = component.settings();
    Settings.put(props, SinkConfig.URL, url);
    Settings.put(props, SinkConfig.USER, user);
    Settings.put(props, SinkConfig.GROUP_ID, groupId);
    HeadroomSink sink = new HeadroomSink(new SinkConfig(props));
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread worker = new Thread(sink, "sink");
    worker.setUncaughtExceptionHandler((t, e) -> failure.set(e));
    Runtime.getRuntime().addShutdownHook(new Thread(sink::close, "sink-stop"));
    worker.start();
    worker.join();
    if (failure.get() != null) {
      // a supervisor's restart-on-failure needs a failing exit status
      spec.commandLine().getErr().println("sink: stopped on an error: " + failure.get().getMessage());
      return 1;
    }
    return 0;
  }
}
