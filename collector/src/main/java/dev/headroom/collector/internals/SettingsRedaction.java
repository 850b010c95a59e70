package dev.headroom.collector.internals;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * pg_monitor may read every setting, and some hold secrets: a standby's primary_conninfo can
 * carry a password, and archive, restore and passphrase commands often embed keys. Those values
 * never leave the agent: passwords in connection strings (key=value or URI) are masked, commands
 * and custom settings whose names suggest a secret (app.settings.jwt_secret) are replaced by a
 * marker that only says whether they are set.
 */
final class SettingsRedaction {
  static final String REDACTED = "<redacted>";
  private static final Pattern URI_PASSWORD = Pattern.compile("(://[^:@/]*):[^@]*@");
  /** Custom (dotted) settings such as app.settings.jwt_secret, which extensions and apps read. */
  private static final Pattern SECRET_NAME =
      Pattern.compile("(?i).*\\..*(secret|passw|token|key|credential|auth).*");
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
      String masked = CONNINFO_PASSWORD.matcher(value).replaceAll("$1" + REDACTED);
      row.put("setting", URI_PASSWORD.matcher(masked).replaceAll("$1:" + REDACTED + "@"));
    } else if (name.endsWith("_command") || name.contains("passphrase") || SECRET_NAME.matcher(name).matches()) {
      row.put("setting", REDACTED);
    }
  }
}
