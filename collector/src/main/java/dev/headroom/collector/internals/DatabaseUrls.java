package dev.headroom.collector.internals;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.postgresql.Driver;

/**
 * The target's JDBC URL pointed at another database of the same server, for the per-database
 * sections. pgjdbc parses the URL (hosts, ports, parameters such as sslmode); only the database
 * name changes, so TLS and other connection settings carry over.
 */
public final class DatabaseUrls {
  private DatabaseUrls() {}

  /** The URL's parameters and a URL naming {@code database} on the same hosts. */
  public record Target(String url, Properties parameters) {}

  public static Target forDatabase(String url, String database) {
    Properties parsed = Driver.parseURL(url, null);
    if (parsed == null) {
      throw new IllegalArgumentException("not a PostgreSQL JDBC URL");
    }
    String[] hosts = parsed.getProperty("PGHOST", "localhost").split(",");
    String[] ports = parsed.getProperty("PGPORT", "5432").split(",");
    StringBuilder out = new StringBuilder("jdbc:postgresql://");
    for (int i = 0; i < hosts.length; i++) {
      if (i > 0) {
        out.append(',');
      }
      String host = hosts[i];
      out.append(host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host)
          .append(':').append(ports[Math.min(i, ports.length - 1)]);
    }
    out.append('/').append(URLEncoder.encode(database, StandardCharsets.UTF_8).replace("+", "%20"));
    Properties parameters = new Properties();
    for (String name : parsed.stringPropertyNames()) {
      if (!name.equals("PGHOST") && !name.equals("PGPORT") && !name.equals("PGDBNAME")) {
        parameters.setProperty(name, parsed.getProperty(name));
      }
    }
    return new Target(out.toString(), parameters);
  }
}
