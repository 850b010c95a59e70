package dev.headroom.collector.logs;

import java.util.Optional;

/**
 * The parts of a {@code duration: … ms} log message that the follower needs.
 *
 * <p>The server writes one per timed phase (postgres.c): {@code statement: …} (simple protocol),
 * {@code parse …:}, {@code bind …:} and {@code execute …:} (extended protocol, also
 * {@code execute fetch from …}), {@code fastpath function call: …}, and a bare
 * {@code duration: 0.1 ms} when the statement text was already logged by {@code log_statement}.
 * auto_explain adds {@code duration: … ms  plan:} for statements that are also timed on their own.
 * The messages are in English only with {@code lc_messages} = C or en.
 */
record DurationMessage(double durationMs, Phase phase) {
  enum Phase {
    /** A statement execution as the client saw it: simple query, execute, fastpath call, or bare. */
    EXECUTION,
    /** Parse and bind of the extended protocol: set-up of an execution that is timed on its own line. */
    PLANNING,
    /** Anything else carrying a duration (auto_explain's {@code plan:}): never a sample of its own. */
    OTHER
  }

  private static final String PREFIX = "duration: ";
  private static final String UNIT = " ms";

  boolean timesExecution() {
    return phase == Phase.EXECUTION;
  }

  /** Empty when the message is not a duration message. */
  static Optional<DurationMessage> parse(String message) {
    if (message == null || !message.startsWith(PREFIX)) {
      return Optional.empty();
    }
    int unit = message.indexOf(UNIT, PREFIX.length());
    if (unit < 0) {
      return Optional.empty();
    }
    String number = message.substring(PREFIX.length(), unit);
    if (!isDecimal(number)) {
      return Optional.empty();
    }
    double ms = Double.parseDouble(number);
    String rest = message.substring(unit + UNIT.length());
    if (rest.isEmpty()) {
      return Optional.of(new DurationMessage(ms, Phase.EXECUTION));
    }
    if (!rest.startsWith("  ")) {
      return Optional.empty();
    }
    String what = rest.substring(2);
    Phase phase;
    if (what.startsWith("statement: ") || what.startsWith("execute ") || what.startsWith("fastpath function call")) {
      phase = Phase.EXECUTION;
    } else if (what.startsWith("parse ") || what.startsWith("bind ")) {
      phase = Phase.PLANNING;
    } else {
      phase = Phase.OTHER;
    }
    return Optional.of(new DurationMessage(ms, phase));
  }

  /** Digits with at most one decimal point: what {@code "%ld.%03d"} and {@code "%.3f"} print. */
  private static boolean isDecimal(String s) {
    boolean digits = false;
    boolean point = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        digits = true;
      } else if (c == '.' && !point) {
        point = true;
      } else {
        return false;
      }
    }
    return digits && s.length() <= 32;
  }
}
