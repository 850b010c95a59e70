package dev.headroom.collector.logs;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Log entry times as the server writes them in both csvlog {@code log_time} and jsonlog
 * {@code timestamp}: {@code 2026-11-22 10:15:30.123 UTC}, local time in {@code log_timezone}
 * followed by that zone's abbreviation ({@code %Z}).
 *
 * <p>The abbreviation is read as an offset when it is one ({@code UTC}, {@code GMT},
 * {@code +03}, {@code -0330}: the tz database's names for zones without letters). A named one
 * ({@code CET}, {@code CEST}, {@code IST}) is ambiguous in general, so when the server's
 * {@code log_timezone} is configured it decides (the abbreviation then only picks the side of a
 * daylight-saving overlap); without it Java's own reading of the abbreviation is used.
 */
final class LogTimes {
  private static final DateTimeFormatter LOCAL = new DateTimeFormatterBuilder()
      .appendPattern("uuuu-MM-dd HH:mm:ss")
      .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
      .toFormatter(Locale.ROOT);
  private static final DateTimeFormatter ABBREVIATION = DateTimeFormatter.ofPattern("zzz", Locale.US);
  private static final DateTimeFormatter NAMED = new DateTimeFormatterBuilder()
      .append(LOCAL).appendLiteral(' ').appendZoneText(java.time.format.TextStyle.SHORT)
      .toFormatter(Locale.US);
  private static final Pattern NUMERIC = Pattern.compile("[+-]\\d{2}(:?\\d{2})?");

  private LogTimes() {}

  /** The instant of a log time; throws {@link DateTimeException} when it is not one. */
  static Instant parse(String text, Optional<ZoneId> logTimezone) {
    int space = text.lastIndexOf(' ');
    if (space < 0) {
      throw new DateTimeParseException("no time zone in log time", text, 0);
    }
    String zone = text.substring(space + 1);
    LocalDateTime local = LocalDateTime.parse(text.substring(0, space), LOCAL);
    Optional<ZoneOffset> fixed = fixedOffset(zone);
    if (fixed.isPresent()) {
      return local.toInstant(fixed.get());
    }
    if (logTimezone.isPresent()) {
      return inZone(local, zone, logTimezone.get());
    }
    return ZonedDateTime.parse(text, NAMED).toInstant();
  }

  private static Optional<ZoneOffset> fixedOffset(String zone) {
    switch (zone) {
      case "UTC", "GMT", "UCT", "Z", "Zulu", "Universal" -> {
        return Optional.of(ZoneOffset.UTC);
      }
      default -> {
        if (NUMERIC.matcher(zone).matches()) {
          String digits = zone.replace(":", "");
          int hours = Integer.parseInt(digits.substring(1, 3));
          int minutes = digits.length() > 3 ? Integer.parseInt(digits.substring(3, 5)) : 0;
          int sign = digits.charAt(0) == '-' ? -1 : 1;
          return Optional.of(ZoneOffset.ofHoursMinutes(sign * hours, sign * minutes));
        }
        return Optional.empty();
      }
    }
  }

  private static Instant inZone(LocalDateTime local, String abbreviation, ZoneId zone) {
    List<ZoneOffset> offsets = zone.getRules().getValidOffsets(local);
    if (offsets.size() > 1) {
      for (ZoneOffset offset : offsets) {
        ZonedDateTime candidate = ZonedDateTime.ofLocal(local, zone, offset);
        if (ABBREVIATION.format(candidate).equals(abbreviation)) {
          return candidate.toInstant();
        }
      }
    }
    return ZonedDateTime.ofLocal(local, zone, null).toInstant();
  }
}
