package dev.headroom.streams.findings;

import dev.headroom.schemas.Finding;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Turns verdicts into findings, sent only when they change: the store holds the last severity
 * sent per (instance, check, object); a new problem, a changed severity and a cleared problem
 * are sent, a healthy object that never had a finding is not.
 */
public final class FindingsProcessor implements FixedKeyProcessor<String, FindingsProcessor.Verdicts, Finding> {
  public static final String STORE = "finding-states";

  /** What one snapshot section (or delta batch) says about an instance's objects, at its capture time. */
  public record Verdicts(String instanceId, Instant at, List<Checks.Verdict> verdicts) {}

  private FixedKeyProcessorContext<String, Finding> context;
  private KeyValueStore<String, String> sent;
  /**
   * The store's entries in memory (only open findings are kept, so it is small): every snapshot
   * checks every object, and looking each one up in RocksDB cost more than the checks. Loaded when
   * the task starts, after its store is restored, and written through.
   */
  private final Map<String, String> open = new HashMap<>();

  @Override
  public void init(FixedKeyProcessorContext<String, Finding> context) {
    this.context = context;
    this.sent = context.getStateStore(STORE);
    open.clear();
    try (KeyValueIterator<String, String> all = sent.all()) {
      all.forEachRemaining(kv -> open.put(kv.key, kv.value));
    }
  }

  @Override
  public void process(FixedKeyRecord<String, Verdicts> record) {
    Verdicts v = record.value();
    for (Checks.Verdict verdict : v.verdicts()) {
      String key = v.instanceId() + "|" + verdict.check() + "|" + verdict.object();
      String before = open.get(key);
      String now = verdict.severity();
      if (now.equals(before == null ? Finding.OK : before)) {
        continue;
      }
      if (Finding.OK.equals(now)) {
        sent.delete(key);
        open.remove(key);
      } else {
        sent.put(key, now);
        open.put(key, now);
      }
      context.forward(record.withValue(new Finding(Finding.SCHEMA, v.instanceId(), verdict.check(), verdict.object(),
          now, verdict.value(), verdict.threshold(), verdict.advice(), v.at())).withTimestamp(v.at().toEpochMilli()));
    }
  }
}
