package dev.headroom.cli;

import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ./headroom} launcher. */
@Command(name = "headroom", mixinStandardHelpOptions = true, version = "headroom 0.1.0",
    description = "Latency percentiles, trends and capacity forecasts for fleets of PostgreSQL instances.",
    subcommands = {BrokerCommand.class, CollectorCommand.class, StreamsCommand.class, SinkCommand.class,
        SimulateCommand.class, DemoCommand.class, CommandLine.HelpCommand.class})
public final class Headroom implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.err);
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Headroom());
    // A bad setting (from an option or a file) fails at start with a message naming it.
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof ConfigException) {
        commandLine.getErr().println(commandLine.getCommandName() + ": invalid configuration: " + e.getMessage());
        return 2;
      }
      if (e instanceof CommandLine.ParameterException pe) {
        commandLine.getErr().println(commandLine.getCommandName() + ": " + pe.getMessage());
        return 2;
      }
      commandLine.getErr().println(commandLine.getCommandName() + ": " + e.getMessage());
      return 1;
    });
    return cli;
  }
}
