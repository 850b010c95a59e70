package dev.headroom.collector.cdc;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.Property;

/**
 * Records every log line (message and stack traces) of the given loggers at INFO and above while
 * open, so a test can check what the capture and Debezium wrote.
 */
final class LogCapture implements AutoCloseable {
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final AbstractAppender appender;
  private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
  private final Map<String, Level> previous = new java.util.HashMap<>();

  LogCapture(String... loggers) {
    appender = new AbstractAppender("cdc-test-capture", null, null, true, Property.EMPTY_ARRAY) {
      @Override
      public void append(LogEvent event) {
        StringBuilder line = new StringBuilder(event.getLoggerName()).append(' ')
            .append(event.getMessage().getFormattedMessage());
        for (Throwable t = event.getThrown(); t != null; t = t.getCause() == t ? null : t.getCause()) {
          line.append(" | ").append(t);
        }
        lines.add(line.toString());
      }
    };
    appender.start();
    context.getConfiguration().getRootLogger().addAppender(appender, Level.ALL, null);
    for (String logger : loggers) {
      previous.put(logger, context.getConfiguration().getLoggerConfig(logger).getLevel());
      Configurator.setLevel(logger, Level.INFO);
    }
    context.updateLoggers();
  }

  List<String> lines() {
    return List.copyOf(lines);
  }

  @Override
  public void close() {
    context.getConfiguration().getRootLogger().removeAppender(appender.getName());
    previous.forEach(Configurator::setLevel);
    context.updateLoggers();
    appender.stop();
  }
}
