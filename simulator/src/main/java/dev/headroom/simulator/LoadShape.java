package dev.headroom.simulator;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * An instance's load over the day and the week, as a factor of at most 1: the daily part peaks
 * at 1 at {@code peakHour} (UTC) and falls to {@code low} twelve hours away; weekends (Saturday,
 * Sunday) are scaled by {@code weekend}. Calls and latency follow both; connections, CPU and pool
 * clients follow the daily part under their growth pattern, so their daily peaks are the pattern.
 */
public record LoadShape(int peakHour, double low, double weekend) {
  /** Mean over a day of the daily part: low + (1 − low) · mean(((1 + cos)/2)²) = low + (1 − low) · 3/8. */
  public double dailyMean() {
    return low + (1 - low) * 3.0 / 8.0;
  }

  public double daily(Instant at) {
    double hour = Math.floorMod(at.getEpochSecond(), 86_400L) / 3_600.0;
    double c = (1 + Math.cos(2 * Math.PI * (hour - peakHour) / 24)) / 2;
    return low + (1 - low) * c * c;
  }

  public double weekly(Instant at) {
    DayOfWeek day = at.atOffset(ZoneOffset.UTC).getDayOfWeek();
    return day == DayOfWeek.SATURDAY || day == DayOfWeek.SUNDAY ? weekend : 1.0;
  }

  /** Daily times weekly: the load that calls and latency follow. */
  public double load(Instant at) {
    return daily(at) * weekly(at);
  }
}
