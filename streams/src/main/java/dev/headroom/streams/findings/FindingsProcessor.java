package dev.headroom.streams.findings;

import dev.headroom.schemas.Finding;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
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

  @Override
  public void init(FixedKeyProcessorContext<String, Finding> context) {
    this.context = context;
    this.sent = context.getStateStore(STORE);
  }

  @Override
  public void process(FixedKeyRecord<String, Verdicts> record) {
    Verdicts v = record.value();
    for (Checks.Verdict verdict : v.verdicts()) {
      String key = v.instanceId() + "|" + verdict.check() + "|" + verdict.object();
      String before = sent.get(key);
      String now = verdict.severity();
      if (now.equals(before == null ? Finding.OK : before)) {
        continue;
      }
      if (Finding.OK.equals(now)) {
        sent.delete(key);
      } else {
        sent.put(key, now);
      }
      context.forward(record.withValue(new Finding(Finding.SCHEMA, v.instanceId(), verdict.check(), verdict.object(),
          now, verdict.value(), verdict.threshold(), verdict.advice(), v.at())).withTimestamp(v.at().toEpochMilli()));
    }
  }
}
