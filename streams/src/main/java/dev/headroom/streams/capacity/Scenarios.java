package dev.headroom.streams.capacity;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * What-if scenarios from configuration: {@code name:growth:<multiplier>} ("traffic triples" is
 * {@code traffic-x3:growth:3}) and {@code name:spike:<factor>:<yyyy-mm-dd>} ("5× on Black Friday" is
 * {@code black-friday:spike:5:2026-11-27}, the UTC day). Each is projected beside the baseline.
 */
public record Scenarios(List<Spec> specs) {
  /** One scenario: a growth multiplier, or a one-day spike at a UTC day (epoch ms of its start). */
  public record Spec(String name, double growthMultiplier, Long spikeAtMs, double spikeFactor) {}

  public static final Scenarios NONE = new Scenarios(List.of());

  public Scenarios {
    specs = List.copyOf(specs);
  }

  public static Scenarios parse(List<String> entries) {
    return new Scenarios(entries.stream().map(Scenarios::spec).toList());
  }

  static Spec spec(String entry) {
    String[] f = entry.trim().split(":");
    if (f.length < 3 || f[0].isBlank() || "baseline".equals(f[0])) {
      throw new IllegalArgumentException("'" + entry + "': expected name:growth:<multiplier> or"
          + " name:spike:<factor>:<yyyy-mm-dd>, with a name other than baseline");
    }
    double factor;
    try {
      factor = Double.parseDouble(f[2]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + entry + "': " + f[2] + " is not a number");
    }
    if (!(factor > 0)) {
      throw new IllegalArgumentException("'" + entry + "': the multiplier or factor must be positive");
    }
    return switch (f[1]) {
      case "growth" -> {
        if (f.length != 3) {
          throw new IllegalArgumentException("'" + entry + "': expected name:growth:<multiplier>");
        }
        yield new Spec(f[0], factor, null, 1);
      }
      case "spike" -> {
        if (f.length != 4) {
          throw new IllegalArgumentException("'" + entry + "': expected name:spike:<factor>:<yyyy-mm-dd>");
        }
        try {
          yield new Spec(f[0], 1, LocalDate.parse(f[3]).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli(),
              factor);
        } catch (DateTimeParseException e) {
          throw new IllegalArgumentException("'" + entry + "': " + f[3] + " is not a date like 2026-11-27");
        }
      }
      default -> throw new IllegalArgumentException("'" + entry + "': the kind must be growth or spike");
    };
  }
}
