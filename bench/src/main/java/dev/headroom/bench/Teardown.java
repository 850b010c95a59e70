package dev.headroom.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What a benchmark command started, stopped in reverse order: at the end, on failure, on
 * Ctrl-C (a shutdown hook), and when the command's time limit passes (a watchdog exits, and
 * the hook runs). Servers a command starts are never left behind.
 */
final class Teardown implements AutoCloseable {
  private final Deque<AutoCloseable> steps = new ArrayDeque<>();
  private final PrintStream err;
  private boolean done;

  Teardown(PrintStream err) {
    this.err = err;
    Runtime.getRuntime().addShutdownHook(new Thread(this::close, "bench-teardown"));
  }

  /** Registers {@code step} to run at teardown, before every step registered earlier. */
  synchronized <T extends AutoCloseable> T add(T step) {
    steps.push(step);
    return step;
  }

  /** Past {@code minutes} the command exits with status 3; the shutdown hook then stops what it started. */
  void limit(double minutes) {
    long limitMs = Math.round(minutes * 60_000);
    Thread t = new Thread(() -> {
      try {
        TimeUnit.MILLISECONDS.sleep(limitMs);
        err.printf(Locale.ROOT, "bench: %.1f minutes passed, stopping (raise --max-minutes to allow more)%n", minutes);
        System.exit(3);
      } catch (InterruptedException e) {
        // the command finished first
      }
    }, "bench-watchdog");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public synchronized void close() {
    if (done) {
      return;
    }
    done = true;
    while (!steps.isEmpty()) {
      try {
        steps.pop().close();
      } catch (Exception e) {
        err.println("bench: teardown: " + e);
      }
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
