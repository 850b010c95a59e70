package dev.headroom.streams.latency;

import dev.headroom.schemas.Delta;
import dev.headroom.streams.deltas.DeltaBatch;
import dev.headroom.streams.deltas.Sections;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.streams.KeyValue;

/**
 * Latency observations from pg_stat_statements deltas: per statement per interval, the calls,
 * the mean and the variance recovered from Σx and Σx². Every statement feeds the instance scope
 * and its database's scope ({@code db:<name>}); only the top {@code topStatements} by execution
 * time of a batch get a query scope of their own, so cardinality stays bounded whatever the
 * instance holds.
 */
public final class MomentObservations {
  private final int topStatements;

  public MomentObservations(int topStatements) {
    this.topStatements = topStatements;
  }

  /** When an observation of this delta happened: the middle of the interval it covers. */
  public static long timestamp(Delta d) {
    long start = d.previousAt().toEpochMilli();
    return start + (d.capturedAt().toEpochMilli() - start) / 2;
  }

  public List<KeyValue<String, Observation>> from(DeltaBatch batch) {
    if (!Sections.STATEMENTS.name().equals(batch.section())) {
      return List.of();
    }
    List<Delta> active = batch.deltas().stream()
        .filter(d -> !d.gap() && d.delta("calls") > 0)
        .sorted(Comparator.comparingDouble((Delta d) -> d.delta("total_exec_time_ms")).reversed())
        .toList();
    List<KeyValue<String, Observation>> out =
        new ArrayList<>(2 * active.size() + Math.min(active.size(), topStatements));
    for (int i = 0; i < active.size(); i++) {
      Delta d = active.get(i);
      double n = d.delta("calls");
      double mean = d.delta("total_exec_time_ms") / n;
      double variance = Math.max(0.0, d.delta(Sections.EXEC_TIME_SQ_SUM) / n - mean * mean);
      // A reset interval's Σx² restarts too, so the pair stays consistent.
      Observation instance = new Observation(d.instanceId(), "instance", Observation.Method.MOMENT, n, mean, variance,
          mean, timestamp(d));
      out.add(KeyValue.pair(instance.key(), instance));
      String datname = d.labels().get("datname");
      if (datname != null && !datname.isEmpty()) {
        Observation db = new Observation(d.instanceId(), "db:" + datname, Observation.Method.MOMENT, n, mean, variance,
            mean, timestamp(d));
        out.add(KeyValue.pair(db.key(), db));
      }
      String queryid = d.labels().get("queryid");
      if (i < topStatements && queryid != null) {
        Observation query = new Observation(d.instanceId(), "query:" + queryid, Observation.Method.MOMENT, n, mean,
            variance, mean, timestamp(d));
        out.add(KeyValue.pair(query.key(), query));
      }
    }
    return out;
  }
}
