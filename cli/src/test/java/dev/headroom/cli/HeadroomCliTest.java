package dev.headroom.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class HeadroomCliTest {
  record Run(int exit, String out, String err) {}

  static Run run(String... args) {
    CommandLine cli = Headroom.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"broker", "collector", "streams", "sink", "simulate", "demo"})
  void everySubcommandPrintsItsHelp(String command) {
    Run r = run(command, "--help");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("Usage: headroom " + command);
  }

  @ParameterizedTest
  @CsvSource(delimiter = ';', value = {
      "broker --port 0; --port",
      "broker --heap lots; --heap",
      "broker --port 9092 --controller-port 9092; --controller-port",
      "demo --duration 2; --duration",
      "demo --sink-url mysql://x; --sink-url",
      "collector --once --instance-id x --target jdbc:mysql://db/x; target.url",
      "collector --once --target jdbc:postgresql://127.0.0.1:1/x; instance.id",
      "collector --instance-id x --target jdbc:postgresql://h/x --interval 0; interval.ms",
      "collector --set nonsense; --set",
      "collector --config /nonexistent/file.properties; --config",
      "streams --processing-guarantee maybe; processing.guarantee",
      "streams --set latency.grace.ms=-1; latency.grace.ms",
      "sink --url jdbc:mysql://db/x; url",
      "sink --url jdbc:postgresql://h/x --set batch.max.records=0; batch.max.records",
      "simulate --instances 0; instances",
      "simulate --patterns linear=2,sideways=1; patterns",
      "simulate --history-days 0; history.days",
      "simulate --set kafka.acks=1; kafka.acks",
      "collector --frobnicate; --frobnicate"})
  void badOptionsFailNamingTheOption(String args, String named) {
    Run r = run(args.split(" "));
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains(named);
  }
}
