package dev.headroom.streams.alerts;

/**
 * Where one rule stands for one (instance, scope): ok, pending since a time, or firing (and,
 * while firing, since when the condition has been clear), and the end of the last measurement
 * it took, so a measurement replayed from the past changes nothing. Times are epoch milliseconds.
 */
public record AlertState(String state, long since, long clearSince, long lastMs) {
  public static final String OK = "ok";

  public static AlertState ok() {
    return new AlertState(OK, 0, 0, 0);
  }
}
