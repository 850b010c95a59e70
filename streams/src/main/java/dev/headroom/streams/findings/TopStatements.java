package dev.headroom.streams.findings;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The statements with the most total and the highest mean execution time, from
 * pg_stat_statements' totals since its last reset, per query id (summed over the databases,
 * users and nesting levels it ran under). A statements section split into parts is ranked from
 * each part's own leaders, merged when the last part arrives.
 */
public final class TopStatements {
  /** One statement's totals; {@code query} is the text as the collector sent it (redacted by default), or empty. */
  public record Statement(String queryid, String datname, double calls, double totalMs, String query) {
    double meanMs() {
      return calls > 0 ? totalMs / calls : 0;
    }

    Statement plus(Statement other) {
      return new Statement(queryid, datname, calls + other.calls, totalMs + other.totalMs,
          query.isEmpty() ? other.query : query);
    }
  }

  /** The leaders of a snapshot (or of the parts seen so far), by total and by mean. */
  public record Leaders(List<Statement> byTotal, List<Statement> byMean, double totalMs) {
    public static final Leaders NONE = new Leaders(List.of(), List.of(), 0);

    public Set<String> totalIds() {
      return byTotal.stream().map(Statement::queryid).collect(Collectors.toSet());
    }

    public Set<String> meanIds() {
      return byMean.stream().map(Statement::queryid).collect(Collectors.toSet());
    }
  }

  private static final int QUERY_CHARS = 160;

  private TopStatements() {}

  /** The top {@code n} of one part's rows. */
  public static Leaders of(List<Map<String, Object>> rows, int n) {
    Map<String, Statement> byId = new LinkedHashMap<>();
    double total = 0;
    for (Map<String, Object> r : rows) {
      Object queryid = r.get("queryid");
      Double calls = Checks.number(r.get("calls"));
      Double ms = Checks.number(r.get("total_exec_time_ms"));
      if (queryid == null || calls == null || ms == null || calls <= 0) {
        continue;
      }
      total += ms;
      Object text = r.get("query");
      Statement s = new Statement(queryid.toString(), Checks.str(r.get("datname")), calls, ms,
          text == null ? "" : abbreviate(text.toString()));
      byId.merge(s.queryid(), s, Statement::plus);
    }
    return rank(byId.values(), n, total);
  }

  /** Two parts' leaders as one. */
  public static Leaders merge(Leaders a, Leaders b, int n) {
    Map<String, Statement> byId = new LinkedHashMap<>();
    // a statement leading both lists of a part is the same statement, counted once per part
    for (Leaders l : List.of(a, b)) {
      Map<String, Statement> part = new LinkedHashMap<>();
      l.byTotal().forEach(s -> part.put(s.queryid(), s));
      l.byMean().forEach(s -> part.putIfAbsent(s.queryid(), s));
      part.values().forEach(s -> byId.merge(s.queryid(), s, Statement::plus));
    }
    return rank(byId.values(), n, a.totalMs() + b.totalMs());
  }

  private static Leaders rank(java.util.Collection<Statement> statements, int n, double totalMs) {
    List<Statement> all = new ArrayList<>(statements);
    Comparator<Statement> byId = Comparator.comparing(Statement::queryid);
    List<Statement> byTotal = all.stream()
        .sorted(Comparator.comparingDouble(Statement::totalMs).reversed().thenComparing(byId)).limit(n).toList();
    List<Statement> byMean = all.stream()
        .sorted(Comparator.comparingDouble(Statement::meanMs).reversed().thenComparing(byId)).limit(n).toList();
    return new Leaders(byTotal, byMean, totalMs);
  }

  /** Findings: info for each leader, ok for the leaders of before that are no longer. */
  public static List<Checks.Verdict> verdicts(Leaders now, Leaders before) {
    List<Checks.Verdict> out = new ArrayList<>();
    for (int i = 0; i < now.byTotal().size(); i++) {
      Statement s = now.byTotal().get(i);
      int rank = i + 1;
      double threshold = now.byTotal().get(now.byTotal().size() - 1).totalMs();
      out.add(new Checks.Verdict("top_total_time", "query:" + s.queryid(), "info", s.totalMs(), threshold,
          () -> String.format(java.util.Locale.ROOT, "#%d by total execution time: %s of all statement time, %.0f calls,"
              + " %.2f ms mean (%s)%s", rank, Checks.pct(now.totalMs() > 0 ? s.totalMs() / now.totalMs() : 0),
              s.calls(), s.meanMs(), s.datname(), text(s))));
    }
    for (int i = 0; i < now.byMean().size(); i++) {
      Statement s = now.byMean().get(i);
      int rank = i + 1;
      double threshold = now.byMean().get(now.byMean().size() - 1).meanMs();
      out.add(new Checks.Verdict("top_mean_time", "query:" + s.queryid(), "info", s.meanMs(), threshold,
          () -> String.format(java.util.Locale.ROOT, "#%d by mean execution time: %.2f ms over %.0f calls (%s)%s", rank,
              s.meanMs(), s.calls(), s.datname(), text(s))));
    }
    Set<String> total = now.totalIds();
    Set<String> mean = now.meanIds();
    for (Statement s : before.byTotal()) {
      if (!total.contains(s.queryid())) {
        out.add(new Checks.Verdict("top_total_time", "query:" + s.queryid(), "ok", 0, 0, () -> "no longer a leader"));
      }
    }
    for (Statement s : before.byMean()) {
      if (!mean.contains(s.queryid())) {
        out.add(new Checks.Verdict("top_mean_time", "query:" + s.queryid(), "ok", 0, 0, () -> "no longer a leader"));
      }
    }
    return out;
  }

  private static String text(Statement s) {
    return s.query().isEmpty() ? "" : ": " + s.query();
  }

  /** The query text with its whitespace runs as one space, cut at {@code QUERY_CHARS} (no regex: every row, every snapshot). */
  static String abbreviate(String query) {
    StringBuilder sb = new StringBuilder(Math.min(query.length(), QUERY_CHARS));
    boolean space = false;
    for (int i = 0; i < query.length() && sb.length() <= QUERY_CHARS; i++) {
      char c = query.charAt(i);
      if (Character.isWhitespace(c)) {
        space = sb.length() > 0;
      } else {
        if (space) {
          sb.append(' ');
          space = false;
        }
        sb.append(c);
      }
    }
    return sb.length() <= QUERY_CHARS ? sb.toString() : sb.substring(0, QUERY_CHARS - 1) + "…";
  }
}
