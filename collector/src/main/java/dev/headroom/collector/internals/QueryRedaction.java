package dev.headroom.collector.internals;

/**
 * pg_stat_statements replaces the constants of ordinary statements with $n, but keeps utility
 * statements as written: {@code ALTER ROLE app PASSWORD '…'}, {@code ALTER SYSTEM SET
 * archive_command = '… --secret …'}, {@code DO $$ … $$} bodies, COPY file names. Redacted
 * texts mask every quoted string and dollar-quoted body, which normalized statements no longer
 * have, so only what could carry a secret is lost. A literal cut by the length limit is masked
 * to the end.
 */
public final class QueryRedaction {
  public static final String MASK = "'***'";

  private QueryRedaction() {}

  public static String redact(String query) {
    if (query == null || (query.indexOf('\'') < 0 && query.indexOf('$') < 0)) {
      return query;
    }
    StringBuilder out = new StringBuilder(query.length());
    int i = 0;
    int n = query.length();
    while (i < n) {
      char c = query.charAt(i);
      if (c == '\'') {
        // a string literal ('' is an escaped quote; E'\'' escapes with a backslash)
        boolean escapes = i > 0 && (query.charAt(i - 1) == 'E' || query.charAt(i - 1) == 'e');
        int j = i + 1;
        while (j < n) {
          char d = query.charAt(j);
          if (escapes && d == '\\') {
            j += 2;
            continue;
          }
          if (d == '\'') {
            if (j + 1 < n && query.charAt(j + 1) == '\'') {
              j += 2;
              continue;
            }
            break;
          }
          j++;
        }
        out.append(MASK);
        i = j + 1;
      } else if (c == '$') {
        int tagEnd = dollarTagEnd(query, i);
        if (tagEnd < 0) {
          out.append(c); // $1 parameters and identifiers with $ stay
          i++;
          continue;
        }
        String tag = query.substring(i, tagEnd + 1);
        int close = query.indexOf(tag, tagEnd + 1);
        out.append(MASK);
        i = close < 0 ? n : close + tag.length();
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  /** The index of the closing $ of a dollar-quote opening tag ($$ or $tag$) starting at {@code i}; -1 if none. */
  private static int dollarTagEnd(String s, int i) {
    if (i > 0 && (Character.isLetterOrDigit(s.charAt(i - 1)) || s.charAt(i - 1) == '_')) {
      return -1; // part of an identifier
    }
    int j = i + 1;
    while (j < s.length()) {
      char c = s.charAt(j);
      if (c == '$') {
        return j;
      }
      if (!(Character.isLetter(c) || c == '_' || (j > i + 1 && Character.isDigit(c)))) {
        return -1;
      }
      j++;
    }
    return -1;
  }
}
