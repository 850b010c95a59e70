package dev.headroom.streams.alerts;

/**
 * Where one rule stands for one (instance, scope): ok, pending since a time, or firing (and,
 * while firing, since when the condition has been clear). Times are epoch milliseconds.
 */
public record AlertState(String state, long since, long clearSince) {
  public static final String OK = "ok";

  public static AlertState ok() {
    return new AlertState(OK, 0, 0);
  }
}
