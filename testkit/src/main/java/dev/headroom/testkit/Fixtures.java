package dev.headroom.testkit;

import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops the shared fixtures when the test run ends, in reverse order of start, before the JVM
 * exits: stopping a broker or a server from a shutdown hook races the other hooks and can
 * outlast the test runner's patience with the exiting fork. A shutdown hook remains as the
 * fallback for runs outside the JUnit launcher.
 */
public final class Fixtures implements LauncherSessionListener {
  private static final Logger LOG = LoggerFactory.getLogger(Fixtures.class);
  private static final Deque<Stop> STARTED = new ArrayDeque<>();
  private static boolean hooked;

  @FunctionalInterface
  interface Stop {
    void run() throws Exception;
  }

  /** Registers how to stop a fixture that was just started. */
  static synchronized void started(String name, Stop stop) {
    STARTED.push(() -> {
      long t0 = System.nanoTime();
      stop.run();
      LOG.info("{} stopped in {} ms", name, (System.nanoTime() - t0) / 1_000_000);
    });
    if (!hooked) {
      hooked = true;
      Runtime.getRuntime().addShutdownHook(new Thread(Fixtures::stopAll, "fixtures-stop"));
    }
  }

  static synchronized void stopAll() {
    while (!STARTED.isEmpty()) {
      try {
        STARTED.pop().run();
      } catch (Exception e) {
        LOG.warn("stopping a fixture: {}", e.toString());
      }
    }
  }

  @Override
  public void launcherSessionClosed(LauncherSession session) {
    stopAll();
  }
}
