package dev.headroom.collector.internals;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * pg_monitor may read every setting, and some hold secrets: a standby's primary_conninfo can
 * carry a password, and archive, restore and passphrase commands often embed keys. Those values
 * never leave the agent: passwords in connection strings are masked, commands are replaced by a
 * marker that only says whether they are set.
 */
final class SettingsRedaction {
  static final String REDACTED = "<redacted>";
  private static final Pattern CONNINFO_PASSWORD =
      Pattern.compile("(password\\s*=\\s*)('(?:[^'\\\\]|\\\\.)*'|\\S+)", Pattern.CASE_INSENSITIVE);

  private SettingsRedaction() {}

  static void apply(Map<String, Object> row) {
    String name = (String) row.get("name");
    Object setting = row.get("setting");
    if (name == null || !(setting instanceof String value) || value.isEmpty()) {
      return;
    }
    if (name.endsWith("conninfo")) {
      row.put("setting", CONNINFO_PASSWORD.matcher(value).replaceAll("$1" + REDACTED));
    } else if (name.endsWith("_command") || name.contains("passphrase")) {
      row.put("setting", REDACTED);
    }
  }
}
