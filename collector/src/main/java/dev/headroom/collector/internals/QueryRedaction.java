package dev.headroom.collector.internals;

/**
 * pg_stat_statements replaces the constants of ordinary statements with $n, but keeps utility
 * statements as written: {@code ALTER ROLE app PASSWORD '…'}, {@code ALTER SYSTEM SET
 * archive_command = '… --secret …'}, {@code DO $$ … $$} bodies, COPY file names, comments. Redacted
 * texts mask every quoted string, dollar-quoted body and comment, which normalized statements no
 * longer have (bar comments), so only what could carry a secret is lost. Quoted identifiers are
 * read as such, so a quote inside one does not shift what is masked. A literal cut by the length limit is masked
 * to the end.
 */
public final class QueryRedaction {
  public static final String MASK = "'***'";

  private QueryRedaction() {}

  public static String redact(String query) {
    if (query == null || (query.indexOf('\'') < 0 && query.indexOf('$') < 0 && query.indexOf('-') < 0
        && query.indexOf('/') < 0)) {
      return query;
    }
    StringBuilder out = new StringBuilder(query.length());
    int i = 0;
    int n = query.length();
    while (i < n) {
      char c = query.charAt(i);
      if (c == '"') {
        // a quoted identifier ("" escapes a quote): kept as it is, and a quote inside it opens nothing
        int j = i + 1;
        while (j < n && !(query.charAt(j) == '"' && (j + 1 >= n || query.charAt(j + 1) != '"'))) {
          j += query.charAt(j) == '"' ? 2 : 1;
        }
        out.append(query, i, Math.min(n, j + 1));
        i = j + 1;
      } else if (c == '-' && i + 1 < n && query.charAt(i + 1) == '-') {
        // a line comment: masked, it may hold anything
        int end = query.indexOf('\n', i);
        out.append("/* */");
        i = end < 0 ? n : end;
      } else if (c == '/' && i + 1 < n && query.charAt(i + 1) == '*') {
        // a block comment, nested as PostgreSQL nests them: masked
        int depth = 0;
        int j = i;
        while (j < n) {
          if (query.startsWith("/*", j)) {
            depth++;
            j += 2;
          } else if (query.startsWith("*/", j)) {
            depth--;
            j += 2;
            if (depth == 0) {
              break;
            }
          } else {
            j++;
          }
        }
        out.append("/* */");
        i = j;
      } else if (c == '\'') {
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
