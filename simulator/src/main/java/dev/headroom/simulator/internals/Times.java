package dev.headroom.simulator.internals;

import java.time.Instant;

/**
 * RFC 3339 UTC with milliseconds, as {@code Json.format} writes it, without DateTimeFormatter
 * (which was a tenth of the encoding time): the civil date from the day number by Howard
 * Hinnant's days-to-civil algorithm, valid for years 0 to 9999.
 */
final class Times {
  private Times() {}

  static String format(Instant t) {
    long ms = t.toEpochMilli();
    long days = Math.floorDiv(ms, 86_400_000L);
    long inDay = Math.floorMod(ms, 86_400_000L);
    long z = days + 719_468;
    long era = Math.floorDiv(z, 146_097);
    long doe = z - era * 146_097;
    long yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long day = doy - (153 * mp + 2) / 5 + 1;
    long month = mp < 10 ? mp + 3 : mp - 9;
    long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    char[] c = new char[24];
    digits(c, 0, year, 4);
    c[4] = '-';
    digits(c, 5, month, 2);
    c[7] = '-';
    digits(c, 8, day, 2);
    c[10] = 'T';
    digits(c, 11, inDay / 3_600_000, 2);
    c[13] = ':';
    digits(c, 14, inDay / 60_000 % 60, 2);
    c[16] = ':';
    digits(c, 17, inDay / 1_000 % 60, 2);
    c[19] = '.';
    digits(c, 20, inDay % 1_000, 3);
    c[23] = 'Z';
    return new String(c);
  }

  private static void digits(char[] c, int at, long value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      c[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }
}
