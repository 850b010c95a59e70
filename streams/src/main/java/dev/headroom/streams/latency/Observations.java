package dev.headroom.streams.latency;


import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;

/**
 * The observations of one scope from one snapshot message (or one exact sample), folded into
 * their window together: a statements message feeds the instance and database scopes once per
 * statement, and taking them as one record makes one read and one write of the window's sketch
 * instead of one per statement.
 */
public record Observations(List<Observation> list) {
  public Observations {
    list = List.copyOf(list);
    if (list.isEmpty()) {
      throw new IllegalArgumentException("no observations");
    }
  }

  public static Observations of(Observation o) {
    return new Observations(List.of(o));
  }

  /** When they happened (all of one group share it). */
  public long timestampMs() {
    return list.get(0).timestampMs();
  }

  /** Groups keyed observations by key and time, in first-seen order. */
  public static List<KeyValue<String, Observations>> grouped(List<KeyValue<String, Observation>> observations) {
    Map<String, List<Observation>> groups = new LinkedHashMap<>();
    Map<String, String> keys = new LinkedHashMap<>();
    for (KeyValue<String, Observation> kv : observations) {
      String group = kv.key + '\u0000' + kv.value.timestampMs();
      keys.putIfAbsent(group, kv.key);
      groups.computeIfAbsent(group, g -> new ArrayList<>()).add(kv.value);
    }
    List<KeyValue<String, Observations>> out = new ArrayList<>(groups.size());
    groups.forEach((group, list) -> out.add(KeyValue.pair(keys.get(group), new Observations(list))));
    return out;
  }

  /** Adds every observation to the window's aggregate. */
  public static SketchAggregate fold(SketchAggregate agg, Observations observations) {
    return agg.addAll(observations.list());
  }
}
