package dev.headroom.schemas;

import java.util.regex.Pattern;

/** JDBC URLs as they may be logged: without passwords. */
public final class JdbcUrls {
  private static final Pattern PASSWORD_PARAM = Pattern.compile("(?i)([?&](password|sslpassword)=)[^&]*");
  private static final Pattern USER_INFO = Pattern.compile("^((?:jdbc:)?postgres(?:ql)?://)[^@/]*@");

  private JdbcUrls() {}

  public static String redact(String url) {
    if (url == null) {
      return null;
    }
    String out = PASSWORD_PARAM.matcher(url).replaceAll("$1***");
    return USER_INFO.matcher(out).replaceFirst("$1***@");
  }
}
