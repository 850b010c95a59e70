package dev.headroom.collector;

import java.io.StringWriter;
import java.util.UUID;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * What is logged while it is open, to check what logs reveal: Headroom's own loggers at every
 * level, every other logger at its configured level.
 */
final class LogCapture implements AutoCloseable {
  private final StringWriter out = new StringWriter();
  private final WriterAppender appender;
  private final Level previous;

  LogCapture() {
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    Configuration config = context.getConfiguration();
    appender = WriterAppender.newBuilder().setName("capture-" + UUID.randomUUID()).setTarget(out)
        .setLayout(PatternLayout.newBuilder().withPattern("%p %c %m%n%ex").withConfiguration(config).build()).build();
    appender.start();
    config.getRootLogger().addAppender(appender, Level.ALL, null);
    LoggerConfig ours = config.getLoggerConfig("dev.headroom");
    previous = ours.getLevel();
    ours.setLevel(Level.ALL);
    config.getLoggers().values().forEach(l -> {
      if (l != config.getRootLogger() && l.isAdditive() == false) {
        l.addAppender(appender, Level.ALL, null);
      }
    });
    context.updateLoggers();
  }

  String text() {
    synchronized (out) {
      return out.toString();
    }
  }

  @Override
  public void close() {
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    Configuration config = context.getConfiguration();
    config.getLoggers().values().forEach(l -> l.removeAppender(appender.getName()));
    config.getRootLogger().removeAppender(appender.getName());
    config.getLoggerConfig("dev.headroom").setLevel(previous);
    context.updateLoggers();
    appender.stop();
  }
}
